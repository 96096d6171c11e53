"""The band's APDU protocol (docs/protocol.md, version 1), above any `BandDevice`.

Frames short APDUs, follows `61xx` with GET RESPONSE, parses the TLV answers, and runs the
polled release: `release(challenge, on_status, cancel)` calls `on_status` only when the
band's progress changes, sends CANCEL when the wait is cancelled or interrupted, and gives up
at a deadline of its own. Status words other than 9000 become `ApduError` (or one of its
typed kinds below), transport failures stay `TransportError`.
"""

from __future__ import annotations

import enum
import threading
import time
from dataclasses import dataclass
from typing import Callable

from .device import BandDevice
from .errors import ApduError, ProtocolError, StatusWord

__all__ = [
    "AID", "Ins", "BandState", "ReleaseProgress", "PublicFacts", "ReleaseResult",
    "NoMatch", "BandLockedOut", "ReleaseCancelled", "BandProtocol", "build_apdu", "parse_tlvs",
    "CHALLENGE_LENGTH", "RELEASE_DOMAIN_TAG",
]

AID = bytes.fromhex("F049434542414E4401")
CHALLENGE_LENGTH = 32
RELEASE_DOMAIN_TAG = b"ICEband-release-v1"
_CLA_ISO = 0x00
_CLA_PROPRIETARY = 0x80
_MAX_SUMMARY_CHUNK = 240
_MAX_BODY = 64 * 1024        # more than any answer in protocol v1: a band that keeps sending is broken


class Ins(enum.IntEnum):
    SELECT = 0xA4
    GET_RESPONSE = 0xC0
    RELEASE_BEGIN = 0x10
    RELEASE_POLL = 0x11
    CANCEL = 0x12
    READ_SUMMARY = 0x20


class BandState(enum.IntEnum):
    UNPROVISIONED = 0
    READY = 1
    LOCKED_OUT = 2


class ReleaseProgress(enum.IntEnum):
    """What `on_status` receives while the band waits for the finger."""
    STARTED = 0                                     # BEGIN accepted, sensor ring lit
    WAITING_FOR_FINGER = StatusWord.WAITING_FOR_FINGER
    CAPTURING = StatusWord.CAPTURING
    MATCHING = StatusWord.MATCHING


@dataclass(frozen=True)
class PublicFacts:
    """SELECT's answer (section 2.1)."""
    version: int
    device_id: bytes
    patient_address: bytes
    state: BandState
    attempts_left: int
    lockout_seconds: int
    summary_length: int

    @property
    def patient_address_text(self) -> str:
        return "0x" + self.patient_address.hex()


@dataclass(frozen=True)
class ReleaseResult:
    """A match (section 2.2): the counter after this release, the proof, the sealed blob."""
    counter: int
    proof: bytes
    sealed_blob: bytes


class NoMatch(ApduError):
    """63Cx: the finger did not match."""

    def __init__(self, sw: int, data: bytes, attempts_left: int, lockout_seconds: int) -> None:
        super().__init__(sw, data)
        self.attempts_left = attempts_left
        self.lockout_seconds = lockout_seconds


class BandLockedOut(ApduError):
    """6983: a lockout delay runs."""

    def __init__(self, sw: int, data: bytes, seconds_left: int) -> None:
        super().__init__(sw, data)
        self.seconds_left = seconds_left


class ReleaseCancelled(Exception):
    """The host cancelled the finger wait (CANCEL was sent)."""


def build_apdu(cla: int, ins: int, p1: int, p2: int, data: bytes = b"",
               le: int | None = None) -> bytes:
    """A short ISO 7816-4 command APDU (case 1-4); `le` 256 is encoded as 00."""
    if len(data) > 255:
        raise ValueError("short APDUs carry at most 255 data bytes")
    apdu = bytes([cla, ins, p1, p2])
    if data:
        apdu += bytes([len(data)]) + data
    if le is not None:
        if not 1 <= le <= 256:
            raise ValueError("Le must be 1..256")
        apdu += bytes([le & 0xFF])
    return apdu


def parse_tlvs(body: bytes) -> dict[int, bytes]:
    """A flat list of TLVs with BER lengths; the last of a repeated tag wins."""
    out: dict[int, bytes] = {}
    i = 0
    while i < len(body):
        tag = body[i]
        if i + 1 >= len(body):
            raise ProtocolError(f"TLV {tag:02X} has no length")
        first = body[i + 1]
        i += 2
        if first < 0x80:
            length = first
        elif first in (0x81, 0x82):
            size = first - 0x80
            if i + size > len(body):
                raise ProtocolError(f"TLV {tag:02X} length truncated")
            length = int.from_bytes(body[i:i + size], "big")
            i += size
        else:
            raise ProtocolError(f"TLV {tag:02X} has an unsupported length byte {first:02X}")
        if i + length > len(body):
            raise ProtocolError(f"TLV {tag:02X} claims {length} bytes, {len(body) - i} remain")
        out[tag] = bytes(body[i:i + length])
        i += length
    return out


def _field(tlvs: dict[int, bytes], tag: int, length: int | None, what: str) -> bytes:
    value = tlvs.get(tag)
    if value is None:
        raise ProtocolError(f"the band's answer lacks {what} (tag {tag:02X})")
    if length is not None and len(value) != length:
        raise ProtocolError(f"{what} (tag {tag:02X}) is {len(value)} bytes, expected {length}")
    return value


def _seconds_left(data: bytes) -> int:
    try:
        value = parse_tlvs(data).get(0x85)
    except ProtocolError:
        return 0
    return int.from_bytes(value, "big") if value and len(value) == 4 else 0


class BandProtocol:
    """The band's applet, spoken through one `BandDevice`."""

    def __init__(self, device: BandDevice, *, timeout: float = 3.0) -> None:
        self.device = device
        self.timeout = timeout  # per exchange; every POLL answers within ~1 s

    # --- framing -----------------------------------------------------------------------------

    def send(self, cla: int, ins: int, p1: int = 0, p2: int = 0, data: bytes = b"",
             le: int | None = None) -> tuple[bytes, int]:
        """One command; follows 61xx with GET RESPONSE. Returns (body, final status word)."""
        response = self._exchange(build_apdu(cla, ins, p1, p2, data, le))
        body = bytearray(response[:-2])
        sw = int.from_bytes(response[-2:], "big")
        while sw & 0xFF00 == 0x6100:
            more = sw & 0xFF or 256
            response = self._exchange(build_apdu(_CLA_ISO, Ins.GET_RESPONSE, 0, 0, le=more))
            if len(response) == 2:  # each round must bring data, or a band could hold us forever
                raise ProtocolError("the band announced more data (61xx) and sent none")
            body += response[:-2]
            sw = int.from_bytes(response[-2:], "big")
            if len(body) > _MAX_BODY:
                raise ProtocolError("the band's answer does not end")
        return bytes(body), sw

    def _exchange(self, apdu: bytes) -> bytes:
        response = self.device.transceive(apdu, self.timeout)
        if len(response) < 2:
            raise ProtocolError("the band's answer has no status word")
        return response

    def check(self, body: bytes, sw: int) -> bytes:
        """The body when `sw` is 9000; `ApduError` otherwise."""
        if sw != StatusWord.OK:
            raise ApduError(sw, body)
        return body

    # --- commands ----------------------------------------------------------------------------

    def select(self) -> PublicFacts:
        body = self.check(*self.send(_CLA_ISO, Ins.SELECT, 0x04, 0x00, AID, le=256))
        tlvs = parse_tlvs(body)
        version = _field(tlvs, 0x80, 1, "protocol version")[0]
        if version != 1:
            raise ProtocolError(f"the band speaks protocol version {version}; this app speaks 1")
        state = _field(tlvs, 0x83, 1, "state")[0]
        try:
            band_state = BandState(state)
        except ValueError:
            raise ProtocolError(f"unknown band state {state}") from None
        return PublicFacts(
            version=version,
            device_id=_field(tlvs, 0x81, 16, "device id"),
            patient_address=_field(tlvs, 0x82, 20, "patient address"),
            state=band_state,
            attempts_left=_field(tlvs, 0x84, 1, "attempts left")[0],
            lockout_seconds=int.from_bytes(_field(tlvs, 0x85, 4, "lockout seconds"), "big"),
            summary_length=int.from_bytes(_field(tlvs, 0x86, 2, "summary length"), "big"),
        )

    def cancel(self) -> None:
        self.check(*self.send(_CLA_PROPRIETARY, Ins.CANCEL))

    def begin_release(self, challenge: bytes) -> None:
        if len(challenge) != CHALLENGE_LENGTH:
            raise ValueError(f"the challenge must be {CHALLENGE_LENGTH} bytes")
        body, sw = self.send(_CLA_PROPRIETARY, Ins.RELEASE_BEGIN, data=challenge)
        if sw == StatusWord.AUTH_BLOCKED:
            raise BandLockedOut(sw, body, _seconds_left(body))
        self.check(body, sw)

    def poll_release(self) -> ReleaseResult | ReleaseProgress:
        """One POLL: progress while waiting, the result on a match; refusals raise."""
        body, sw = self.send(_CLA_PROPRIETARY, Ins.RELEASE_POLL, le=256)
        if sw in (StatusWord.WAITING_FOR_FINGER, StatusWord.CAPTURING, StatusWord.MATCHING):
            return ReleaseProgress(sw)
        if sw & 0xFFF0 == 0x63C0:
            raise NoMatch(sw, body, sw & 0x0F, _seconds_left(body))
        if sw == StatusWord.AUTH_BLOCKED:
            raise BandLockedOut(sw, body, _seconds_left(body))
        tlvs = parse_tlvs(self.check(body, sw))
        return ReleaseResult(
            counter=int.from_bytes(_field(tlvs, 0x90, 4, "release counter"), "big"),
            proof=_field(tlvs, 0x91, 32, "release proof"),
            sealed_blob=_field(tlvs, 0x92, None, "sealed blob"),
        )

    def release(self, challenge: bytes, *,
                on_status: Callable[[ReleaseProgress], None] | None = None,
                cancel: threading.Event | None = None,
                deadline: float = 20.0, idle_poll_interval: float = 0.02) -> ReleaseResult:
        """BEGIN, then POLL until a final answer, `deadline` seconds, or `cancel`.

        The band ends the wait itself after 15 s (6402); `deadline` only guards against a
        band that never ends it. Any exception while waiting (KeyboardInterrupt included)
        sends CANCEL before it propagates, so the band's ring goes dark.
        """
        cancel = cancel or threading.Event()
        give_up_at = time.monotonic() + deadline
        self.begin_release(challenge)
        last: ReleaseProgress | None = ReleaseProgress.STARTED
        if on_status:
            on_status(ReleaseProgress.STARTED)
        try:
            while True:
                if cancel.is_set():
                    raise ReleaseCancelled("the finger wait was cancelled")
                if time.monotonic() >= give_up_at:
                    self._cancel_quietly()
                    raise ProtocolError(f"the band gave no final answer within {deadline:g} s")
                answer = self.poll_release()
                if isinstance(answer, ReleaseResult):
                    return answer
                if answer != last:
                    last = answer
                    if on_status:
                        on_status(answer)
                if answer == ReleaseProgress.WAITING_FOR_FINGER:
                    cancel.wait(idle_poll_interval)  # no finger yet: do not spin the link
        except (ApduError, ProtocolError):
            raise  # the band ended the release itself: nothing to cancel
        except BaseException:
            self._cancel_quietly()
            raise

    def _cancel_quietly(self) -> None:
        try:
            self.cancel()
        except Exception:  # the link may be what failed; the band ends the wait at its deadline
            pass

    def read_summary(self, length: int) -> bytes:
        """The sealed offline summary (after a release in this session), `length` bytes."""
        out = bytearray()
        while len(out) < length:
            want = min(_MAX_SUMMARY_CHUNK, length - len(out))
            offset = len(out)
            chunk = self.check(*self.send(_CLA_PROPRIETARY, Ins.READ_SUMMARY,
                                        offset >> 8, offset & 0xFF, le=want))
            if not chunk:
                raise ProtocolError(f"the summary ended at {len(out)} of {length} bytes")
            out += chunk
        return bytes(out[:length])
