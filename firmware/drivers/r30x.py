"""R30x / ZFM fingerprint sensor (R503, R307, AS608) over a UART object.

The frame codec (`encode`, `FrameReader`) is apart from the device (`R30x`): the codec knows
the 0xEF01 packet, the device knows the instructions. Every read has a deadline; a sensor that
stops answering raises `SensorError`, never hangs.
"""

from micropython import const

TYPE_CHECKING = False  # mypy reads the block below; MicroPython never runs it
if TYPE_CHECKING:
    from fwtypes import Stream, Ticks, TicksMs

__all__ = ["R30x", "SensorError", "encode", "FrameReader",
           "OK", "NO_FINGER", "NOT_FOUND", "COMBINE_FAILED"]

_START_HI = const(0xEF)
_START_LO = const(0x01)
PID_COMMAND = const(0x01)
PID_ACK = const(0x07)

# Confirmation codes the band acts on (datasheet table "confirmation code")
OK = const(0x00)
NO_FINGER = const(0x02)
NOT_FOUND = const(0x09)
COMBINE_FAILED = const(0x0A)

# Instructions
_GEN_IMG = const(0x01)
_IMG2TZ = const(0x02)
_SEARCH = const(0x04)
_REG_MODEL = const(0x05)
_STORE = const(0x06)
_EMPTY = const(0x0D)
_VFY_PWD = const(0x13)
_TEMPLATE_NUM = const(0x1D)
_AURA_LED = const(0x35)

_SHORT_MS = const(600)  # GenImg, Img2Tz: datasheet capture up to ~0.5 s
_LONG_MS = const(1500)  # Search, RegModel, Store: up to ~1 s


class SensorError(OSError):
    """The sensor did not answer in time, or answered a malformed packet."""


def encode(out: bytearray, address: int, pid: int, payload: bytes) -> int:
    """Writes one packet into `out`; returns its length."""
    length = len(payload) + 2
    out[0] = _START_HI
    out[1] = _START_LO
    out[2] = (address >> 24) & 0xFF
    out[3] = (address >> 16) & 0xFF
    out[4] = (address >> 8) & 0xFF
    out[5] = address & 0xFF
    out[6] = pid
    out[7] = length >> 8
    out[8] = length & 0xFF
    total = pid + (length >> 8) + (length & 0xFF)
    n = 9
    for b in payload:
        out[n] = b
        total += b
        n += 1
    out[n] = (total >> 8) & 0xFF
    out[n + 1] = total & 0xFF
    return n + 2


class FrameReader:
    """Reads one packet from the UART into a buffer allocated once, with a deadline."""

    def __init__(self, uart: "Stream", clock: "Ticks", size: int = 64) -> None:
        self._uart = uart
        self._clock = clock
        self.buf = bytearray(size)
        self._view = memoryview(self.buf)

    def _fill(self, start: int, end: int, deadline: "TicksMs") -> None:
        clock = self._clock
        got = start
        while got < end:
            if self._uart.any():
                n = self._uart.readinto(self._view[got:end])
                if n:
                    got += n
                    continue
            if clock.ticks_diff(deadline, clock.ticks_ms()) <= 0:
                raise SensorError("sensor timeout")
            clock.sleep_ms(1)

    def read(self, timeout_ms: int) -> memoryview:
        """One packet's payload (PID at index 0 of the returned view is not included)."""
        clock = self._clock
        deadline = clock.ticks_add(clock.ticks_ms(), timeout_ms)
        buf = self.buf
        self._fill(0, 1, deadline)
        while buf[0] != _START_HI:  # hunt for the header
            self._fill(0, 1, deadline)
        self._fill(1, 9, deadline)
        if buf[1] != _START_LO:
            raise SensorError("bad packet header")
        length = (buf[7] << 8) | buf[8]
        if length < 2 or 9 + length > len(buf):
            raise SensorError("bad packet length")
        self._fill(9, 9 + length, deadline)
        total = 0
        for i in range(6, 7 + length):
            total += buf[i]
        if (total & 0xFFFF) != ((buf[7 + length] << 8) | buf[8 + length]):
            raise SensorError("bad packet checksum")
        if buf[6] != PID_ACK:
            raise SensorError("not an acknowledge packet")
        return self._view[9: 7 + length]


class R30x:
    """The instructions the band uses. Methods return the confirmation code."""

    def __init__(self, uart: "Stream", clock: "Ticks", address: int = 0xFFFFFFFF,
                 password: int = 0, capacity: int = 200) -> None:
        self._uart = uart
        self._address = address
        self._password = password
        self.capacity = capacity
        self._tx = bytearray(24)
        self._reader = FrameReader(uart, clock)
        self.page = -1
        self.score = 0

    def _call(self, payload: bytes, timeout_ms: int) -> memoryview:
        n = encode(self._tx, self._address, PID_COMMAND, payload)
        self._uart.write(memoryview(self._tx)[:n])
        reply = self._reader.read(timeout_ms)
        if len(reply) < 1:
            raise SensorError("empty acknowledge")
        return reply

    def verify_password(self) -> bool:
        p = self._password
        reply = self._call(bytes((_VFY_PWD, p >> 24, (p >> 16) & 0xFF, (p >> 8) & 0xFF, p & 0xFF)),
                           _SHORT_MS)
        return reply[0] == OK

    def gen_img(self) -> int:
        return self._call(b"\x01", _SHORT_MS)[0]

    def img2tz(self, buffer_id: int) -> int:
        return self._call(bytes((_IMG2TZ, buffer_id)), _SHORT_MS)[0]

    def reg_model(self) -> int:
        return self._call(bytes((_REG_MODEL,)), _LONG_MS)[0]

    def store(self, buffer_id: int, page: int) -> int:
        return self._call(bytes((_STORE, buffer_id, page >> 8, page & 0xFF)), _LONG_MS)[0]

    def search(self, buffer_id: int) -> int:
        """Searches the whole library; on a match sets `page` and `score`."""
        count = self.capacity
        reply = self._call(bytes((_SEARCH, buffer_id, 0, 0, count >> 8, count & 0xFF)), _LONG_MS)
        self.page = -1
        self.score = 0
        if reply[0] == OK:
            if len(reply) < 5:
                raise SensorError("short search reply")
            self.page = (reply[1] << 8) | reply[2]
            self.score = (reply[3] << 8) | reply[4]
        return reply[0]

    def empty(self) -> int:
        return self._call(bytes((_EMPTY,)), _LONG_MS)[0]

    def template_count(self) -> int:
        reply = self._call(bytes((_TEMPLATE_NUM,)), _SHORT_MS)
        if reply[0] != OK or len(reply) < 3:
            raise SensorError("template count failed")
        return (reply[1] << 8) | reply[2]

    def ring(self, mode: int, color: int) -> int:
        """R503 ring LED (AuraLedConfig): mode 1 breathing, 3 on, 4 off; color 1 red 2 blue 3 purple."""
        return self._call(bytes((_AURA_LED, mode, 0x80, color, 0)), _SHORT_MS)[0]
