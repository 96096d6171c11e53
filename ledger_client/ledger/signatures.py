"""Checking many entry signatures at once, on several cores.

Ed25519 verification is the dominant cost of appending a batch and of full verification, and
each signature is independent, so batches are split across worker processes. The pool is
owned by whoever creates it and shut down by them (`SignaturePool.close`).
"""

from __future__ import annotations

import os
from concurrent.futures import Future, ProcessPoolExecutor
from typing import Sequence

from ledger_client.ledger.codec import verify_encoded_signature
from ledger_client.ledger.errors import MalformedEntry

__all__ = ["first_bad_signature", "SignaturePool"]

_MIN_PARALLEL = 256  # below this, process hand-off costs more than it saves


def first_bad_signature(encoded: Sequence[bytes]) -> int | None:
    """Position of the first entry whose signature does not verify, None when all do."""
    for position, data in enumerate(encoded):
        try:
            verify_encoded_signature(data)
        except MalformedEntry:
            return position
    return None


class SignaturePool:
    """`check(encoded)` -> a future of `first_bad_signature`, split over `workers` processes."""

    def __init__(self, workers: int | None = None) -> None:
        self.workers = max(1, workers if workers is not None else (os.cpu_count() or 1))
        self._pool: ProcessPoolExecutor | None = None

    def submit(self, encoded: Sequence[bytes]) -> list[tuple[int, Future[int | None]]]:
        """Start checking; returns (offset, future) per part. Small inputs run inline."""
        if self.workers == 1 or len(encoded) < _MIN_PARALLEL:
            done: Future[int | None] = Future()
            done.set_result(first_bad_signature(encoded))
            return [(0, done)]
        if self._pool is None:
            self._pool = ProcessPoolExecutor(self.workers)
        step = -(-len(encoded) // self.workers)
        return [(start, self._pool.submit(first_bad_signature, list(encoded[start:start + step])))
                for start in range(0, len(encoded), step)]

    @staticmethod
    def first_bad(parts: list[tuple[int, Future[int | None]]]) -> int | None:
        bad = [offset + found for offset, future in parts
               if (found := future.result()) is not None]
        return min(bad) if bad else None

    def check(self, encoded: Sequence[bytes]) -> int | None:
        return self.first_bad(self.submit(encoded))

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None

    def __enter__(self) -> "SignaturePool":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
