"""The directory record store: content addressing, refusal of tampered blobs, clear errors."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import pytest

from ledger_client.store import (
    BlobMissing, DirectoryStore, HashMismatch, RecordStore, StoreUnavailable, open_store)


def test_put_returns_the_sha256_and_get_returns_the_bytes(tmp_path: Path) -> None:
    store = open_store(tmp_path / "store")
    assert isinstance(store, RecordStore)
    blob = os.urandom(3000)
    digest = store.put(blob)
    assert digest == hashlib.sha256(blob).digest()
    assert store.get(digest) == blob and digest in store
    assert store.put(blob) == digest  # idempotent
    files = [p for p in (tmp_path / "store").rglob("*") if p.is_file()]
    assert files == [tmp_path / "store" / digest.hex()[:2] / digest.hex()[2:]]


def test_a_tampered_blob_is_refused(tmp_path: Path) -> None:
    store = DirectoryStore(tmp_path)
    blob = b"ciphertext" * 50
    digest = store.put(blob)
    path = tmp_path / digest.hex()[:2] / digest.hex()[2:]
    for position in (0, len(blob) // 2, len(blob) - 1):
        damaged = bytearray(blob)
        damaged[position] ^= 0x01
        path.write_bytes(bytes(damaged))
        with pytest.raises(HashMismatch, match="corrupt: expected SHA-256 " + digest.hex()):
            store.get(digest)
    path.write_bytes(blob + b"x")
    with pytest.raises(HashMismatch):
        store.get(digest)


def test_missing_blob_and_unusable_store_are_clear_errors(tmp_path: Path) -> None:
    store = DirectoryStore(tmp_path)
    missing = hashlib.sha256(b"never stored").digest()
    with pytest.raises(BlobMissing, match=missing.hex()):
        store.get(missing)
    with pytest.raises(ValueError, match="32 bytes"):
        store.get(b"short")
    (tmp_path / "a-file").write_text("x")
    with pytest.raises(StoreUnavailable, match="not a directory"):
        DirectoryStore(tmp_path / "a-file")
    with pytest.raises(StoreUnavailable, match="no record store for scheme 'ipfs'"):
        open_store("ipfs://whatever")


def test_a_failed_write_is_a_clear_error_and_leaves_no_temp_files(tmp_path: Path) -> None:
    store = DirectoryStore(tmp_path / "s")
    blob = b"blob"
    shard = hashlib.sha256(blob).hexdigest()[:2]
    (tmp_path / "s" / shard).write_text("a file where the shard directory belongs")
    with pytest.raises(StoreUnavailable, match="cannot write"):
        store.put(blob)
    assert sorted(p.name for p in (tmp_path / "s").rglob("*")) == [shard]
