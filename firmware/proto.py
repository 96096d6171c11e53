"""Constants of the band protocol (docs/protocol.md) and the TLV codec.

Shared by the applet and, read-only, by host code that wants the same numbers.
"""

from micropython import const

__all__ = ["AID", "VERSION", "DOMAIN_TAG", "CHUNK", "tlv", "tlv_header", "sw_bytes"]

AID = b"\xf0ICEBAND\x01"
VERSION = const(1)
DOMAIN_TAG = b"ICEband-release-v1"
CHUNK = const(240)  # largest response body per R-APDU (fits one PN532 normal frame)
CHALLENGE_LEN = const(32)
DEVICE_ID_LEN = const(16)
ADDRESS_LEN = const(20)
SECRET_LEN = const(32)
BLOB_MAX = const(4096)
SUMMARY_MAX = const(4096)
FINGER_DEADLINE_MS = const(15000)

# CLA / INS
CLA_ISO = const(0x00)
CLA_PROP = const(0x80)
INS_SELECT = const(0xA4)
INS_GET_RESPONSE = const(0xC0)
INS_RELEASE_BEGIN = const(0x10)
INS_RELEASE_POLL = const(0x11)
INS_CANCEL = const(0x12)
INS_READ_SUMMARY = const(0x20)
INS_ENROLL_BEGIN = const(0x40)
INS_ENROLL_POLL = const(0x41)
INS_WRITE = const(0x50)
INS_COMMIT = const(0x52)

# WRITE items
ITEM_DEVICE_ID = const(1)
ITEM_ADDRESS = const(2)
ITEM_BLOB = const(3)
ITEM_SECRET = const(4)
ITEM_SUMMARY = const(5)

# Status words
SW_OK = const(0x9000)
SW_MORE = const(0x6100)
SW_WAIT_FINGER = const(0x6202)
SW_CAPTURING = const(0x6203)
SW_MATCHING = const(0x6204)
SW_LIFT_FINGER = const(0x6205)
SW_ENROLL_FAILED = const(0x6300)
SW_NO_MATCH = const(0x63C0)
SW_SENSOR_ERROR = const(0x6400)
SW_NO_FINGER = const(0x6402)
SW_MEMORY_FAILURE = const(0x6581)
SW_WRONG_LENGTH = const(0x6700)
SW_SECURITY = const(0x6982)
SW_LOCKED = const(0x6983)
SW_CONDITIONS = const(0x6985)
SW_WRONG_DATA = const(0x6A80)
SW_NOT_FOUND = const(0x6A82)
SW_WRONG_P1P2 = const(0x6A86)
SW_INS = const(0x6D00)
SW_CLA = const(0x6E00)
SW_UNKNOWN = const(0x6F00)

# Tags
TAG_VERSION = const(0x80)
TAG_DEVICE_ID = const(0x81)
TAG_ADDRESS = const(0x82)
TAG_STATE = const(0x83)
TAG_RETRIES = const(0x84)
TAG_LOCKOUT = const(0x85)
TAG_SUMMARY_LEN = const(0x86)
TAG_PRESS = const(0x8A)
TAG_COUNTER = const(0x90)
TAG_PROOF = const(0x91)
TAG_BLOB = const(0x92)

STATE_UNPROVISIONED = const(0)
STATE_READY = const(1)
STATE_LOCKED = const(2)


def tlv_header(tag: int, length: int) -> bytes:
    """Tag and BER length for a value of `length` bytes."""
    if length < 0x80:
        return bytes((tag, length))
    if length < 0x100:
        return bytes((tag, 0x81, length))
    return bytes((tag, 0x82, length >> 8, length & 0xFF))


def tlv(tag: int, value: bytes) -> bytes:
    return tlv_header(tag, len(value)) + value


def sw_bytes(sw: int) -> bytes:
    return bytes((sw >> 8, sw & 0xFF))
