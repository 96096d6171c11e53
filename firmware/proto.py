"""Numbers the applet, the release and the enrolment share (docs/protocol.md), and the TLV codec.

Numbers only the applet uses live in applet.py as private consts (no RAM on the band).
"""

from micropython import const

__all__ = ["AID", "DOMAIN_TAG", "tlv", "tlv_header", "sw_bytes"]

AID = b"\xf0ICEBAND\x01"
DOMAIN_TAG = b"ICEband-release-v1"
FINGER_DEADLINE_MS = const(15000)

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
TAG_LOCKOUT = const(0x85)
TAG_PRESS = const(0x8A)
TAG_COUNTER = const(0x90)
TAG_PROOF = const(0x91)
TAG_BLOB = const(0x92)



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
