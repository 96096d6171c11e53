"""Errors of the responder app, one type per layer, translated at each boundary.

transport (`TransportError`: the link to the band broke or timed out)
  -> protocol (`ApduError`: the band answered with an ISO 7816-4 status word)
  -> session (`SessionError` and its kinds: what the responder is told).

Unknown status words still construct (python-fido2's rule): the code is kept, the message
says it is unknown.
"""

from __future__ import annotations

import enum

__all__ = [
    "TransportError", "TransportErrorKind", "StatusWord", "ApduError", "ProtocolError",
    "SessionError", "NoReader", "BandLost", "WrongFinger", "LockedOut", "DeviceRevoked",
    "DeviceUnknown", "RecordTampered", "ReplayDetected", "ReleaseRefused", "Cancelled",
    "NotProvisioned", "NoRecord", "status_message",
]


class TransportErrorKind(enum.IntEnum):
    NO_DEVICE = 1       # nothing at that device string
    NO_BAND = 2         # reader works, no band in the field
    TIMEOUT = 3         # the band stopped answering
    LINK_LOST = 4       # the band left the field / the cable came out
    FRAMING = 5         # bytes arrived that are not a frame


class TransportError(Exception):
    """The link below the APDU layer failed."""

    def __init__(self, kind: TransportErrorKind, message: str) -> None:
        super().__init__(message)
        self.kind = kind


class StatusWord(enum.IntEnum):
    """ISO 7816-4 status words the band uses (see docs/protocol.md)."""

    OK = 0x9000
    WAITING_FOR_FINGER = 0x6202
    CAPTURING = 0x6203
    MATCHING = 0x6204
    LIFT_FINGER = 0x6205
    ENROLL_FAILED = 0x6300
    SENSOR_ERROR = 0x6400
    NO_FINGER = 0x6402
    MEMORY_FAILURE = 0x6581
    WRONG_LENGTH = 0x6700
    SECURITY_NOT_SATISFIED = 0x6982
    AUTH_BLOCKED = 0x6983
    CONDITIONS_NOT_SATISFIED = 0x6985
    WRONG_DATA = 0x6A80
    FUNCTION_NOT_SUPPORTED = 0x6A81
    NOT_FOUND = 0x6A82
    WRONG_P1P2 = 0x6A86
    INS_NOT_SUPPORTED = 0x6D00
    CLA_NOT_SUPPORTED = 0x6E00
    NO_PRECISE_DIAGNOSIS = 0x6F00


_MESSAGES = {
    StatusWord.OK: "success",
    StatusWord.WAITING_FOR_FINGER: "waiting for a finger",
    StatusWord.CAPTURING: "finger seen, capturing",
    StatusWord.MATCHING: "matching",
    StatusWord.LIFT_FINGER: "lift the finger",
    StatusWord.ENROLL_FAILED: "the two presses did not make one model",
    StatusWord.SENSOR_ERROR: "the band's fingerprint sensor failed",
    StatusWord.NO_FINGER: "no usable finger within the band's deadline",
    StatusWord.MEMORY_FAILURE: "the band could not write its memory",
    StatusWord.WRONG_LENGTH: "wrong length",
    StatusWord.SECURITY_NOT_SATISFIED: "security status not satisfied",
    StatusWord.AUTH_BLOCKED: "authentication blocked (locked out)",
    StatusWord.CONDITIONS_NOT_SATISFIED: "conditions of use not satisfied",
    StatusWord.WRONG_DATA: "incorrect data in the command",
    StatusWord.FUNCTION_NOT_SUPPORTED: "function not supported",
    StatusWord.NOT_FOUND: "application or file not found",
    StatusWord.WRONG_P1P2: "incorrect parameters P1-P2",
    StatusWord.INS_NOT_SUPPORTED: "instruction not supported",
    StatusWord.CLA_NOT_SUPPORTED: "class not supported",
    StatusWord.NO_PRECISE_DIAGNOSIS: "no precise diagnosis",
}


def status_message(sw: int) -> str:
    """Human text for a status word, including the 63Cx 'x tries left' family."""
    if sw & 0xFF00 == 0x6100:
        return f"more data waiting ({sw & 0xFF or 256} bytes)"
    if sw & 0xFFF0 == 0x63C0:
        return f"verification failed, {sw & 0x0F} tries left"
    try:
        return _MESSAGES[StatusWord(sw)]
    except ValueError:
        return f"unknown status word {sw:04X}"


class ApduError(Exception):
    """The band answered with a status word other than 9000."""

    def __init__(self, sw: int, data: bytes = b"") -> None:
        super().__init__(f"{sw:04X}: {status_message(sw)}")
        self.sw = sw
        self.data = data

    @property
    def code(self) -> StatusWord | int:
        try:
            return StatusWord(self.sw)
        except ValueError:
            return self.sw


class ProtocolError(Exception):
    """The band's answer does not follow docs/protocol.md (bad length, bad field)."""


class SessionError(Exception):
    """What the responder is told: every refusal of the session is one of these kinds."""

    title = "Error"


class NoReader(SessionError):
    title = "No reader"


class BandLost(SessionError):
    title = "Band lost"


class NotProvisioned(SessionError):
    title = "Band not set up"


class WrongFinger(SessionError):
    title = "Wrong finger"

    def __init__(self, retries_left: int) -> None:
        super().__init__(f"the fingerprint did not match; {retries_left} tries left "
                         "before a lockout")
        self.retries_left = retries_left


class LockedOut(SessionError):
    title = "Locked out"

    def __init__(self, seconds_left: int) -> None:
        super().__init__(f"too many failed fingerprints; the band accepts the next try in "
                         f"{seconds_left} s")
        self.seconds_left = seconds_left


class ReleaseRefused(SessionError):
    title = "Release refused"


class DeviceRevoked(SessionError):
    title = "Revoked band"


class DeviceUnknown(SessionError):
    title = "Unknown band"


class RecordTampered(SessionError):
    title = "Tampered record"


class ReplayDetected(SessionError):
    title = "Replayed release"


class NoRecord(SessionError):
    title = "No record"


class Cancelled(SessionError):
    title = "Cancelled"
