"""Full verification of a SQLite ledger file, from nothing but the file (and, best, a pinned
ledger public key): every entry decodes canonically, every signature verifies, every write
rule holds in log order, every stored tree node equals the recomputed one, and the derived
index tables equal what the entries imply. The first problem raises `LedgerCorrupt`.
"""

from __future__ import annotations

import hashlib
import sqlite3
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable
from urllib.parse import quote

from ledger_client.ledger import rules
from ledger_client.ledger.codec import decode_entry
from ledger_client.ledger.errors import LedgerCorrupt, MalformedEntry, RefusedWrite
from ledger_client.ledger.merkle import EMPTY_ROOT, fold, hash_children, hash_leaf
from ledger_client.ledger.signatures import SignaturePool
from ledger_client.ledger.sqlite_schema import (
    BREAK_GLASS_TABLE, SCHEMA_VERSION, has_table, node_row_id)

__all__ = ["VerifyReport", "verify_ledger_file"]

Progress = Callable[[int, int], None]
_CHUNK = 4096


@dataclass(frozen=True)
class VerifyReport:
    tree_size: int
    root_hash: bytes
    public_key: bytes
    seconds: float


def _open_read_only(path: Path) -> sqlite3.Connection:
    if not path.exists():
        raise LedgerCorrupt(None, f"no ledger file at {path}")
    db = sqlite3.connect(f"file:{quote(str(path.resolve()))}?mode=ro", uri=True)
    db.text_factory = bytes  # a blob altered into TEXT still reads as bytes
    return db


def verify_ledger_file(path: Path | str, *, public_key: bytes | None = None,
                       progress: Progress | None = None, workers: int = 1) -> VerifyReport:
    """Raise `LedgerCorrupt` at the first problem; return the verified size and root.
    `workers` > 1 checks signatures on that many processes while this one does the rest."""
    started = time.perf_counter()
    db = _open_read_only(Path(path))
    try:
        with SignaturePool(workers) as signatures:
            return _verify(db, public_key, progress, started, signatures)
    except sqlite3.DatabaseError as exc:
        raise LedgerCorrupt(None, f"the SQLite file is damaged: {exc}") from None
    finally:
        db.close()


def _bad_signature_before(signatures: SignaturePool, parts: list, first: int, limit: int) -> None:  # type: ignore[type-arg]
    """Raise for the chunk's first bad signature if it comes before position `limit`."""
    bad = signatures.first_bad(parts)
    if bad is not None and bad <= limit:
        raise LedgerCorrupt(first + bad, "signature does not verify with the author's key")


def _verify(db: sqlite3.Connection, pinned: bytes | None, progress: Progress | None,
            started: float, signatures: SignaturePool) -> VerifyReport:
    meta = {bytes(name).decode(errors="replace"): value
            for name, value in db.execute("SELECT name, value FROM meta")}
    if meta.get("schema_version") != str(SCHEMA_VERSION).encode():
        raise LedgerCorrupt(None, "bad or missing schema version in the metadata")
    stored_key = bytes(meta.get("public_key", b""))
    if len(stored_key) != 32 or (pinned is not None and stored_key != pinned):
        raise LedgerCorrupt(None, "the ledger's public key is not the pinned one")
    total, top = db.execute("SELECT COUNT(*), COALESCE(MAX(idx) + 1, 0) FROM entries").fetchone()
    if total != top:
        raise LedgerCorrupt(None, f"entry indexes are not contiguous ({total} rows, top {top})")

    state = rules.MemoryState()
    frontier: list[tuple[int, bytes]] = []
    node_lookup = db.cursor()
    nodes_seen = 0
    patient_digest = hashlib.sha256()
    cursor = db.execute("SELECT idx, data FROM entries ORDER BY idx")
    size = 0
    while rows := cursor.fetchmany(_CHUNK):
        first = size
        parts = signatures.submit([bytes(data) for _, data in rows])
        for index, data in rows:
            if index != size:
                raise LedgerCorrupt(size, "entry missing")
            try:
                entry = decode_entry(data)
                rules.check(entry, state, signature=False)
            except MalformedEntry as exc:
                _bad_signature_before(signatures, parts, first, index - first)
                raise LedgerCorrupt(index, f"not a canonical entry: {exc}") from None
            except RefusedWrite as exc:
                _bad_signature_before(signatures, parts, first, index - first)
                raise LedgerCorrupt(index, f"breaks a write rule: {exc}") from None
            rules.apply(entry, index, state)
            patient = rules.patient_of(entry)
            if patient is not None:
                patient_digest.update(patient + index.to_bytes(8, "big"))
            frontier.append((0, hash_leaf(data)))
            size += 1
            while len(frontier) >= 2 and frontier[-1][0] == frontier[-2][0]:
                level, right = frontier.pop()
                _, left = frontier.pop()
                parent = hash_children(left, right)
                row = node_lookup.execute("SELECT hash FROM nodes WHERE id = ?", (
                    node_row_id(level + 1, (size >> (level + 1)) - 1),)).fetchone()
                if row is None or row[0] != parent:
                    _bad_signature_before(signatures, parts, first, index - first)
                    raise LedgerCorrupt(size - 1, f"stored tree node at level {level + 1} "
                                                  "does not match the entries")
                nodes_seen += 1
                frontier.append((level + 1, parent))
        _bad_signature_before(signatures, parts, first, len(rows))
        if progress is not None:
            progress(size, total)
    stored_nodes = db.execute("SELECT COUNT(*) FROM nodes").fetchone()[0]
    if stored_nodes != nodes_seen:
        raise LedgerCorrupt(None, f"{stored_nodes - nodes_seen} tree nodes match no entries")
    _compare_derived(db, state, patient_digest.digest())
    root = fold([h for _, h in frontier]) if frontier else EMPTY_ROOT
    return VerifyReport(size, root, stored_key, time.perf_counter() - started)


def _compare_derived(db: sqlite3.Connection, state: rules.MemoryState, patient_digest: bytes) -> None:
    expected: dict[str, set[tuple]] = {
        "authors": set(state.sequences.items()),
        "patients": set(state.patients.items()),
        "grants": {(p, h, int(g)) for (p, h), g in state.grants.items()},
        "records": {(p, r.encode(), v, i) for (p, r), (v, i) in state.records.items()},
        "devices": {(d, p, int(r)) for d, (p, r) in state.devices.items()},
        "agencies": set(state.agencies.items()),
        "responders": {(r, a, int(x)) for r, (a, x) in state.responders.items()},
    }
    if has_table(db, BREAK_GLASS_TABLE):  # absent from a file not opened since it was added
        expected[BREAK_GLASS_TABLE] = {(p, n, i) for (p, n), i in state.break_glass.items()}
    for table, rows in expected.items():
        stored = {tuple(bytes(v) if isinstance(v, (bytes, memoryview)) else v for v in row)
                  for row in db.execute(f"SELECT * FROM {table}")}  # table names are ours
        if stored != rows:
            raise LedgerCorrupt(None, f"the derived table {table!r} does not match the entries")
    digest = hashlib.sha256()
    for patient, index in db.execute("SELECT patient, idx FROM patient_entries ORDER BY idx"):
        digest.update(bytes(patient) + index.to_bytes(8, "big"))
    if digest.digest() != patient_digest:
        raise LedgerCorrupt(None, "the derived table 'patient_entries' does not match the entries")
