"""`SimulatedBand`: the unchanged band firmware in a host process, wired to simulated chips.

    with SimulatedBand(interpreter="micropython", heapsize="64k") as band:
        band.reader_path      # the simulated PN532 reader, for nfcpy's pn532 driver
        band.serial_path      # the band's USB serial, for the host (provisioning, wired use)
        band.sensor.place_finger("patient")
        band.field.tap()
        band.power_cut(); band.boot(button_held=True)

The firmware's UARTs are joined through the `machine` fakes (ICEBAND_UART<id>, ids from
firmware/board.py): the sensor UART to a `SimulatedSensor`, the PN532 UART to the card side of
a `SimulatedField`, the USB-serial UART to a `SerialLink`. Its flash is `state_dir` (the
process's working directory). `machine.reset()` (exit code 86) boots it again, as the chip
would; any other exit is left dead and shows in `exit_codes` and the log.
"""

from __future__ import annotations

import os
import tempfile
import threading
import time
from pathlib import Path
from typing import Callable

from hardware.host.launch import host_env
from hardware.host.machine import RESET_EXIT_CODE
from hardware.sim.fingerprint import SimulatedSensor, Timing
from hardware.sim.nfc import CARD, SimulatedField
from hardware.sim.nfc.trace import TO_CHIP

from .firmware import (INTERPRETERS, FirmwareError, FirmwareProcess, Interpreter, log_tail,
                       stage_mpy)
from .lifeline import Lifeline
from .probe import probe
from .serial_link import SerialLink
from .wiring import Wiring, read_wiring

__all__ = ["SimulatedBand", "BandNotReady", "FIRMWARE_DIR"]

FIRMWARE_DIR = Path(__file__).resolve().parents[2] / "firmware"
_TG_INIT_AS_TARGET = b"\xd4\x8c"
_WATCH_S = 0.05
_CUT = -9  # the exit status of a process killed by SIGKILL: our own power cut


class BandNotReady(FirmwareError):
    """The firmware did not come up in time (the message ends with the firmware log tail)."""


class SimulatedBand:
    """A whole simulated band. Use as a context manager: `close()` kills the firmware's
    process group and stops every simulator thread."""

    def __init__(self, *, interpreter: Interpreter = "cpython", heapsize: str | None = None,
                 timing: Timing | None = None, state_dir: str | os.PathLike[str] | None = None,
                 log_path: str | os.PathLike[str] | None = None, ready_timeout: float = 30.0,
                 firmware_dir: Path = FIRMWARE_DIR, unique_id: str = "240ac4000001",
                 button_held: bool = False,
                 on_progress: Callable[[str], None] | None = None) -> None:
        if interpreter not in INTERPRETERS:
            raise ValueError(f"interpreter must be one of {INTERPRETERS}, not {interpreter!r}")
        if heapsize is not None and interpreter != "micropython":
            raise ValueError("a heap cap applies to the MicroPython unix port only")
        if ready_timeout <= 0:
            raise ValueError("ready_timeout must be positive")
        self.interpreter: Interpreter = interpreter
        self.ready_timeout = ready_timeout
        self._say = on_progress or (lambda message: None)
        self._tmp = tempfile.TemporaryDirectory(prefix="iceband-band-")
        work = Path(self._tmp.name)
        self.state_dir = Path(state_dir) if state_dir else work / "flash"
        self.log_path = Path(log_path) if log_path else work / "firmware.log"
        self._lock = threading.RLock()
        self._stop = threading.Event()
        self._process: FirmwareProcess | None = None
        self._booted_at = 0.0
        self.exit_codes: list[int] = []  # every way a boot ended: 86 = machine.reset(), -9 = cut
        self.sensor: SimulatedSensor | None = None
        self.field: SimulatedField | None = None
        self.link: SerialLink | None = None
        self._watcher: threading.Thread | None = None
        self._lifeline: Lifeline | None = None
        try:
            self.state_dir.mkdir(parents=True, exist_ok=True)
            self.log_path.parent.mkdir(parents=True, exist_ok=True)
            self.wiring: Wiring = read_wiring(firmware_dir / "board.py")
            self._main, self._boot, self._search = self._stage(firmware_dir, work, interpreter)
            self._heapsize = heapsize
            self._unique_id = unique_id
            self._lifeline = Lifeline()  # kills the firmware even if this process dies hard
            self.sensor = SimulatedSensor(timing=timing or Timing.instant())
            self.field = SimulatedField()
            self.link = SerialLink()
            self.reader_path: str = self.field.reader_path
            self.serial_path: str = self.link.host_path
            self._watcher = threading.Thread(target=self._watch, name="band-watch", daemon=True)
            self._watcher.start()
            self.boot(button_held=button_held)
        except BaseException:
            self.close()
            raise

    # -- the firmware ------------------------------------------------------------------------
    def _stage(self, firmware_dir: Path, work: Path,
               interpreter: Interpreter) -> tuple[Path, Path | None, list[Path]]:
        """(main, boot or None, search path) for the interpreter."""
        main, boot = firmware_dir / "main.py", firmware_dir / "boot.py"
        if not main.exists():
            raise FirmwareError(f"{main} is missing: the band has nothing to boot")
        has_boot = boot.exists()
        if interpreter == "cpython":
            return main, boot if has_boot else None, [firmware_dir]
        self._say("compiling the firmware with mpy-cross")
        build = stage_mpy(firmware_dir, work / "mpy")
        return build / "main.py", build / "boot.py" if has_boot else None, [build]

    def _env(self, button_held: bool) -> dict[str, str]:
        assert self.sensor and self.field and self.link
        base = {k: v for k, v in os.environ.items()
                if not k.startswith(("ICEBAND_UART", "ICEBAND_PIN", "MICROPYPATH"))}
        wiring = self.wiring
        env = host_env(uarts={wiring.sensor_uart: self.sensor.port,
                              wiring.nfc_uart: self.field.card_path,
                              wiring.usb_uart: self.link.band_path},
                       pins={wiring.reset_button: 0 if button_held else 1}, base=base)
        env["ICEBAND_UNIQUE_ID"] = self._unique_id
        return env

    def _start(self, button_held: bool, note: str) -> None:
        process = FirmwareProcess(self.interpreter, self._main, self._search,
                                  env=self._env(button_held), cwd=self.state_dir,
                                  log_path=self.log_path, boot=self._boot,
                                  heapsize=self._heapsize, lifeline=self._lifeline)
        self._booted_at = time.monotonic()
        process.start(note)
        self._process = process

    def boot(self, button_held: bool = False, wait: bool = True) -> None:
        """Powers the band on (after `power_cut()`, or the first time); with `button_held` the
        reset button reads pressed for this whole boot. Waits until the firmware answers on
        both its NFC chip and its USB serial unless `wait` is False."""
        with self._lock:
            if self._process is not None and self._process.running:
                raise FirmwareError("the band is already running; power_cut() it first")
            self._say("booting the firmware" + (" with the button held" if button_held else ""))
            self._start(button_held, "(button held)" if button_held else "")
        if wait:
            self.wait_ready()

    def power_cut(self) -> None:
        """Kills the firmware at once (SIGKILL to its process group), as a battery pulled out:
        the card chip leaves the field, the sensor restarts, unread serial bytes are lost."""
        assert self.field and self.sensor and self.link
        with self._lock:
            process, self._process = self._process, None
            if process is not None:
                running = process.running
                code = process.kill()
                if code is not None:  # a firmware that had died already shows its own code
                    self.exit_codes.append(_CUT if running else code)
            self.field.remove()
            self.sensor.power_cycle()
            self.link.discard_to_band()

    def reboot(self, button_held: bool = False) -> None:
        self.power_cut()
        self.boot(button_held=button_held)

    @property
    def running(self) -> bool:
        process = self._process
        return process is not None and process.running

    @property
    def pid(self) -> int | None:
        process = self._process
        return None if process is None else process.pid

    def wait_stopped(self, timeout: float) -> bool:
        """True once no firmware process runs (it ended and the watcher saw it)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self._lock:
                if self._process is None:
                    return True
            time.sleep(_WATCH_S)
        return False

    def raise_if_crashed(self) -> None:
        """`FirmwareError` with the log tail if any boot ended other than by `power_cut()` or
        `machine.reset()`: a firmware that dies under a test fails it, whatever it asserted."""
        crashes = [code for code in self.exit_codes if code not in (_CUT, RESET_EXIT_CODE)]
        if crashes:
            raise FirmwareError(f"the firmware died (exit code {crashes[0]}); "
                                f"log {self.log_path}:\n" + self.log_tail())

    def log_tail(self, lines: int = 30) -> str:
        return log_tail(self.log_path, lines)

    def _watch(self) -> None:
        """Boots again after machine.reset(); records any other exit."""
        while not self._stop.wait(_WATCH_S):
            with self._lock:
                process = self._process
                code = None if process is None else process.poll()
                if process is None or code is None:
                    continue
                process.kill()  # reaps it and closes its log handle
                self.exit_codes.append(code)
                if code == RESET_EXIT_CODE and not self._stop.is_set():
                    self._start(False, "(after machine.reset)")
                else:
                    self._process = None

    # -- readiness ----------------------------------------------------------------------------
    def _nfc_armed(self, since: float) -> bool:
        assert self.field
        return bool(self.field.trace.entries(
            CARD, TO_CHIP, where=lambda e: e.at >= since and e.data[5:7] == _TG_INIT_AS_TARGET))

    def wait_ready(self, timeout: float | None = None) -> None:
        """Until the firmware armed its PN532 as a card and answers a framed APDU on its USB
        serial. Raises `BandNotReady` (with the log tail) if it died or took too long."""
        timeout = self.ready_timeout if timeout is None else timeout
        deadline = time.monotonic() + timeout
        armed = answered = False
        while time.monotonic() < deadline:
            with self._lock:
                process, since = self._process, self._booted_at
            if process is None:
                code = self.exit_codes[-1] if self.exit_codes else None
                raise BandNotReady(f"the firmware exited with code {code} while booting\n"
                                   + self.log_tail())
            armed = armed or self._nfc_armed(since)
            if armed:
                assert self.link
                answered = probe(self.link.host_path, timeout=0.3) is not None
                if answered:
                    self._say("firmware ready")
                    return
            time.sleep(0.02)
        missing = "no answer on its USB serial" if armed else "no TgInitAsTarget to its PN532"
        raise BandNotReady(f"the firmware was not ready within {timeout:g} s ({missing}); "
                           f"log {self.log_path}:\n" + self.log_tail())

    # -- lifetime -------------------------------------------------------------------------------
    def close(self) -> None:
        if self._stop.is_set():
            return
        self._stop.set()
        if self._watcher is not None:
            self._watcher.join(timeout=5)
        failures: list[BaseException] = []
        with self._lock:
            process, self._process = self._process, None
        if process is not None:
            process.kill()
        if self._lifeline is not None:
            self._lifeline.close()
        for part in (self.link, self.field, self.sensor):
            if part is None:
                continue
            try:
                part.close()
            except Exception as exc:  # a simulator's own failure must still fail the test
                failures.append(exc)
        self._tmp.cleanup()
        if failures:
            raise failures[0]

    def __enter__(self) -> "SimulatedBand":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
