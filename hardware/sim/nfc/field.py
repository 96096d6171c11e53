"""`SimulatedField`: a reader-mode PN532 and a card-mode PN532 on two ptys, joined by the air.

    with SimulatedField() as field:
        device = nfc.clf.pn532.init(nfc.clf.transport.TTY(field.reader_path))
        ...                      # the firmware's UART opens field.card_path
        field.tap()              # the band comes into the reader's field
        field.remove()           # and goes away again

Timing is instant by default (frames cost no time; a missing card answers "timeout" at once);
`realistic=True` adds wire time at each chip's baud rate and air time at 106 kbit/s.
"""

from __future__ import annotations

import threading
from typing import Callable

from .card_chip import CardChip, CardState
from .reader_chip import ReaderChip
from .rf_link import RfLink
from .serving import ChipServer
from .trace import CARD, READER, Trace

__all__ = ["SimulatedField"]


class SimulatedField:
    """The two chips and the field. Use as a context manager; every thread stops on exit."""

    def __init__(self, *, realistic: bool = False, wtx_multiplier: int = 8) -> None:
        if not 1 <= wtx_multiplier <= 59:
            raise ValueError("WTXM must be 1..59 (ISO/IEC 14443-4 7.3)")
        self.trace = Trace()
        self._cond = threading.Condition(threading.RLock())
        self.link = RfLink(self._cond, self.trace, realistic=realistic)
        self.reader_chip = ReaderChip(self._cond, self.trace, self.link)
        self.card_chip = CardChip(self._cond, self.trace, wtx_multiplier=wtx_multiplier)
        self.link.card = self.card_chip
        self._reader_server = ChipServer(self.reader_chip, self.trace, READER, realistic)
        try:
            self._card_server = ChipServer(self.card_chip, self.trace, CARD, realistic)
        except BaseException:
            self._reader_server.stop()
            raise
        self.reader_path: str = self._reader_server.path
        self.card_path: str = self._card_server.path
        self._closed = False

    # -- test actions -----------------------------------------------------------------------
    def tap(self) -> None:
        """The band comes into the reader's field."""
        self.link.tap()

    def remove(self) -> None:
        """The band leaves the field: exchanges in flight fail, the card side sees 0x29."""
        self.link.remove()

    # -- what tests look at -----------------------------------------------------------------
    @property
    def band_in_field(self) -> bool:
        return self.link.band_in_field

    @property
    def carrier_on(self) -> bool:
        """True while the reader's RF field is switched on."""
        return self.link.carrier_on

    @property
    def card_state(self) -> CardState:
        return self.card_chip.state

    @property
    def reader_baud(self) -> int:
        return self.reader_chip.baud

    @property
    def card_baud(self) -> int:
        return self.card_chip.baud

    @property
    def reader_asleep(self) -> bool:
        return self.reader_chip.asleep

    def wait_until(self, condition: Callable[[], bool], timeout: float) -> bool:
        """Blocks until `condition()` (checked on every chip or field state change) or timeout;
        returns its last value. E.g. `field.wait_until(lambda: field.card_state is
        CardState.ARMED, 5)` waits for the firmware's TgInitAsTarget."""
        with self._cond:
            return self._cond.wait_for(condition, timeout)

    def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        self._reader_server.stop()
        self._card_server.stop()

    def __enter__(self) -> "SimulatedField":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
