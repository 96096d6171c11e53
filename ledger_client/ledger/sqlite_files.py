"""Where a SQLite ledger lives: its URL, its file, and its checkpoint key next to it."""

from __future__ import annotations

import os
from pathlib import Path

from ledger_client.crypto import SigningKey
from ledger_client.ledger.errors import LedgerError, LedgerUnavailable

__all__ = ["path_from_url", "default_key_path", "load_or_create_key"]


def path_from_url(url: str) -> Path:
    """`sqlite:///abs/path.db` -> /abs/path.db; `sqlite:rel.db` -> rel.db."""
    scheme, _, rest = url.partition(":")
    if scheme.lower() != "sqlite" or not rest:
        raise LedgerUnavailable(f"not a sqlite ledger URL: {url!r}")
    if rest.startswith("///"):
        return Path("/" + rest.lstrip("/"))
    if rest.startswith("//"):
        raise LedgerUnavailable(f"sqlite ledger URLs have no host: use sqlite:///path ({url!r})")
    return Path(rest)


def default_key_path(db_path: Path) -> Path:
    return db_path.with_name(db_path.name + ".key")


def load_or_create_key(key_path: Path, create: bool) -> SigningKey:
    if key_path.exists():
        seed = key_path.read_bytes()
        if len(seed) != 32:
            raise LedgerError(f"ledger key file {key_path} is not a 32-byte Ed25519 seed")
        return SigningKey.from_bytes(seed)
    if not create:
        raise LedgerUnavailable(f"ledger key file {key_path} is missing")
    key = SigningKey.generate()
    tmp = key_path.with_name(key_path.name + ".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as out:
        out.write(key.to_bytes())
        out.flush()
        os.fsync(out.fileno())
    os.replace(tmp, key_path)
    return key
