"""USB-serial framing (docs/protocol.md 4.2): 'I' 'B' | LEN (2, BE) | payload | CRC-16/CCITT-FALSE.

`FrameReader.poll()` never blocks: it takes what the port has, hunts for the magic, checks the
CRC, and drops a frame not completed within 500 ms of its first byte. The buffer is allocated
once. The port is any object with any(), readinto() and write(): a machine.UART, or
`StdioPort` on an ESP32 whose USB serial is the REPL's stdin/stdout.
"""

from micropython import const

TYPE_CHECKING = False  # mypy reads the block below; MicroPython never runs it
if TYPE_CHECKING:
    from fwtypes import Stream, Ticks

__all__ = ["crc16", "encode", "FrameReader", "StdioPort", "MAX_PAYLOAD"]

MAX_PAYLOAD = const(1024)  # the wire's limit (docs/protocol.md 4.2)
_MAX_CAPDU = const(261)  # a short C-APDU: 4 + 1 + 255 + 1; longer frames are never commands
_FRAME_MS = const(500)


def crc16(data: "bytes | bytearray | memoryview", crc: int = 0xFFFF) -> int:
    """CRC-16/CCITT-FALSE (poly 0x1021, init 0xFFFF); check value of b"123456789" is 0x29B1."""
    for byte in data:
        crc ^= byte << 8
        for _ in range(8):
            crc = ((crc << 1) ^ 0x1021) if crc & 0x8000 else crc << 1
        crc &= 0xFFFF
    return crc


def encode(payload: "bytes | bytearray | memoryview") -> bytes:
    n = len(payload)
    head = bytes((0x49, 0x42, n >> 8, n & 0xFF))
    crc = crc16(payload, crc16(head[2:]))
    return head + bytes(payload) + bytes((crc >> 8, crc & 0xFF))


class FrameReader:
    """Collects one frame at a time from `port`; `poll()` returns a payload view or None."""

    def __init__(self, port: "Stream", clock: "Ticks") -> None:
        self.port = port
        self._clock = clock
        self._buf = bytearray(_MAX_CAPDU + 6)
        self._view = memoryview(self._buf)
        self._have = 0
        self._since = clock.ticks_ms()
        self.dropped = 0  # frames dropped (bad CRC, too long, incomplete): for diagnostics

    def _drop(self, count: int) -> None:
        """Discards the first `count` bytes (memmove within the one buffer)."""
        left = self._have - count
        if left > 0:
            self._buf[:left] = self._view[count: self._have]
        self._have = max(0, left)
        self._since = self._clock.ticks_ms()

    def poll(self) -> "bytes | None":
        port = self.port
        if self._have < len(self._buf) and port.any():
            if not self._have:
                self._since = self._clock.ticks_ms()
            n = port.readinto(self._view[self._have:])
            if n:
                self._have += n
        while self._have:
            buf = self._buf
            if buf[0] != 0x49 or (self._have > 1 and buf[1] != 0x42):
                self._drop(1)  # hunting for 'IB'
                continue
            if self._have >= 4:
                length = (buf[2] << 8) | buf[3]
                if length > _MAX_CAPDU:
                    self.dropped += 1
                    self._drop(2)
                    continue
                end = 6 + length
                if self._have >= end:
                    good = crc16(self._view[2: 4 + length]) == (buf[4 + length] << 8) | buf[5 + length]
                    if good:
                        payload = bytes(self._view[4: 4 + length])
                        self._drop(end)
                        return payload
                    self.dropped += 1
                    self._drop(2)
                    continue
            if self._clock.ticks_diff(self._clock.ticks_ms(), self._since) > _FRAME_MS:
                self.dropped += 1
                self._drop(2 if self._have >= 2 else 1)
                continue
            return None
        return None


class StdioPort:
    """The ESP32's USB serial as a port: the REPL's stdin/stdout (Ctrl-C disabled by main)."""

    def __init__(self) -> None:
        import select
        import sys
        self._in = sys.stdin.buffer
        self._out = sys.stdout.buffer
        self._poll = select.poll()
        self._poll.register(sys.stdin, select.POLLIN)

    def any(self) -> int:
        return 1 if self._poll.poll(0) else 0

    def readinto(self, view: memoryview) -> int:
        n = 0
        while n < len(view) and self._poll.poll(0):
            got = self._in.readinto(view[n: n + 1])
            if not got:
                break
            n += got
        return n

    def write(self, data: "bytes | bytearray | memoryview") -> int:
        return self._out.write(data)
