"""The default record store: one file per blob under a directory, `ab/cdef...` by hex digest.

Writes are atomic (a temp file in the same directory, fsync, rename), so a reader never sees a
half-written blob and a crash leaves either no blob or the whole one.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
from pathlib import Path

from ledger_client.store.base import BlobMissing, HashMismatch, StoreUnavailable

__all__ = ["DirectoryStore", "open_directory_store"]

_DIGEST_SIZE = 32


def _check_digest(digest: object) -> bytes:
    if not isinstance(digest, bytes) or len(digest) != _DIGEST_SIZE:
        raise ValueError(f"a record digest is {_DIGEST_SIZE} bytes of SHA-256")
    return digest


class DirectoryStore:
    def __init__(self, root: Path | str, *, create: bool = True) -> None:
        self.root = Path(root)
        if self.root.exists() and not self.root.is_dir():
            raise StoreUnavailable(f"record store {self.root} is not a directory")
        try:
            if create:
                self.root.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise StoreUnavailable(f"cannot use record store {self.root}: {exc.strerror}") from None
        if not self.root.is_dir():
            raise StoreUnavailable(f"no record store at {self.root}")

    def _path(self, digest: bytes) -> Path:
        name = _check_digest(digest).hex()
        return self.root / name[:2] / name[2:]

    def put(self, blob: bytes) -> bytes:
        digest = hashlib.sha256(blob).digest()
        path = self._path(digest)
        if path.exists():
            return digest  # content-addressed: same digest, same bytes (get re-checks)
        temp = path.with_name(f".{path.name}.{os.urandom(6).hex()}.tmp")
        made_folder = not path.parent.exists()
        try:
            path.parent.mkdir(exist_ok=True)
            with open(temp, "xb") as out:
                out.write(blob)
                out.flush()
                os.fsync(out.fileno())
            os.replace(temp, path)
        except OSError as exc:
            # A refused write leaves the store as it was: no temp file, no new empty folder.
            with contextlib.suppress(OSError):
                temp.unlink(missing_ok=True)
            if made_folder:
                with contextlib.suppress(OSError):  # another writer's blob may live there now
                    path.parent.rmdir()
            raise StoreUnavailable(f"cannot write to record store {self.root}: {exc.strerror}") from None
        return digest

    def get(self, digest: bytes) -> bytes:
        path = self._path(digest)
        try:
            blob = path.read_bytes()
        except FileNotFoundError:
            raise BlobMissing(digest) from None
        except OSError as exc:
            raise StoreUnavailable(f"cannot read record store {self.root}: {exc.strerror}") from None
        actual = hashlib.sha256(blob).digest()
        if actual != digest:
            raise HashMismatch(digest, actual)
        return blob

    def __contains__(self, digest: object) -> bool:
        try:
            return self._path(_check_digest(digest)).exists()
        except ValueError:
            return False


def open_directory_store(url: str) -> DirectoryStore:
    """`file:///abs/dir` -> DirectoryStore("/abs/dir")."""
    if not url.startswith("file://"):
        raise StoreUnavailable(f"not a file store URL: {url!r}")
    return DirectoryStore(url[len("file://"):])
