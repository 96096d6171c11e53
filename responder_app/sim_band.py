"""A simulated band in this process: the unmodified firmware applet (`firmware/applet.py`) on
CPython, its R30x driver talking over `machine.UART` (hardware/host fakes) to the simulated
R503 sensor on a pty, and its vault in a temporary folder.

It stands in for the NFC link (APDUs go straight to `Applet.process`) until the HIL harness
(`hardware.hil`) starts a whole simulated band with its PN532 pair; everything above the
`BandDevice` interface runs exactly as against a real band.
"""

from __future__ import annotations

import importlib
import itertools
import os
import sys
import tempfile
import threading
import time
import types
from pathlib import Path

from hardware.sim.fingerprint import SimulatedSensor, Timing

from .device import BandDevice, BandReader
from .errors import TransportError, TransportErrorKind

__all__ = ["SimulatedBand", "firmware_dir"]

_uart_ids = itertools.count(40)  # one machine.UART id per band, wired through the environment
_import_lock = threading.Lock()


def firmware_dir() -> Path:
    """The firmware sources: the repository's folder, or the installed copy."""
    here = Path(__file__).resolve().parent.parent / "firmware"
    if (here / "applet.py").exists():
        return here
    return Path(sys.prefix) / "share" / "iceband" / "firmware"


def _firmware_modules() -> dict[str, types.ModuleType]:
    """Imports the firmware as MicroPython would: top-level modules from its folder."""
    with _import_lock:
        from hardware.host import mpcompat
        mpcompat.install()
        folder = str(firmware_dir())
        if folder not in sys.path:
            sys.path.append(folder)
        return {name: importlib.import_module(name)
                for name in ("applet", "vault", "drivers.r30x")}


class _AppletLink(BandDevice):
    """One session with the applet: opened = SELECT may follow; closed = field lost."""

    def __init__(self, band: "SimulatedBand", wired: bool) -> None:
        self._band = band
        self._wired = wired
        self._open = True
        self.description = "simulated band (wired)" if wired else "simulated band"

    def transceive(self, apdu: bytes, timeout: float) -> bytes:
        if not self._open or not self._band.in_field:
            raise TransportError(TransportErrorKind.LINK_LOST, "the band left the field")
        self.exchanges = getattr(self, "exchanges", 0) + 1
        with self._band.lock:
            return bytes(self._band.applet.process(bytes(apdu), self._wired))

    def close(self) -> None:
        if self._open:
            self._open = False
            with self._band.lock:
                self._band.applet.deselect()


class SimulatedBand(BandReader):
    """The firmware plus a simulated sensor. Use as a context manager; `close()` stops both."""

    def __init__(self, *, timing: Timing | None = None, state_dir: str | None = None) -> None:
        modules = _firmware_modules()
        self._tmp = None if state_dir else tempfile.TemporaryDirectory(prefix="iceband-band-")
        self.state_dir = state_dir or self._tmp.name  # type: ignore[union-attr]
        self.sensor = SimulatedSensor(timing=timing or Timing.instant())
        self.lock = threading.Lock()
        self.in_field = True
        self._field_changed = threading.Event()
        self.description = "simulated band (in process)"
        uart_id = next(_uart_ids)
        os.environ[f"ICEBAND_UART{uart_id}"] = self.sensor.port
        import machine  # the host stand-in, found through mpcompat's path
        import time as mp_time  # mpcompat added ticks_ms & co.
        self._uart = machine.UART(uart_id, 57600, timeout=1000)
        driver = modules["drivers.r30x"].R30x(self._uart, mp_time)
        vault = modules["vault"].Vault(str(Path(self.state_dir) / "iceband"))
        self.applet = modules["applet"].Applet(vault, driver, mp_time)

    # --- what a test or the demo does to the band ----------------------------------------

    def tap(self) -> None:
        self.in_field = True
        self._field_changed.set()

    def remove(self) -> None:
        self.in_field = False
        self._field_changed.clear()
        with self.lock:
            self.applet.deselect()

    def place_finger(self, name: str) -> None:
        self.sensor.place_finger(name)

    def lift_finger(self) -> None:
        self.sensor.lift_finger()

    def wired(self) -> BandDevice:
        """The USB-serial view of the band (provisioning APDUs are accepted only here)."""
        return _AppletLink(self, wired=True)

    def reboot(self) -> None:
        """Power cycle: the applet restarts from what its vault persisted."""
        modules = _firmware_modules()
        import time as mp_time
        with self.lock:
            vault = modules["vault"].Vault(str(Path(self.state_dir) / "iceband"))
            driver = modules["drivers.r30x"].R30x(self._uart, mp_time)
            self.applet = modules["applet"].Applet(vault, driver, mp_time)

    # --- BandReader ------------------------------------------------------------------------

    def wait_for_band(self, timeout: float, cancel: threading.Event | None = None) -> BandDevice:
        deadline = time.monotonic() + timeout
        while not self.in_field:  # as a reader polls: until the band comes, time, or cancel
            left = deadline - time.monotonic()
            if left <= 0 or (cancel is not None and cancel.is_set()):
                raise TransportError(TransportErrorKind.NO_BAND, "no band in the reader's field")
            self._field_changed.wait(min(left, 0.05))
        return _AppletLink(self, wired=False)

    def close(self) -> None:
        self._uart.deinit()
        self.sensor.close()
        if self._tmp is not None:
            self._tmp.cleanup()
