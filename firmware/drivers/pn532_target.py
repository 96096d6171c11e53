"""PN532 in card (target) mode over HSU (a UART object): ISO 14443-4 PICC emulation.

The codec (`encode`, `FrameParser`) is apart from the device (`Pn532Target`). The device never
blocks on the RF side: `arm()` and `request_apdu()` send a command and return; `poll()` returns
an event when the chip's answer has arrived (activation, an APDU, a release). Chip answers
that must come at once (ACK, TgSetData's status) have deadlines; a silent chip raises
`Pn532Error`, and the main loop wakes it again.
"""

from micropython import const

TYPE_CHECKING = False  # mypy reads the block below; MicroPython never runs it
if TYPE_CHECKING:
    from fwtypes import Stream, Ticks

__all__ = ["Pn532Target", "Pn532Error", "encode", "FrameParser", "ACK",
           "NONE", "ACTIVATED", "APDU", "RELEASED"]

ACK = b"\x00\x00\xff\x00\xff\x00"
_WAKE = b"\x55\x55\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00"
_TFI_HOST = const(0xD4)
_TFI_CHIP = const(0xD5)
_SAM_CONFIGURATION = const(0x14)
_TG_INIT_AS_TARGET = const(0x8C)
_TG_GET_DATA = const(0x86)
_TG_SET_DATA = const(0x8E)
_ACK_MS = const(100)
_ANSWER_MS = const(1000)

# poll() events
NONE = const(0)
ACTIVATED = const(1)
APDU = const(2)
RELEASED = const(3)

# TgInitAsTarget: mode PICC only + passive only; SENS_RES 0004, NFCID1t 3 bytes (the chip
# randomises them), SEL_RES 20 (ISO 14443-4); no FeliCa, NFCID3t, general or historical bytes.
_INIT_PARAMS = (b"\x05" + b"\x04\x00" + b"\x12\x34\x56" + b"\x20"
                + bytes(18) + bytes(10) + b"\x00" + b"\x00")


class Pn532Error(OSError):
    """The PN532 did not answer in time or sent a malformed frame."""


def encode(command: int, data: "bytes | bytearray | memoryview") -> bytes:
    """A normal information frame host -> chip."""
    length = len(data) + 2
    total = _TFI_HOST + command
    for b in data:
        total += b
    return (bytes((0x00, 0x00, 0xFF, length, (-length) & 0xFF, _TFI_HOST, command)) + bytes(data)
            + bytes(((-total) & 0xFF, 0x00)))


class FrameParser:
    """Collects chip frames from the UART into a buffer allocated once."""

    def __init__(self, uart: "Stream") -> None:
        self._uart = uart
        self._buf = bytearray(272)
        self._view = memoryview(self._buf)
        self._have = 0

    def _drop(self, count: int) -> None:
        left = self._have - count
        if left > 0:
            self._buf[:left] = self._view[count: self._have]
        self._have = max(0, left)

    def take(self) -> "bytes | None":
        """The next complete frame: ACK as b"", an information frame as (command, data)
        bytes after TFI, or None when incomplete. Garbage before a frame is skipped."""
        uart = self._uart
        if self._have < len(self._buf) and uart.any():
            n = uart.readinto(self._view[self._have:])
            if n:
                self._have += n
        buf = self._buf
        while self._have >= 6:
            if buf[0] != 0x00 or buf[1] != 0x00 or buf[2] != 0xFF:
                self._drop(1)
                continue
            if buf[3] == 0x00 and buf[4] == 0xFF:
                self._drop(6)
                return b""
            length = buf[3]
            if (length + buf[4]) & 0xFF or length < 2:
                self._drop(1)
                continue
            if self._have < length + 7:
                return None
            total = 0
            for i in range(5, 5 + length + 1):
                total += buf[i]
            if total & 0xFF or buf[5] != _TFI_CHIP:
                self._drop(1)
                continue
            frame = bytes(self._view[6: 5 + length])
            self._drop(length + 7)
            return frame
        return None


class Pn532Target:
    """The chip as the band's card: wake, arm, then a loop of APDUs until released."""

    def __init__(self, uart: "Stream", clock: "Ticks") -> None:
        self._uart = uart
        self._clock = clock
        self._parser = FrameParser(uart)
        self._expect = 0  # the response code poll() waits for (0: nothing outstanding)

    def _wait(self, timeout_ms: int) -> bytes:
        clock = self._clock
        deadline = clock.ticks_add(clock.ticks_ms(), timeout_ms)
        while True:
            frame = self._parser.take()
            if frame is not None:
                return frame
            if clock.ticks_diff(deadline, clock.ticks_ms()) <= 0:
                raise Pn532Error("PN532 timeout")
            clock.sleep_ms(1)

    def _send(self, command: int, data: "bytes | bytearray | memoryview") -> None:
        self._uart.write(encode(command, data))
        if self._wait(_ACK_MS) != b"":
            raise Pn532Error("PN532 sent no ACK")

    def _call(self, command: int, data: "bytes | bytearray | memoryview") -> bytes:
        self._send(command, data)
        frame = self._wait(_ANSWER_MS)
        if not frame or frame[0] != command + 1:
            raise Pn532Error("unexpected PN532 answer")
        return frame[1:]

    def wake(self) -> None:
        """HSU wake-up, then SAMConfiguration (normal mode)."""
        self._expect = 0
        self._uart.write(_WAKE)
        self._call(_SAM_CONFIGURATION, b"\x01\x14\x01")

    def arm(self) -> None:
        """TgInitAsTarget: the answer comes when a reader activates the card (see poll)."""
        self._send(_TG_INIT_AS_TARGET, _INIT_PARAMS)
        self._expect = _TG_INIT_AS_TARGET + 1

    def request_apdu(self) -> None:
        self._send(_TG_GET_DATA, b"")
        self._expect = _TG_GET_DATA + 1

    def respond(self, rapdu: "bytes | bytearray | memoryview") -> bool:
        """TgSetData; False when the reader has gone (the card was released)."""
        self._expect = 0
        status = self._call(_TG_SET_DATA, rapdu)
        return bool(status) and not status[0] & 0x3F  # bits 6-7: MI, NAD flags

    def poll(self) -> "tuple[int, bytes]":
        """(event, apdu): NONE while waiting, ACTIVATED, APDU with the C-APDU, or RELEASED."""
        if not self._expect:
            return NONE, b""
        frame = self._parser.take()
        if frame is None:
            return NONE, b""
        if not frame or frame[0] != self._expect:
            raise Pn532Error("unexpected PN532 frame")
        expected = self._expect
        self._expect = 0
        if expected == _TG_INIT_AS_TARGET + 1:
            return ACTIVATED, b""
        if len(frame) < 2 or frame[1] & 0x3F:  # 29 released, 25 not activated, 01 timeout
            return RELEASED, b""
        return APDU, frame[2:]
