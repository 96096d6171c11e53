"""The air between the reader-mode chip and the card-mode chip.

The band is either in the field or not (`tap()`, `remove()`); the reader's carrier is on or
off (RFConfiguration, PowerDown). The card hears the reader only when both hold. Taking the band
away or switching the carrier off resets the card, as losing power does to a real PICC: an
exchange in flight gets no answer (the reader reports a timeout) and the card-mode chip tells
its host 0x29. Frames travel without CRC; with realistic timing each costs its air time at
106 kbit/s (9 bits per byte with parity, CRC and the frame delay time added).
"""

from __future__ import annotations

import threading
import time
from typing import Callable, Protocol

from .trace import RF, TO_CARD, TO_READER, Trace

__all__ = ["RfLink", "Card", "TypeAResponse", "air_time"]

BIT_RATE = 106_000
_FRAME_DELAY_S = 86e-6   # ISO 14443-3 FDT, 1172/fc


def air_time(size: int) -> float:
    """Seconds a frame of `size` bytes (+2 CRC) occupies the air at 106 kbit/s, plus the FDT."""
    return (size + 2) * 9 / BIT_RATE + _FRAME_DELAY_S


TypeAResponse = tuple[bytes, bytes, int]   # SENS_RES (as sent on air), NFCID1, SEL_RES
CancelledFn = Callable[[], bool]


class Card(Protocol):
    """What the link needs from the card-mode chip."""

    @property
    def listening(self) -> bool: ...

    def answer_type_a(self) -> TypeAResponse | None: ...

    def rf_frame(self, frame: bytes, deadline: float | None,
                 cancelled: CancelledFn) -> bytes | None: ...

    def field_lost(self) -> None: ...


class RfLink:
    """Joins the two chips; every call that touches card state holds `cond`."""

    def __init__(self, cond: threading.Condition, trace: Trace, realistic: bool = False) -> None:
        self.cond = cond
        self.trace = trace
        self.realistic = realistic
        self.card: Card | None = None
        self.band_in_field = False
        self.carrier_on = False

    @property
    def card_powered(self) -> bool:
        return self.band_in_field and self.carrier_on and self.card is not None

    @property
    def card_would_answer(self) -> bool:
        """A poll now would find the card (powered and armed by its host)."""
        return self.card_powered and self.card is not None and self.card.listening

    # -- test actions -----------------------------------------------------------------------
    def tap(self) -> None:
        with self.cond:
            self.band_in_field = True
            self.trace.count("rf.taps")
            self.cond.notify_all()

    def remove(self) -> None:
        with self.cond:
            was_powered = self.card_powered
            self.band_in_field = False
            self.trace.count("rf.removals")
            if was_powered and self.card is not None:
                self.card.field_lost()
            self.cond.notify_all()

    # -- reader side ------------------------------------------------------------------------
    def set_carrier(self, on: bool) -> None:
        with self.cond:
            was_powered = self.card_powered
            self.carrier_on = on
            if was_powered and not self.card_powered and self.card is not None:
                self.card.field_lost()
            self.cond.notify_all()

    def poll_type_a(self, uid: bytes = b"") -> TypeAResponse | None:
        """REQA and anticollision; `uid` (cascade tags removed) selects a known card only."""
        with self.cond:
            if not self.card_powered or self.card is None:
                answer = None
            else:
                answer = self.card.answer_type_a()
                if answer is not None and uid and uid != answer[1]:
                    answer = None
        self._spend(air_time(2) * 4)
        if answer is not None:
            self.trace.record(RF, TO_READER, answer[0] + answer[1] + bytes([answer[2]]),
                              "anticollision")
        return answer

    def exchange(self, frame: bytes, timeout: float | None,
                 cancelled: CancelledFn) -> bytes | None:
        """Sends `frame` to the card; its answer, or None when none came within `timeout`."""
        self.trace.record(RF, TO_CARD, frame)
        self._spend(air_time(len(frame)))
        deadline = None if timeout is None else time.monotonic() + timeout
        with self.cond:
            answer = None
            if self.card_powered and self.card is not None:
                answer = self.card.rf_frame(frame, deadline, cancelled)
        if answer is None:
            self.trace.count("rf.no_answer")
            if self.realistic and deadline is not None:
                self._spend(max(0.0, deadline - time.monotonic()))
            return None
        self._spend(air_time(len(answer)))
        self.trace.record(RF, TO_READER, answer)
        return answer

    def _spend(self, seconds: float) -> None:
        if self.realistic and seconds > 0:
            time.sleep(seconds)
