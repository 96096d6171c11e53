"""One way to name the device under test: the simulated band, or a real board on a serial port.

The HIL suite asks a `Target` for the band's links (USB serial, an NFC reader) and for what a
hand does at the bench (place a finger, lift it, hold the reset button, cut the power). On the
simulated band those act on the simulators; on a real board the few that need a person are
asked of the operator on the terminal, and a reboot pulses RTS (wired to EN on ESP32 boards).

    target = open_target(board=None)                  # a SimulatedBand on CPython
    target = open_target(board="/dev/ttyUSB0")        # NoBoard("no board on ...") if absent
"""

from __future__ import annotations

import abc
import os
import time
from typing import Literal

from responder_app.device import BandDevice, BandReader

from .band import SimulatedBand
from .firmware import Interpreter
from .probe import probe

__all__ = ["Target", "SimTarget", "BoardTarget", "NoBoard", "NoReader", "Operator", "Finger",
           "FINGERS", "open_target"]

Finger = Literal["patient", "stranger"]
# The names the simulated sensor derives features from; on a real board, whose finger.
FINGERS: dict[str, str] = {"patient": "patient-right-index", "stranger": "stranger-left-thumb"}


class NoBoard(Exception):
    """`--board` names a port that does not exist."""


class NoReader(Exception):
    """The target has no NFC reader to reach it with (a real board without `--reader`)."""


class Target(abc.ABC):
    """The device under test and the hand that works it."""

    name: str = "target"

    @abc.abstractmethod
    def wired(self, timeout: float = 5.0) -> BandDevice:
        """A fresh USB-serial link to the band (a new serial session)."""

    @abc.abstractmethod
    def nfc_reader(self) -> BandReader:
        """An NFC reader the band can be tapped on; `NoReader` if there is none."""

    @abc.abstractmethod
    def place_finger(self, finger: Finger) -> None: ...

    @abc.abstractmethod
    def lift_finger(self) -> None: ...

    @abc.abstractmethod
    def tap(self) -> None:
        """The band comes into the reader's field."""

    @abc.abstractmethod
    def remove(self) -> None:
        """The band leaves the reader's field."""

    @abc.abstractmethod
    def silence_sensor(self) -> None:
        """The fingerprint sensor stops answering (a broken wire, a dead sensor)."""

    @abc.abstractmethod
    def power_cut(self) -> None: ...

    @abc.abstractmethod
    def boot(self, button_held: bool = False) -> None:
        """Powers the band on; returns once it answers."""

    def reboot(self, button_held: bool = False) -> None:
        self.power_cut()
        self.boot(button_held=button_held)

    def enrolled_fingers(self) -> dict[int, str | None] | None:
        """Sensor slot -> finger, when the target can see inside its sensor (None if not)."""
        return None

    def flash_files(self) -> list[str] | None:
        """Files on the band's flash, when the target can list them (None if not)."""
        return None

    def close(self) -> None:
        pass

    def __enter__(self) -> "Target":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _serial_device(path: str, timeout: float) -> BandDevice:
    from responder_app.transport_serial import SerialReader
    return SerialReader(path).wait_for_band(timeout)


class SimTarget(Target):
    """A `SimulatedBand`: every hand action is a simulator call."""

    def __init__(self, band: SimulatedBand) -> None:
        self.band = band
        self.name = f"simulated band ({band.interpreter})"
        self._readers: list[BandReader] = []

    def wired(self, timeout: float = 5.0) -> BandDevice:
        return _serial_device(self.band.serial_path, timeout)

    def nfc_reader(self) -> BandReader:
        from responder_app.transport_nfc import NfcReader
        reader = NfcReader.open_pn532_path(self.band.reader_path)
        self._readers.append(reader)
        return reader

    def place_finger(self, finger: Finger) -> None:
        assert self.band.sensor
        self.band.sensor.place_finger(FINGERS[finger])

    def lift_finger(self) -> None:
        assert self.band.sensor
        self.band.sensor.lift_finger()

    def tap(self) -> None:
        assert self.band.field
        self.band.field.tap()

    def remove(self) -> None:
        assert self.band.field
        self.band.field.remove()

    def silence_sensor(self) -> None:
        assert self.band.sensor
        self.band.sensor.go_silent()

    def power_cut(self) -> None:
        self.band.power_cut()

    def boot(self, button_held: bool = False) -> None:
        self.band.boot(button_held=button_held)

    def enrolled_fingers(self) -> dict[int, str | None] | None:
        assert self.band.sensor
        return self.band.sensor.enrolled()

    def flash_files(self) -> list[str] | None:
        root = self.band.state_dir
        return sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file())

    def close(self) -> None:
        for reader in self._readers:
            reader.close()
        self.band.close()


class Operator:
    """The person at the bench, asked on the controlling terminal (pytest captures stdin)."""

    def ask(self, instruction: str) -> None:
        try:
            tty = open("/dev/tty", "r+")
        except OSError as exc:
            raise RuntimeError(f"a real board needs a person at the bench to: {instruction} "
                               "(no terminal to ask on)") from exc
        with tty:
            tty.write(f"\n[HIL] {instruction} - then press Enter: ")
            tty.flush()
            tty.readline()


class BoardTarget(Target):
    """A real band on a USB-serial port; fingers, the field and the button are the operator's."""

    def __init__(self, port: str, reader: str | None = None,
                 operator: Operator | None = None) -> None:
        if not os.path.exists(port):
            raise NoBoard(f"no board on {port}")
        self.port = port
        self.reader_spec = reader
        self.operator = operator or Operator()
        self.name = f"real band on {port}"
        self._readers: list[BandReader] = []

    def wired(self, timeout: float = 5.0) -> BandDevice:
        return _serial_device(self.port, timeout)

    def nfc_reader(self) -> BandReader:
        if not self.reader_spec:
            raise NoReader("no NFC reader named for the real board (pass --reader DEVICE)")
        from responder_app.device import open_reader
        reader = open_reader(self.reader_spec)
        self._readers.append(reader)
        return reader

    def place_finger(self, finger: Finger) -> None:
        who = "the PATIENT's enrolled finger" if finger == "patient" else "a finger NOT enrolled"
        self.operator.ask(f"place {who} on the sensor and keep it there")

    def lift_finger(self) -> None:
        self.operator.ask("lift the finger off the sensor")

    def tap(self) -> None:
        self.operator.ask("hold the band on the NFC reader")

    def remove(self) -> None:
        self.operator.ask("take the band away from the NFC reader")

    def silence_sensor(self) -> None:
        self.operator.ask("disconnect the sensor's TX wire (the band must hear nothing)")

    def power_cut(self) -> None:
        """Pulls EN low through RTS, as esptool does. Closing the port releases it, so on a
        real board a power cut is a reset: the band boots again by itself."""
        import serial
        with serial.Serial(self.port, 115200) as line:
            line.dtr = False
            line.rts = True
            time.sleep(0.2)

    def boot(self, button_held: bool = False) -> None:
        import serial
        if button_held:
            # not held before the reset: on the reference build the button is GPIO0, a
            # strapping pin, and GPIO0 low at reset starts the ROM bootloader, not main.py
            self.operator.ask("after Enter the band resets: at once press and HOLD its reset "
                              "button for 4 s")
        with serial.Serial(self.port, 115200) as line:
            line.dtr = False
            line.rts = True
            time.sleep(0.2)
            line.rts = False
        if button_held:
            time.sleep(4.0)  # the firmware samples the button for 3 s before it answers
        deadline = time.monotonic() + 15.0
        while probe(self.port, timeout=0.5) is None:
            if time.monotonic() > deadline:
                raise RuntimeError(f"the board on {self.port} did not answer after a reset")

    def close(self) -> None:
        for reader in self._readers:
            reader.close()


def open_target(board: str | None = None, *, reader: str | None = None,
                interpreter: Interpreter = "cpython", heapsize: str | None = None) -> Target:
    """The real board on `board` if given (`NoBoard` if that port does not exist), else a
    freshly started simulated band."""
    if board:
        return BoardTarget(board, reader)
    return SimTarget(SimulatedBand(interpreter=interpreter, heapsize=heapsize))
