"""A thread-safe record of every frame the simulated field carried, for tests and debugging."""

from __future__ import annotations

import threading
import time
from collections import Counter, deque
from dataclasses import dataclass, field
from typing import Callable

__all__ = ["TraceEntry", "Trace", "READER", "CARD", "RF", "TO_CHIP", "FROM_CHIP", "TO_CARD",
           "TO_READER"]

# channels
READER = "reader"   # host link of the reader-mode chip (nfcpy's side)
CARD = "card"       # host link of the card-mode chip (the firmware's side)
RF = "rf"           # the air between the two chips (ISO 14443 frames, CRC left out)
# directions
TO_CHIP, FROM_CHIP = "to_chip", "from_chip"
TO_CARD, TO_READER = "to_card", "to_reader"


@dataclass(frozen=True)
class TraceEntry:
    channel: str
    direction: str
    data: bytes
    note: str = ""
    at: float = field(default_factory=time.monotonic)


class Trace:
    """Frames in the order they passed, plus named counters (e.g. "card.wtx_sent").

    Keeps the last `limit` frames (a band served for hours polls all the while); counters
    are never trimmed.
    """

    def __init__(self, limit: int = 200_000) -> None:
        self._lock = threading.Lock()
        self._entries: deque[TraceEntry] = deque(maxlen=limit)
        self.counters: Counter[str] = Counter()

    def record(self, channel: str, direction: str, data: bytes, note: str = "") -> None:
        with self._lock:
            self._entries.append(TraceEntry(channel, direction, bytes(data), note))

    def count(self, name: str, increment: int = 1) -> None:
        with self._lock:
            self.counters[name] += increment

    def entries(self, channel: str | None = None, direction: str | None = None,
                where: Callable[[TraceEntry], bool] | None = None) -> list[TraceEntry]:
        with self._lock:
            picked = list(self._entries)
        return [e for e in picked
                if (channel is None or e.channel == channel)
                and (direction is None or e.direction == direction)
                and (where is None or where(e))]

    def frames(self, channel: str, direction: str) -> list[bytes]:
        return [e.data for e in self.entries(channel, direction)]

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
            self.counters.clear()
