"""PN532 host-link frames (UM0701-02 section 6.2): pure functions, no I/O.

Normal information frame:   00 00 FF LEN LCS TFI PD0..PDn DCS 00
Extended information frame: 00 00 FF FF FF LENm LENl LCS TFI PD0..PDn DCS 00
ACK 00 00 FF 00 FF 00, NACK 00 00 FF FF 00 00, syntax error frame 00 00 FF 01 FF 7F 81 00.
TFI is D4 from host to chip and D5 from chip to host; LCS makes LEN (+LENm+LENl) sum to zero,
DCS makes TFI+PD sum to zero.

`FrameReader` turns a byte stream into events the way the chip's HSU does: junk and wake-up
bytes before a start code are skipped, a frame whose checksums fail is dropped and reported.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

__all__ = [
    "ACK", "NACK", "ERROR_FRAME", "HOST_TO_CHIP", "CHIP_TO_HOST", "START_CODE", "MAX_NORMAL_BODY",
    "FrameError", "EventKind", "FrameEvent", "FrameReader",
    "checksum", "build_frame", "build_command", "build_response", "parse_frame",
]

START_CODE = b"\x00\xff"
ACK = bytes.fromhex("0000FF00FF00")
NACK = bytes.fromhex("0000FFFF0000")
ERROR_FRAME = bytes.fromhex("0000FF01FF7F8100")
HOST_TO_CHIP = 0xD4
CHIP_TO_HOST = 0xD5
ERROR_TFI = 0x7F
MAX_NORMAL_BODY = 255  # LEN counts TFI + PD; above this the extended syntax is required
MAX_EXTENDED_BODY = 0xFFFF


class FrameError(ValueError):
    """A byte string that is not a well-formed PN532 frame; `reason` says what is wrong."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def checksum(data: bytes) -> int:
    """The byte that makes `data` sum to zero modulo 256 (LCS and DCS)."""
    return -sum(data) & 0xFF


def build_frame(body: bytes) -> bytes:
    """An information frame carrying `body` (TFI + PD), normal or extended as its length needs."""
    if not body:
        raise FrameError("an information frame needs at least the TFI byte")
    if len(body) > MAX_EXTENDED_BODY:
        raise FrameError(f"body of {len(body)} bytes does not fit an extended frame")
    if len(body) <= MAX_NORMAL_BODY:
        head = bytes([0x00, 0x00, 0xFF, len(body), checksum(bytes([len(body)]))])
    else:
        size = len(body).to_bytes(2, "big")
        head = b"\x00\x00\xff\xff\xff" + size + bytes([checksum(size)])
    return head + body + bytes([checksum(body), 0x00])


def build_command(code: int, data: bytes = b"") -> bytes:
    """A host-to-chip command frame, e.g. GetFirmwareVersion is 00 00 FF 02 FE D4 02 2A 00."""
    return build_frame(bytes([HOST_TO_CHIP, code]) + data)


def build_response(code: int, data: bytes = b"") -> bytes:
    """The chip's answer to command `code` (response code is `code + 1`)."""
    return build_frame(bytes([CHIP_TO_HOST, (code + 1) & 0xFF]) + data)


class EventKind(enum.Enum):
    FRAME = "frame"          # an information frame with good checksums
    ACK = "ack"
    NACK = "nack"
    BAD_CHECKSUM = "bad checksum"


@dataclass(frozen=True)
class FrameEvent:
    kind: EventKind
    body: bytes = b""        # TFI + PD of an information frame
    raw: bytes = b""         # the frame's bytes from the start code on
    lead: int = 0            # bytes skipped before the start code (preamble and wake-up bytes)

    @property
    def tfi(self) -> int:
        return self.body[0] if self.body else -1

    @property
    def code(self) -> int:
        return self.body[1] if len(self.body) > 1 else -1

    @property
    def data(self) -> bytes:
        return self.body[2:]


def parse_frame(frame: bytes) -> FrameEvent:
    """Parses exactly one complete frame (with its 00 preamble); raises FrameError otherwise."""
    reader = FrameReader()
    events = reader.feed(frame)
    if len(events) != 1 or reader.pending:
        raise FrameError("not exactly one complete frame")
    if events[0].kind is EventKind.BAD_CHECKSUM:
        raise FrameError("checksum error")
    return events[0]


class FrameReader:
    """Incremental frame parser: `feed()` bytes as they arrive, get the complete events back."""

    def __init__(self) -> None:
        self._buffer = bytearray()
        self._skipped = 0

    @property
    def pending(self) -> int:
        """Bytes held while waiting for the rest of a frame."""
        return len(self._buffer)

    def reset(self) -> int:
        """Drops a partial frame (the line went idle mid-frame); returns how many bytes."""
        dropped = len(self._buffer)
        self._buffer.clear()
        self._skipped = 0
        return dropped

    def feed(self, data: bytes) -> list[FrameEvent]:
        self._buffer += data
        events: list[FrameEvent] = []
        while True:
            event = self._next_event()
            if event is None:
                return events
            events.append(event)

    def _next_event(self) -> FrameEvent | None:
        buf = self._buffer
        start = buf.find(START_CODE)
        if start < 0:
            # keep a trailing 00 that may begin the next start code
            keep = 1 if buf.endswith(b"\x00") else 0
            self._skipped += len(buf) - keep
            del buf[:len(buf) - keep]
            return None
        lead = self._skipped + start
        if len(buf) < start + 4:
            self._drop_junk(start)
            return None
        b2, b3 = buf[start + 2], buf[start + 3]
        if (b2, b3) == (0x00, 0xFF):
            return self._finish(start, start + 4, EventKind.ACK, b"", lead)
        if (b2, b3) == (0xFF, 0x00):
            return self._finish(start, start + 4, EventKind.NACK, b"", lead)
        if (b2, b3) == (0xFF, 0xFF):
            if len(buf) < start + 7:
                self._drop_junk(start)
                return None
            size_bytes = bytes(buf[start + 4:start + 6])
            if checksum(size_bytes) != buf[start + 6]:
                return self._resync(start, lead)
            size, body_at = int.from_bytes(size_bytes, "big"), start + 7
        else:
            if checksum(bytes([b2])) != b3 or b2 == 0:
                return self._resync(start, lead)
            size, body_at = b2, start + 4
        end = body_at + size + 1  # body + DCS
        if len(buf) < end:
            self._drop_junk(start)
            return None
        body = bytes(buf[body_at:body_at + size])
        kind = EventKind.FRAME if checksum(body) == buf[end - 1] else EventKind.BAD_CHECKSUM
        return self._finish(start, end, kind, body, lead)

    def _drop_junk(self, start: int) -> None:
        # drop the junk before the start code but remember how much there was
        if start:
            self._skipped += start
            del self._buffer[:start]

    def _resync(self, start: int, lead: int) -> FrameEvent:
        raw = bytes(self._buffer[start:start + 4])
        self._skipped = 0
        del self._buffer[:start + 2]
        return FrameEvent(EventKind.BAD_CHECKSUM, b"", raw, lead)

    def _finish(self, start: int, end: int, kind: EventKind, body: bytes,
                lead: int) -> FrameEvent:
        # the 00 postamble is optional on receive; swallow it when it is there
        if len(self._buffer) > end and self._buffer[end] == 0x00:
            end += 1
        raw = b"\x00" + bytes(self._buffer[start:end])
        del self._buffer[:end]
        self._skipped = 0
        return FrameEvent(kind, body, raw, lead)
