"""The record store interface: ciphertexts addressed by their SHA-256.

A store never trusts itself: `get(digest)` re-hashes what it read and refuses a blob whose
hash is not `digest` (the digest the caller took from the ledger).
"""

from __future__ import annotations

import importlib
from pathlib import Path
from typing import Callable, Protocol, runtime_checkable

__all__ = ["RecordStore", "StoreError", "BlobMissing", "HashMismatch", "StoreUnavailable",
           "open_store", "register_store"]


class StoreError(Exception):
    """Base class of record-store errors."""


class BlobMissing(StoreError):
    """No blob with that digest in the store."""

    def __init__(self, digest: bytes) -> None:
        super().__init__(f"no record ciphertext {digest.hex()} in the store")
        self.digest = digest


class HashMismatch(StoreError):
    """The stored bytes do not hash to the requested digest: tampered or damaged."""

    def __init__(self, expected: bytes, actual: bytes) -> None:
        super().__init__(f"record ciphertext is corrupt: expected SHA-256 {expected.hex()}, "
                         f"got {actual.hex()}")
        self.expected = expected
        self.actual = actual


class StoreUnavailable(StoreError):
    """The store cannot be reached, read or written."""


@runtime_checkable
class RecordStore(Protocol):
    def put(self, blob: bytes) -> bytes:
        """Store `blob`; return its SHA-256 (idempotent)."""

    def get(self, digest: bytes) -> bytes:
        """The blob whose SHA-256 is `digest`; `BlobMissing` or `HashMismatch` otherwise."""

    def __contains__(self, digest: object) -> bool: ...


_STORES: dict[str, Callable[[str], RecordStore] | str] = {
    "file": "ledger_client.store.directory:open_directory_store",
}


def register_store(scheme: str, factory: Callable[[str], RecordStore] | str) -> None:
    _STORES[scheme.lower()] = factory


def open_store(location: str | Path) -> RecordStore:
    """`file:///abs/dir`, or a plain directory path (the default store)."""
    text = str(location)
    scheme, sep, _ = text.partition("://")
    if not sep:
        text, scheme = "file://" + str(Path(text).resolve()), "file"
    factory = _STORES.get(scheme.lower())
    if factory is None:
        raise StoreUnavailable(f"no record store for scheme {scheme!r} (known: {', '.join(_STORES)})")
    if isinstance(factory, str):
        module, _, attr = factory.partition(":")
        factory = getattr(importlib.import_module(module), attr)
    return factory(text)
