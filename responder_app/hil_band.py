"""The whole simulated band of the HIL harness (`hardware.hil.SimulatedBand`), seen as the
app sees a real one: the firmware runs in its own process; the app reads it through nfcpy's
unmodified `pn532` driver on the simulated reader's pty and provisions it over its USB serial.

It offers the same hand actions as `responder_app.sim_band.SimulatedBand` (place and lift a
finger, tap and remove), so the demo and the tests use either.
"""

from __future__ import annotations

import threading

from hardware.hil import SimulatedBand as HilBand
from hardware.sim.fingerprint import Timing

from .device import BandDevice, BandReader
from .transport_nfc import NfcReader
from .transport_serial import SerialReader

__all__ = ["FirmwareBand"]


class FirmwareBand(BandReader):
    """The firmware process + simulated chips; as a `BandReader`, the nfcpy reader on it."""

    def __init__(self, *, timing: Timing | None = None, interpreter: str = "cpython") -> None:
        self.hil = HilBand(timing=timing or Timing.instant(), interpreter=interpreter)  # type: ignore[arg-type]
        self._reader: NfcReader | None = None
        self.description = f"simulated PN532 reader {self.hil.reader_path}"
        try:
            self._reader = NfcReader.open_pn532_path(self.hil.reader_path)
        except BaseException:
            self.hil.close()
            raise

    @property
    def state_dir(self) -> str:
        return str(self.hil.state_dir)

    def place_finger(self, name: str) -> None:
        assert self.hil.sensor is not None
        self.hil.sensor.place_finger(name)

    def lift_finger(self) -> None:
        assert self.hil.sensor is not None
        self.hil.sensor.lift_finger()

    def tap(self) -> None:
        assert self.hil.field is not None
        self.hil.field.tap()

    def remove(self) -> None:
        assert self.hil.field is not None
        self.hil.field.remove()

    def wired(self) -> BandDevice:
        """The band's USB serial (provisioning is accepted only there)."""
        return SerialReader(self.hil.serial_path).wait_for_band(2.0)

    def wait_for_band(self, timeout: float, cancel: threading.Event | None = None) -> BandDevice:
        assert self._reader is not None
        return self._reader.wait_for_band(timeout, cancel)

    def close(self) -> None:
        if self._reader is not None:
            self._reader.close()
            self._reader = None
        self.hil.close()
