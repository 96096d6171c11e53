"""The band's USB serial on a host: two ptys joined by a thread, like a USB-UART cable.

The firmware's `machine.UART` opens `band_path`; the host (pyserial, the responder app's
serial transport, `iceband band ...`) opens `host_path`. Bytes cross unchanged both ways.
Two ptys are needed because each side must open a path: a single pty has only one.
"""

from __future__ import annotations

import os
import select
import termios
import threading

from hardware.sim.pty_port import PtyPort

__all__ = ["SerialLink"]

_POLL_S = 0.05


class SerialLink:
    """A pty pair joined back to back. Use as a context manager; the thread stops on exit."""

    def __init__(self) -> None:
        self._band = PtyPort()
        try:
            self._host = PtyPort()
        except BaseException:
            self._band.close()
            raise
        self.band_path: str = self._band.path
        self.host_path: str = self._host.path
        self.bytes_to_band = 0
        self.bytes_to_host = 0
        self._stop = threading.Event()
        self._failure: BaseException | None = None
        self._thread = threading.Thread(target=self._run, name="band-usb-serial", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        try:
            ends = {self._band.fileno(): self._host, self._host.fileno(): self._band}
            while not self._stop.is_set():
                ready, _, _ = select.select(list(ends), [], [], _POLL_S)
                for fd in ready:
                    try:
                        data = os.read(fd, 4096)
                    except OSError:  # EIO: nobody holds that slave open at this instant
                        continue
                    if not data:
                        continue
                    ends[fd].write(data)
                    if fd == self._host.fileno():
                        self.bytes_to_band += len(data)
                    else:
                        self.bytes_to_host += len(data)
        except BaseException as exc:  # raised again by close(), in the caller's thread
            self._failure = exc

    def discard_to_band(self) -> None:
        """Drops bytes the host sent that the firmware never read: a power cut empties the
        band's receive FIFO, so the next boot must not find a stale command there."""
        fd = os.open(self.band_path, os.O_RDWR | os.O_NOCTTY)
        try:
            termios.tcflush(fd, termios.TCIFLUSH)
        finally:
            os.close(fd)

    def close(self) -> None:
        if self._stop.is_set():
            return
        self._stop.set()
        self._thread.join(timeout=5)
        self._band.close()
        self._host.close()
        if self._failure is not None:
            raise RuntimeError("the USB-serial link thread failed") from self._failure

    def __enter__(self) -> "SerialLink":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
