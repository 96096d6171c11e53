"""A pseudo-terminal that plays the chip's side of a serial line.

The simulator owns the master end; the driver under test opens `.path` (the slave end) exactly
as it would open `/dev/ttyUSB0`. Both ends are raw: no echo, no line discipline, so every byte
the driver writes arrives unchanged.
"""

from __future__ import annotations

import os
import select
import termios
import time
import tty

__all__ = ["PtyPort"]

# termios speed codes -> bits per second, for the rates serial drivers use
_SPEEDS = {getattr(termios, f"B{rate}"): rate
           for rate in (1200, 2400, 4800, 9600, 19200, 38400, 57600, 115200, 230400, 460800,
                        921600)
           if hasattr(termios, f"B{rate}")}


class PtyPort:
    """The chip's end of a raw pty pair. `path` is what the driver opens."""

    def __init__(self) -> None:
        self._master, self._slave = os.openpty()
        for fd in (self._master, self._slave):
            tty.setraw(fd, termios.TCSANOW)
        self.path: str = os.ttyname(self._slave)
        self._closed = False

    def fileno(self) -> int:
        return self._master

    def read(self, size: int, timeout: float | None) -> bytes:
        """Up to `size` bytes the driver wrote; b"" when `timeout` (seconds) passes first."""
        ready, _, _ = select.select([self._master], [], [], timeout)
        if not ready:
            return b""
        try:
            return os.read(self._master, size)
        except OSError:  # EIO: no process holds the slave end open right now
            return b""

    def read_exactly(self, size: int, timeout: float) -> bytes:
        """`size` bytes, or fewer if the deadline `timeout` seconds from now passes first."""
        deadline = time.monotonic() + timeout
        out = bytearray()
        while len(out) < size:
            left = deadline - time.monotonic()
            if left <= 0:
                break
            out += self.read(size - len(out), left)
        return bytes(out)

    def write(self, data: bytes) -> None:
        view = memoryview(data)
        while view:
            written = os.write(self._master, view)
            view = view[written:]

    def line_baud(self) -> int | None:
        """The baud rate the driver set on its end (None if not a standard rate).

        A pty carries bytes at any speed, but its termios records what the driver asked for;
        a simulator compares it with the chip's rate to play a mismatched line.
        """
        try:
            return _SPEEDS.get(termios.tcgetattr(self._slave)[5])
        except termios.error:
            return None

    def discard_input(self) -> None:
        """Drops whatever the driver has written and the simulator has not read."""
        termios.tcflush(self._master, termios.TCIFLUSH)

    def close(self) -> None:
        if not self._closed:
            self._closed = True
            os.close(self._master)
            os.close(self._slave)

    def __enter__(self) -> "PtyPort":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
