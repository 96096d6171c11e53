"""The band's two outside links, on CPython with the firmware's own files: USB-serial
provisioning frames (firmware/serial_link.py) and PN532 chip frames into the target driver
(firmware/drivers/pn532_target.py)."""

from __future__ import annotations

import importlib

from . import Outcome, SimpleHarness
from .firmware import FakeClock, firmware_modules

__all__ = ["serial_link_harness", "pn532_target_harness"]


class _ChunkUART:
    """Gives the input back a few bytes per read, as a UART FIFO does."""

    def __init__(self, rx: bytes, chunk: int = 11) -> None:
        self.rx = bytearray(rx)
        self.chunk = chunk
        self.written = bytearray()

    def write(self, data: bytes) -> int:
        self.written += bytes(data)
        return len(data)

    def any(self) -> int:
        return len(self.rx)

    def readinto(self, buf, nbytes=None):  # type: ignore[no-untyped-def]
        n = min(len(buf), len(self.rx), self.chunk)
        if not n:
            return None
        buf[:n] = self.rx[:n]
        del self.rx[:n]
        return n


def _module(name: str):  # type: ignore[no-untyped-def]
    firmware_modules()
    return importlib.import_module(name)


def serial_link_harness() -> SimpleHarness:
    link = _module("serial_link")
    payloads = [b"\x00\xa4\x04\x00\x09\xf0ICEBAND\x01\x00", b"", b"\x80\x50\x03\x00" + bytes(240),
                bytes(1024)]
    seeds = [b"noise" + link.encode(p) + b"IB\x04\x01" for p in payloads]
    seeds.append(b"".join(link.encode(p) for p in payloads))

    def check(data: bytes) -> Outcome:
        clock = FakeClock()
        reader = link.FrameReader(_ChunkUART(data, 1 + (len(data) % 13)), clock)
        got = []
        for step in range(len(data) + 8):
            payload = reader.poll()
            if payload is not None:
                got.append(bytes(payload))
            clock.now += 37 if step % 5 else 0  # some frames outlive the 500 ms window
        for payload in got:  # a payload comes out only if its whole, well-formed frame went in
            assert len(payload) <= link.MAX_PAYLOAD and link.encode(payload) in data
        return "accepted" if got else "rejected"
    return SimpleHarness(seeds, check)


def _chip_frame(code: int, data: bytes) -> bytes:
    body = bytes((0xD5, code)) + data
    return (bytes((0x00, 0x00, 0xFF, len(body), (-len(body)) & 0xFF)) + body
            + bytes(((-sum(body)) & 0xFF, 0x00)))


def pn532_target_harness() -> SimpleHarness:
    pn = _module("drivers.pn532_target")
    ack = pn.ACK
    seeds = [ack + _chip_frame(0x15, b"") + ack + _chip_frame(0x8D, b"\x08\xe0\x80")
             + ack + _chip_frame(0x87, b"\x00\x00\xa4\x04\x00") + ack + _chip_frame(0x8F, b"\x00"),
             ack + _chip_frame(0x15, b"") + ack + _chip_frame(0x8D, b"\x08") + ack
             + _chip_frame(0x87, b"\x29"),
             b"\x00\x00\xff\xff\xff" + ack + _chip_frame(0x15, b"") + b"\x00\x00\xff\x02\xfe\xd5"]

    def check(data: bytes) -> Outcome:
        clock = FakeClock()
        chip = pn.Pn532Target(_ChunkUART(data), clock)
        events = []
        try:
            chip.wake()
            chip.arm()
            for _ in range(3):
                event, apdu = chip.poll()
                while event == pn.NONE and clock.slept < 5000:
                    clock.sleep_ms(10)
                    event, apdu = chip.poll()
                events.append(event)
                if event == pn.APDU:
                    assert isinstance(apdu, bytes) and len(apdu) <= 262
                    chip.respond(b"\x90\x00")
                elif event == pn.RELEASED:
                    break
                chip.request_apdu()
        except pn.Pn532Error:
            pass
        # every wait has a deadline: no input keeps the driver busy past them
        assert clock.slept <= 5000 * 3 + 100 * 4 + 1000 * 2 + 10, clock.slept
        return "accepted" if pn.APDU in events else "rejected"
    return SimpleHarness(seeds, check)
