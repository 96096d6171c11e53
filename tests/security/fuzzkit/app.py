"""The responder app's parsers: USB-serial frames, and whatever a hostile band answers."""

from __future__ import annotations

import random

from responder_app.device import BandDevice
from responder_app.errors import ApduError, ProtocolError, TransportError, TransportErrorKind
from responder_app.protocol import BandProtocol, ReleaseResult
from responder_app.transport_serial import FrameDecoder, encode_frame

from . import Outcome, SimpleHarness

__all__ = ["serial_harness", "band_answer_harness", "HostileBand"]


def serial_harness() -> SimpleHarness:
    payloads = [b"", b"\x90\x00", bytes(range(256)) * 4, b"IB" * 10]
    seeds = [b"junk" + encode_frame(p) + b"IB\x00" for p in payloads]
    seeds.append(b"".join(encode_frame(p) for p in payloads))

    def check(data: bytes) -> Outcome:
        decoder = FrameDecoder()
        got = []
        for i in range(0, len(data), 29):
            got += decoder.feed(data[i:i + 29])
        for payload in got:  # a payload comes out only if its whole, well-formed frame went in
            assert len(payload) <= 1024 and encode_frame(payload) in data, payload[:16].hex()
        return "accepted" if got else "rejected"
    return SimpleHarness(seeds, check)


class HostileBand(BandDevice):
    """Answers each APDU with the next scripted response; then the band leaves the field."""

    def __init__(self, responses: list[bytes]) -> None:
        self.responses = list(responses)
        self.sent: list[bytes] = []

    def transceive(self, apdu: bytes, timeout: float) -> bytes:
        self.sent.append(bytes(apdu))
        if not self.responses:
            raise TransportError(TransportErrorKind.LINK_LOST, "the band left the field")
        return self.responses.pop(0)

    def close(self) -> None:
        pass


def _responses(data: bytes) -> list[bytes]:
    out, i = [], 0
    while i + 1 < len(data):
        n = int.from_bytes(data[i:i + 2], "big") % 600
        out.append(data[i + 2:i + 2 + n])
        i += 2 + n
    return out


def _script(*responses: bytes) -> bytes:
    return b"".join(len(r).to_bytes(2, "big") + r for r in responses)


def _tlv(tag: int, value: bytes) -> bytes:
    if len(value) < 0x80:
        return bytes([tag, len(value)]) + value
    return bytes([tag, 0x82]) + len(value).to_bytes(2, "big") + value


SELECT_OK = (_tlv(0x80, b"\x01") + _tlv(0x81, bytes(16)) + _tlv(0x82, bytes(20))
             + _tlv(0x83, b"\x01") + _tlv(0x84, b"\x03") + _tlv(0x85, bytes(4))
             + _tlv(0x86, b"\x00\x40") + b"\x90\x00")


def band_answer_harness() -> SimpleHarness:
    release = _tlv(0x90, b"\x00\x00\x00\x07") + _tlv(0x91, bytes(32)) + _tlv(0x92, bytes(300))
    seeds = [_script(SELECT_OK, b"\x90\x00", b"\x62\x02", b"\x62\x03", release[:200] + b"\x61\x00",
                     release[200:] + b"\x90\x00", b"\x01" * 64 + b"\x90\x00"),
             _script(SELECT_OK, b"\x90\x00", b"\x63\xc2" + _tlv(0x85, bytes(4))),
             _script(SELECT_OK, b"\x00\x00\x00\x1e\x69\x83")]

    def check(data: bytes) -> Outcome:
        proto = BandProtocol(HostileBand(_responses(data)), timeout=0.1)
        try:
            facts = proto.select()
            result = proto.release(bytes(32), deadline=5.0, idle_poll_interval=0)
            assert isinstance(result, ReleaseResult) and len(result.proof) == 32
            summary = proto.read_summary(min(facts.summary_length, 64))
            assert len(summary) == min(facts.summary_length, 64)
        except (ApduError, ProtocolError, TransportError):
            return "rejected"
        return "accepted"

    def generate(rng: random.Random) -> bytes:
        sws = (b"\x90\x00", b"\x62\x02", b"\x62\x03", b"\x62\x04", b"\x61\x10", b"\x61\x00",
               b"\x63\xc0", b"\x69\x83", b"\x64\x02", b"\x6f\x00")
        parts = [SELECT_OK] + [bytes(rng.randrange(256) for _ in range(rng.choice((0, 3, 40))))
                               + rng.choice(sws) for _ in range(rng.randrange(1, 12))]
        return _script(*parts)
    return SimpleHarness(seeds, check, generate=generate)
