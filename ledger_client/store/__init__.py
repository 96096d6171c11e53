"""The off-chain record store: encrypted records addressed by their SHA-256."""

from ledger_client.store.base import (
    BlobMissing, HashMismatch, RecordStore, StoreError, StoreUnavailable, open_store,
    register_store)
from ledger_client.store.directory import DirectoryStore

__all__ = ["RecordStore", "DirectoryStore", "open_store", "register_store", "StoreError",
           "BlobMissing", "HashMismatch", "StoreUnavailable"]
