"""A host stand-in for MicroPython's `machine` module, so the band firmware runs unchanged on
CPython and on the MicroPython unix port (no ESP32 exists on a CI machine).

Import it as `machine`: put this folder first on `sys.path` (CPython) or `MICROPYPATH`
(MicroPython). It uses only what both interpreters have: `open`, `os.getenv`, `select.poll`,
`termios`, `socket`, `time`.

Wiring comes from the environment, read when the object is made:
  ICEBAND_UART<id>   "/dev/pts/N" (a simulator's pty) or "tcp:127.0.0.1:PORT"; unset means
                     nothing is attached: writes vanish, reads time out (a bare board)
  ICEBAND_PIN<id>    "0" or "1": the level an input pin reads (e.g. a button held at boot);
                     unset, an input reads its pull (PULL_UP 1, else 0)
  ICEBAND_UNIQUE_ID  hex bytes for unique_id() (default 240ac4000001)
machine.reset() and deepsleep() end the process with exit code RESET_EXIT_CODE, which a
launcher treats as "boot again".
"""

import os
import select
import sys
import termios
import time

try:
    from tty import setraw as _setraw  # CPython
except ImportError:
    _setraw = termios.setraw  # type: ignore[attr-defined]  # MicroPython has it in termios

__all__ = ["Pin", "RESET_EXIT_CODE", "UART", "deepsleep", "disable_irq", "enable_irq", "freq",
           "idle", "lightsleep", "reset", "reset_cause", "soft_reset", "unique_id",
           "PWRON_RESET", "HARD_RESET", "WDT_RESET", "DEEPSLEEP_RESET", "SOFT_RESET"]

RESET_EXIT_CODE = 86
PWRON_RESET, HARD_RESET, WDT_RESET, DEEPSLEEP_RESET, SOFT_RESET = 1, 2, 3, 4, 5

# Linux speed codes, for the rates MicroPython's termios has no constant for
_LINUX_SPEEDS = {9600: 0o15, 19200: 0o16, 38400: 0o17, 57600: 0o10001, 115200: 0o10002,
                 230400: 0o10003, 460800: 0o10004, 921600: 0o10007}
_VTIME, _VMIN = 5, 6  # indexes into the termios control-character list on Linux


def _ticks_ms() -> int:
    ticks = getattr(time, "ticks_ms", None)
    return ticks() if ticks else int(time.monotonic() * 1000)


def _elapsed_ms(start: int) -> int:
    diff = getattr(time, "ticks_diff", None)
    return diff(_ticks_ms(), start) if diff else _ticks_ms() - start


def _sleep_ms(ms: int) -> None:
    time.sleep(ms / 1000)


class _TtyLine:
    """A serial device (a simulator's pty): raw, non-blocking reads, the UART's baud rate."""

    def __init__(self, path: str, baudrate: int) -> None:
        try:
            self._file = open(path, "r+b", buffering=0)
        except TypeError:  # MicroPython's open() has no buffering argument
            self._file = open(path, "r+b")  # type: ignore[assignment]
        self.set_baudrate(baudrate)

    def set_baudrate(self, baudrate: int) -> None:
        fd = self._file.fileno()
        _setraw(fd)
        attrs = termios.tcgetattr(fd)
        speed = getattr(termios, "B%d" % baudrate, _LINUX_SPEEDS.get(baudrate))
        if speed is not None:
            attrs[4] = attrs[5] = speed
        attrs[6][_VMIN] = attrs[6][_VTIME] = 0  # read() returns what is there, never blocks
        termios.tcsetattr(fd, termios.TCSANOW, attrs)

    def pollable(self) -> object:
        return self._file

    def take(self, limit: int) -> bytes:
        try:
            return self._file.read(limit) or b""
        except OSError:
            return b""

    def send(self, data: bytes) -> None:
        self._file.write(data)

    def close(self) -> None:
        self._file.close()


class _TcpLine:
    """A loopback socket a simulator listens on ("tcp:127.0.0.1:PORT")."""

    def __init__(self, host: str, port: int) -> None:
        import socket
        self._sock = socket.socket()
        self._sock.connect(socket.getaddrinfo(host, port)[0][-1])
        self._sock.setblocking(False)

    def set_baudrate(self, baudrate: int) -> None:
        pass  # a socket has no line speed

    def pollable(self) -> object:
        return self._sock

    def take(self, limit: int) -> bytes:
        try:
            return self._sock.recv(limit) or b""
        except OSError:  # EAGAIN: nothing yet
            return b""

    def send(self, data: bytes) -> None:
        view, sent = memoryview(data), 0
        while sent < len(view):
            try:
                sent += self._sock.send(view[sent:])
            except OSError:
                _sleep_ms(1)

    def close(self) -> None:
        self._sock.close()


def _open_line(uart_id: int, baudrate: int) -> "_TtyLine | _TcpLine | None":
    where = os.getenv("ICEBAND_UART%d" % uart_id)
    if not where:
        return None
    if where.startswith("tcp:"):
        host, port = where[4:].rsplit(":", 1)
        return _TcpLine(host, int(port))
    return _TtyLine(where, baudrate)


class UART:
    """machine.UART as on the ESP32 port: read() waits up to `timeout` ms for data and
    returns None when nothing came; `timeout_char` ms is allowed between later bytes."""

    def __init__(self, id: int, baudrate: int = 9600, bits: int = 8, parity: object = None,
                 stop: int = 1, *, tx: object = None, rx: object = None, timeout: int = 0,
                 timeout_char: int = 0, rxbuf: int = 256, txbuf: int = 0,
                 **ignored: object) -> None:
        self._id = id
        self._line: "_TtyLine | _TcpLine | None" = None
        self._poller: object = None
        self._rx = bytearray()
        # The receive buffer holds at most `rxbuf` bytes, as the ESP32 driver's ring does;
        # reads take only what fits, so a small MicroPython heap never sees a large chunk.
        self._rxbuf = max(rxbuf, 64)
        self.baudrate, self.timeout, self.timeout_char = 9600, 0, 0
        self.init(baudrate, bits, parity, stop, timeout=timeout, timeout_char=timeout_char)

    def init(self, baudrate: int | None = None, bits: int = 8, parity: object = None,
             stop: int = 1, *, tx: object = None, rx: object = None, timeout: int | None = None,
             timeout_char: int | None = None, rxbuf: int = 256, txbuf: int = 0,
             **ignored: object) -> None:
        if (bits, parity, stop) != (8, None, 1):
            raise ValueError("only 8N1 is wired on the host")
        if baudrate is not None:
            self.baudrate = baudrate
        if timeout is not None:
            self.timeout = timeout
        if timeout_char is not None:
            self.timeout_char = timeout_char
        if self._line is None:
            self._line = _open_line(self._id, self.baudrate)
            if self._line is not None:
                self._poller = select.poll()  # made once: polling allocates nothing per read
                self._poller.register(self._line.pollable(), select.POLLIN)  # type: ignore[attr-defined,arg-type]
        else:
            self._line.set_baudrate(self.baudrate)

    def deinit(self) -> None:
        if self._line is not None:
            self._line.close()
            self._line = None
            self._poller = None

    def _fill(self, wait_ms: int) -> bool:
        """Moves waiting bytes into the receive buffer; True if any arrived."""
        if self._line is None:
            if wait_ms > 0:
                _sleep_ms(wait_ms)
            return False
        room = self._rxbuf - len(self._rx)
        if room <= 0:  # full: the rest waits in the line, like a UART holding RTS
            return False
        if not self._poller.poll(max(0, wait_ms)):  # type: ignore[attr-defined]
            return False
        data = self._line.take(room)
        if not data:  # readable but empty: the other end went away; do not spin
            _sleep_ms(min(wait_ms, 10))
            return False
        self._rx += data
        return True

    def any(self) -> int:
        self._fill(0)
        return len(self._rx)

    def _collect(self, nbytes: int | None, stop_at: bytes | None = None) -> bytes | None:
        start = _ticks_ms()
        while not self._rx:
            left = self.timeout - _elapsed_ms(start)
            if left <= 0 and not self._fill(0):
                return None
            if left > 0:
                self._fill(left)
        while nbytes is None or len(self._rx) < nbytes:
            if stop_at is not None and stop_at in self._rx:
                break
            # more within timeout_char, or whatever is already waiting when it is 0
            if not self._fill(self.timeout_char):
                break
        end = len(self._rx) if nbytes is None else min(nbytes, len(self._rx))
        if stop_at is not None and stop_at in self._rx[:end]:
            end = bytes(self._rx).find(stop_at) + 1
        out = bytes(self._rx[:end])
        self._rx = self._rx[end:]
        return out

    def read(self, nbytes: int | None = None) -> bytes | None:
        return self._collect(nbytes)

    def readinto(self, buf: bytearray, nbytes: int | None = None) -> int | None:
        data = self._collect(len(buf) if nbytes is None else min(nbytes, len(buf)))
        if data is None:
            return None
        buf[:len(data)] = data
        return len(data)

    def readline(self) -> bytes | None:
        return self._collect(None, b"\n")

    def write(self, buf: bytes) -> int:
        if self._line is not None:
            self._line.send(bytes(buf))
        return len(buf)

    def flush(self) -> None:
        pass  # the pty takes bytes at once: nothing is left in a transmit FIFO

    def txdone(self) -> bool:
        return True


class Pin:
    IN, OUT, OPEN_DRAIN = 1, 3, 7
    PULL_UP, PULL_DOWN = 2, 1
    IRQ_FALLING, IRQ_RISING = 2, 1

    def __init__(self, id: int, mode: int = -1, pull: int = -1, value: int | None = None,
                 **kwargs: object) -> None:
        self._id = id
        self._mode, self._pull, self._level = -1, -1, 0
        self.init(mode, pull, value)

    def init(self, mode: int = -1, pull: int = -1, value: int | None = None,
             **kwargs: object) -> None:
        if mode != -1:
            self._mode = mode
        if pull != -1:
            self._pull = pull
        if value is not None:
            self._level = 1 if value else 0

    def value(self, level: int | None = None) -> int | None:
        if level is not None:
            self._level = 1 if level else 0
            return None
        if self._mode == Pin.OUT:
            return self._level
        wired = os.getenv("ICEBAND_PIN%d" % self._id)
        if wired in ("0", "1"):
            return int(wired)
        return 1 if self._pull == Pin.PULL_UP else 0

    def __call__(self, level: int | None = None) -> int | None:
        return self.value(level)

    def on(self) -> None:
        self._level = 1

    def off(self) -> None:
        self._level = 0


_freq = [160000000]


def freq(hz: int | None = None) -> int | None:
    if hz is None:
        return _freq[0]
    _freq[0] = hz
    return None


def unique_id() -> bytes:
    return bytes.fromhex(os.getenv("ICEBAND_UNIQUE_ID") or "240ac4000001")


def reset_cause() -> int:
    return int(os.getenv("ICEBAND_RESET_CAUSE") or PWRON_RESET)


def reset() -> None:
    sys.exit(RESET_EXIT_CODE)


def soft_reset() -> None:
    sys.exit(RESET_EXIT_CODE)


def idle() -> None:
    _sleep_ms(1)


def lightsleep(time_ms: int | None = None) -> None:
    _sleep_ms(time_ms or 0)


def deepsleep(time_ms: int | None = None) -> None:
    sys.exit(RESET_EXIT_CODE)


def disable_irq() -> int:
    return 0  # no interrupts on the host: every section is already atomic


def enable_irq(state: int = 0) -> None:
    pass
