"""The hardware-in-the-loop harness (issue 4): a simulated band, and one way to name the
device under test (the simulated band, or a real board on a serial port).

`SimulatedBand` runs the unchanged firmware in a host process (CPython or the MicroPython unix
port) wired to the simulated sensor, the simulated PN532 pair and a USB-serial pty pair.
`hardware.hil.target` gives the HIL suite the same actions on either target.
"""

from .band import BandNotReady, SimulatedBand
from .firmware import INTERPRETERS, FirmwareError, Interpreter
from .wiring import Wiring, WiringError, read_wiring

__all__ = ["SimulatedBand", "BandNotReady", "FirmwareError", "INTERPRETERS", "Interpreter",
           "Wiring", "WiringError", "read_wiring"]
