"""`SimulatedSensor`: the sensor served on a pty (and optionally a loopback TCP port).

One thread reads the transports, cuts packets with `PacketReader`, asks `Sensor` for the
answer, waits the simulated work time (and the wire time at the sensor's baud rate when the
timing says so), then writes the reply. Bytes sent at a baud rate other than the sensor's
arrive garbled on a real line; here they are dropped, so a driver that forgot a baud change
hears nothing, as on the bench.
"""

from __future__ import annotations

import selectors
import socket
import threading
import time
from typing import Callable

from ..pty_port import PtyPort
from .fingers import Condition
from .frames import BadPacket, Packet, PacketReader
from .sensor import FACTORY_BAUD, SOFT_RESET_SIGN, Sensor, Timing

__all__ = ["SimulatedSensor"]

_POLL_S = 0.05


class _Link:
    """One transport: where bytes come from, where replies go, and its own packet reader."""

    def __init__(self, read: Callable[[], bytes], write: Callable[[bytes], None],
                 line_baud: Callable[[], int | None]) -> None:
        self.read, self.write, self.line_baud = read, write, line_baud
        self.reader = PacketReader()


class SimulatedSensor:
    """An R503 fingerprint sensor on a pty. Factory settings unless told otherwise.

    Use as a context manager; `.port` is the device path a driver opens, `.tcp_address`
    the (host, port) of the loopback socket when `tcp=True`.
    """

    def __init__(self, *, timing: Timing | None = None, baud: int = FACTORY_BAUD,
                 address: int = 0xFFFFFFFF, password: int = 0, capacity: int = 200,
                 security_level: int = 3, seed: int = 0, tcp: bool = False,
                 strict_baud: bool = True) -> None:
        if baud % 9600 or baud // 9600 not in (1, 2, 4, 6, 12):
            raise ValueError(f"{baud} baud is not one the sensor supports (9600 * 1/2/4/6/12)")
        self._sensor = Sensor(address=address, password=password,
                              baud_multiplier=baud // 9600, security_level=security_level,
                              capacity=capacity, timing=timing or Timing.instant(), seed=seed)
        self._strict_baud = strict_baud
        self._lock = threading.RLock()
        self._stop = threading.Event()
        self._pty = PtyPort()
        self.port: str = self._pty.path
        self._listener: socket.socket | None = None
        self.tcp_address: tuple[str, int] | None = None
        if tcp:
            self._listener = socket.create_server(("127.0.0.1", 0))
            self.tcp_address = self._listener.getsockname()[:2]
        self.silent = False  # True: hear everything, answer nothing (a dead sensor)
        self.packets_received = 0
        self.packets_sent = 0
        self.instructions: list[int] = []  # instruction codes of command packets, in order
        self._failure: BaseException | None = None
        self._thread = threading.Thread(target=self._serve, name="fingerprint-sim", daemon=True)
        self._thread.start()

    # -- test actions -----------------------------------------------------------------------
    def place_finger(self, name: str, condition: str | Condition = "good") -> None:
        with self._lock:
            self._sensor.place_finger(name, Condition(condition))

    def lift_finger(self) -> None:
        with self._lock:
            self._sensor.lift_finger()

    def enrolled(self) -> dict[int, str | None]:
        """Slot -> name of the finger stored there (None for a template the host uploaded)."""
        with self._lock:
            return {slot: t.finger for slot, t in sorted(self._sensor.library.items())}

    def enroll(self, name: str, slot: int) -> None:
        """Store `name` at `slot` directly, as if enrolled earlier (setup for firmware tests)."""
        if not 0 <= slot < self._sensor.capacity:
            raise ValueError(f"slot {slot} is outside the library (0..{self._sensor.capacity - 1})")
        with self._lock:
            self._sensor.enroll(slot, name)

    def power_cycle(self) -> None:
        """Cut and restore the sensor's power (the band switches it to save battery): buffers
        and password verification are lost, the library and settings stay, and the sensor
        sends its 0x55 ready sign on the pty as the R503 does after a reset."""
        with self._lock:
            self._sensor.power_on()
        self._pty.write(SOFT_RESET_SIGN)

    def go_silent(self) -> None:
        self.silent = True

    def resume(self) -> None:
        self.silent = False

    @property
    def baud(self) -> int:
        return self._sensor.baud

    @property
    def address(self) -> int:
        return self._sensor.address

    @property
    def led(self) -> tuple[int, int, int, int] | None:
        """The last AuraLedConfig: (control, speed, colour index, count), or None."""
        return self._sensor.led

    # -- lifetime -----------------------------------------------------------------------------
    def close(self) -> None:
        if self._stop.is_set():
            return
        self._stop.set()
        self._thread.join(timeout=5)
        if self._listener is not None:
            self._listener.close()
        self._pty.close()
        if self._failure is not None:  # a simulator bug must fail the test, not look like silence
            raise RuntimeError("the fingerprint simulator thread failed") from self._failure

    def __enter__(self) -> "SimulatedSensor":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- the server thread -------------------------------------------------------------------
    def _serve(self) -> None:
        try:
            self._serve_until_stopped()
        except BaseException as exc:  # kept for close() to raise in the test's thread
            self._failure = exc

    def _serve_until_stopped(self) -> None:
        selector = selectors.DefaultSelector()
        pty_link = _Link(lambda: self._pty.read(4096, 0), self._pty.write, self._pty.line_baud)
        selector.register(self._pty.fileno(), selectors.EVENT_READ, pty_link)
        if self._listener is not None:
            selector.register(self._listener, selectors.EVENT_READ, None)
        try:
            while not self._stop.is_set():
                for key, _ in selector.select(_POLL_S):
                    if key.data is None:
                        self._accept(selector)
                    else:
                        self._pump(selector, key.fileobj, key.data)
        finally:
            for key in list(selector.get_map().values()):
                if isinstance(key.fileobj, socket.socket) and key.fileobj is not self._listener:
                    key.fileobj.close()
            selector.close()

    def _accept(self, selector: selectors.BaseSelector) -> None:
        assert self._listener is not None
        conn, _ = self._listener.accept()
        conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        selector.register(conn, selectors.EVENT_READ,
                          _Link(lambda: conn.recv(4096), conn.sendall, lambda: None))

    def _pump(self, selector: selectors.BaseSelector, fileobj: object, link: _Link) -> None:
        try:
            data = link.read()
        except OSError:
            data = b""
        if not data:
            if isinstance(fileobj, socket.socket):  # peer closed
                selector.unregister(fileobj)
                fileobj.close()
            else:
                time.sleep(_POLL_S)  # pty with no one on the other end reads EIO; wait
            return
        line_baud = link.line_baud()
        if self._strict_baud and line_baud is not None and line_baud != self._sensor.baud:
            link.reader = PacketReader()  # garbled at the wrong speed: nothing is understood
            return
        for item in link.reader.feed(data):
            self._answer(item, link)

    def _answer(self, item: Packet | BadPacket, link: _Link) -> None:
        self.packets_received += 1
        if isinstance(item, Packet) and item.pid == 0x01 and item.content:
            self.instructions.append(item.content[0])
        if self.silent:
            return
        with self._lock:
            baud = self._sensor.baud  # the reply leaves at the speed in force before the command
            response = self._sensor.receive(item)
            timing = self._sensor.timing
        if response is None:
            return
        if response.busy_s:
            self._stop.wait(response.busy_s)
        for frame in response.frames:
            if timing.wire:
                self._stop.wait(len(frame) * 10 / baud)
            self.packets_sent += 1  # counted first: a test that saw the bytes sees the count
            link.write(frame)
        if response.after:
            link.write(response.after)
