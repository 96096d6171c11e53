"""The record store the app reads: `ledger_client.store`'s content-addressed directory.

One function, so the app names the store in one place.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

__all__ = ["open_record_store", "StoreUnreachable"]


class StoreUnreachable(OSError):
    """The store's folder (a network share on a real tablet) is not there."""


class _DirectoryStore:
    # Stand-in until ledger_client.store lands: files named by the SHA-256 of their bytes.
    def __init__(self, root: Path) -> None:
        self.root = root

    def put(self, blob: bytes) -> bytes:
        digest = hashlib.sha256(blob).digest()
        self.root.mkdir(parents=True, exist_ok=True)
        tmp = self.root / f".{digest.hex()}.tmp"
        tmp.write_bytes(blob)
        os.replace(tmp, self.root / digest.hex())
        return digest

    def get(self, digest: bytes) -> bytes:
        if not self.root.is_dir():
            raise StoreUnreachable(f"the record store {self.root} is not reachable")
        try:
            return (self.root / digest.hex()).read_bytes()
        except FileNotFoundError:
            raise KeyError(digest.hex()) from None


def open_record_store(root: str | os.PathLike[str]) -> _DirectoryStore:
    return _DirectoryStore(Path(root))
