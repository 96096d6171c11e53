"""Simulated PN532 pair and the RF link between them (issue 4).

`SimulatedField` gives a reader-mode chip on a pty for nfcpy's unmodified `pn532` driver
(`field.reader_path`), a card-mode chip on a second pty for the band's firmware
(`field.card_path`), and `tap()` / `remove()` for the band. `field.trace` records every host
and RF frame. The frame codec (`frames`), the chips (`reader_chip`, `card_chip`, `picc`), the
air (`rf_link`) and the pty serving (`serving`) are separate modules.
"""

from .card_chip import CardState
from .codes import Command, Status
from .field import SimulatedField
from .trace import CARD, READER, RF, Trace, TraceEntry

__all__ = ["SimulatedField", "CardState", "Command", "Status", "Trace", "TraceEntry",
           "READER", "CARD", "RF"]
