"""The R30x/ZFM/R503 packet format, as pure functions and a stream reader.

A packet on the wire is::

    EF 01 | address (4) | packet id (1) | length (2) | content (length - 2) | checksum (2)

Multi-byte fields are big-endian. `length` counts the content plus the two checksum bytes
(datasheet maximum 256 content bytes). The checksum is the 16-bit sum of the packet id, both
length bytes and every content byte, overflow dropped.

Nothing here knows what an instruction means; that is `sensor.py`'s job.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from enum import Enum, IntEnum

__all__ = [
    "BadPacket",
    "Confirmation",
    "FrameError",
    "FrameFault",
    "HEADER",
    "Instruction",
    "MAX_CONTENT",
    "Packet",
    "PacketId",
    "PacketReader",
    "build_packet",
    "checksum",
    "parse_packet",
]

HEADER = b"\xef\x01"
MAX_CONTENT = 256  # datasheet: "Max length is 256 bytes" of package content
_FIXED = 9  # header, address, packet id, length


class PacketId(IntEnum):
    COMMAND = 0x01
    DATA = 0x02
    ACK = 0x07
    END_OF_DATA = 0x08


class Instruction(IntEnum):
    GEN_IMG = 0x01
    IMG_2_TZ = 0x02
    MATCH = 0x03
    SEARCH = 0x04
    REG_MODEL = 0x05
    STORE = 0x06
    LOAD_CHAR = 0x07
    UP_CHAR = 0x08
    DOWN_CHAR = 0x09
    DELETE_CHAR = 0x0C
    EMPTY = 0x0D
    SET_SYS_PARA = 0x0E
    READ_SYS_PARA = 0x0F
    SET_PWD = 0x12
    VFY_PWD = 0x13
    GET_RANDOM_CODE = 0x14
    SET_ADDER = 0x15
    TEMPLATE_NUM = 0x1D
    READ_INDEX_TABLE = 0x1F
    GET_IMAGE_EX = 0x28
    AURA_LED_CONFIG = 0x35
    CHECK_SENSOR = 0x36
    SOFT_RESET = 0x3D
    HANDSHAKE = 0x40


class Confirmation(IntEnum):
    """Confirmation codes (first content byte of an acknowledge packet)."""

    OK = 0x00
    RECEIVE_ERROR = 0x01
    NO_FINGER = 0x02
    ENROLL_FAIL = 0x03
    MESSY_IMAGE = 0x06
    FEW_FEATURE_POINTS = 0x07
    NO_MATCH = 0x08
    NOT_FOUND = 0x09
    COMBINE_FAIL = 0x0A
    BAD_LOCATION = 0x0B
    READ_TEMPLATE_FAIL = 0x0C
    UPLOAD_TEMPLATE_FAIL = 0x0D
    CANNOT_RECEIVE_DATA = 0x0E
    UPLOAD_IMAGE_FAIL = 0x0F
    DELETE_FAIL = 0x10
    CLEAR_FAIL = 0x11
    WRONG_PASSWORD = 0x13
    NO_VALID_IMAGE = 0x15
    FLASH_ERROR = 0x18
    BAD_REGISTER = 0x1A
    BAD_REGISTER_VALUE = 0x1B
    MUST_VERIFY_PASSWORD = 0x21


class FrameFault(Enum):
    BAD_CHECKSUM = "checksum does not match"
    BAD_LENGTH = "length field out of range"
    BAD_HEADER = "packet does not start with EF 01"
    TRUNCATED = "packet shorter than its length field"


class FrameError(ValueError):
    """A byte string that is not one well-formed packet."""

    def __init__(self, fault: FrameFault, detail: str = "") -> None:
        self.fault = fault
        super().__init__(fault.value + (": " + detail if detail else ""))


@dataclass(frozen=True)
class Packet:
    address: int
    pid: int
    content: bytes

    @property
    def instruction(self) -> int | None:
        """The instruction code of a command packet (None for empty content)."""
        return self.content[0] if self.content else None


@dataclass(frozen=True)
class BadPacket:
    """What a `PacketReader` yields for a framed packet it could not accept."""

    fault: FrameFault
    address: int | None


def checksum(pid: int, content: bytes) -> int:
    length = len(content) + 2
    return (pid + (length >> 8) + (length & 0xFF) + sum(content)) & 0xFFFF


def build_packet(address: int, pid: int, content: bytes) -> bytes:
    if not 0 <= address <= 0xFFFFFFFF:
        raise ValueError(f"address {address:#x} does not fit in 32 bits")
    if len(content) > MAX_CONTENT:
        raise ValueError(f"{len(content)} content bytes exceed the {MAX_CONTENT}-byte maximum")
    length = len(content) + 2
    return (HEADER + address.to_bytes(4, "big") + bytes([pid]) + length.to_bytes(2, "big")
            + bytes(content) + checksum(pid, content).to_bytes(2, "big"))


def parse_packet(frame: bytes) -> Packet:
    """Exactly one packet; raises `FrameError` for anything else."""
    if frame[:2] != HEADER:
        raise FrameError(FrameFault.BAD_HEADER)
    if len(frame) < _FIXED + 2:
        raise FrameError(FrameFault.TRUNCATED, f"{len(frame)} bytes")
    length = int.from_bytes(frame[7:9], "big")
    if not 2 <= length <= MAX_CONTENT + 2:
        raise FrameError(FrameFault.BAD_LENGTH, str(length))
    if len(frame) != _FIXED + length:
        raise FrameError(FrameFault.TRUNCATED if len(frame) < _FIXED + length
                         else FrameFault.BAD_LENGTH,
                         f"length field says {_FIXED + length} bytes, got {len(frame)}")
    pid, content = frame[6], bytes(frame[_FIXED:-2])
    if int.from_bytes(frame[-2:], "big") != checksum(pid, content):
        raise FrameError(FrameFault.BAD_CHECKSUM)
    return Packet(int.from_bytes(frame[2:6], "big"), pid, content)


class PacketReader:
    """Cuts a byte stream into packets.

    Bytes before a header are dropped. A length field out of range is reported and the reader
    hunts for the next header. A packet left half-sent for longer than `gap_s` is discarded
    (a host that gave up mid-packet must not poison the next one).
    """

    def __init__(self, gap_s: float = 1.0) -> None:
        self._buf = bytearray()
        self._gap_s = gap_s
        self._last = 0.0

    def pending(self) -> int:
        return len(self._buf)

    def feed(self, data: bytes, now: float | None = None) -> list[Packet | BadPacket]:
        now = time.monotonic() if now is None else now
        if self._buf and now - self._last > self._gap_s:
            self._buf.clear()
        self._last = now
        self._buf += data
        out: list[Packet | BadPacket] = []
        while True:
            start = self._buf.find(HEADER)
            if start < 0:
                # keep a trailing 0xEF: it may be the first half of a header
                del self._buf[:-1 if self._buf[-1:] == b"\xef" else len(self._buf)]
                return out
            del self._buf[:start]
            if len(self._buf) < _FIXED:
                return out
            address = int.from_bytes(self._buf[2:6], "big")
            length = int.from_bytes(self._buf[7:9], "big")
            if not 2 <= length <= MAX_CONTENT + 2:
                out.append(BadPacket(FrameFault.BAD_LENGTH, address))
                del self._buf[:2]
                continue
            if len(self._buf) < _FIXED + length:
                return out
            frame = bytes(self._buf[:_FIXED + length])
            del self._buf[:_FIXED + length]
            try:
                out.append(parse_packet(frame))
            except FrameError as exc:
                out.append(BadPacket(exc.fault, address))
