"""The embedded ledger: one SQLite file (WAL), a transparent log in the manner of RFC 9162.

Every append runs in one `BEGIN IMMEDIATE` transaction (a batch too): signature, write rules,
the entry row, the new perfect-subtree hashes and the derived indexes, all or nothing. A crash
at any point leaves the last committed state, which `verify` accepts. The ledger's Ed25519 key
signs checkpoints; by default it lives next to the database in `<file>.key` (mode 0600).
"""

from __future__ import annotations

import sqlite3
import threading
import time
from pathlib import Path
from typing import Iterator, Sequence

from ledger_client.crypto import SigningKey
from ledger_client.ledger import rules
from ledger_client.ledger.checkpoint import Checkpoint, sign_checkpoint
from ledger_client.ledger.codec import decode_entry, encode_entry
from ledger_client.ledger.entries import (
    AgencyKeyRotated, AgencyRegistered, LoggedEntry, PatientRegistered, RecordAnchored,
    SignedEntry)
from ledger_client.ledger.errors import (
    LedgerCorrupt, LedgerError, LedgerUnavailable, MalformedEntry, ProofError, Refusal,
    RefusedWrite)
from ledger_client.ledger.merkle import (
    EMPTY_ROOT, NodeId, consistency_plan, fold, hash_children, hash_leaf, inclusion_plan, range_nodes, resolve,
    root_of)
from ledger_client.ledger.protocol import (
    Capabilities, Receipt, RecordAnchor, ResponderStatus)
from ledger_client.ledger.signatures import SignaturePool
from ledger_client.ledger.sqlite_files import default_key_path, load_or_create_key, path_from_url
from ledger_client.ledger.sqlite_schema import (
    BREAK_GLASS_TABLE, SCHEMA, SCHEMA_VERSION, SqliteState, backfill_break_glass, has_table, node_row_id)

__all__ = ["SqliteLedger", "open_sqlite_ledger", "path_from_url", "default_key_path"]

_CHUNK = 512  # rows fetched at a time when iterating


class SqliteLedger:
    """`Ledger` over one SQLite file. Thread-safe (one lock); use `close()` or `with`."""

    capabilities = Capabilities(proofs=True, local_file=True)

    def __init__(self, path: Path | str, *, signing_key: SigningKey | None = None,
                 create: bool = True, key_path: Path | None = None,
                 signature_workers: int = 1) -> None:
        self.path = Path(path)
        if not create and not self.path.exists():
            raise LedgerUnavailable(f"no ledger at {self.path}")
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._db = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False)
            self._db.text_factory = bytes  # a blob altered into TEXT still reads as bytes
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=NORMAL")  # WAL: a crash loses no committed order
            older_file = has_table(self._db, "entries") and not has_table(self._db, BREAK_GLASS_TABLE)
            self._db.executescript(SCHEMA)
            if older_file:
                backfill_break_glass(self._db)
        except sqlite3.Error as exc:
            raise LedgerUnavailable(f"cannot open ledger {self.path}: {exc}") from None
        self._lock = threading.RLock()
        self._key = signing_key
        self._key_path = key_path or default_key_path(self.path)
        self._create = create
        # Batches of >= 256 entries check signatures on this many processes (1: inline).
        self._signatures = SignaturePool(signature_workers)
        self._size = 0
        self._frontier: list[tuple[int, bytes]] = []  # (level, hash) of the right edge
        try:
            self.public_key = self._init_meta()
            self._refresh()
        except (LedgerError, sqlite3.Error) as exc:
            self._db.close()
            if isinstance(exc, LedgerError):
                raise
            raise LedgerUnavailable(f"cannot read ledger {self.path}: {exc}") from None

    # --- setup -------------------------------------------------------------------------
    def _init_meta(self) -> bytes:
        stored = {bytes(name).decode(errors="replace"): value
                  for name, value in self._db.execute("SELECT name, value FROM meta")}
        if stored:
            if stored.get("schema_version") != str(SCHEMA_VERSION).encode():
                raise LedgerError(f"{self.path}: unsupported or damaged ledger schema version")
            public = bytes(stored.get("public_key", b""))
            if len(public) != 32:
                raise LedgerError(f"{self.path}: the ledger's public key is missing or damaged")
            if self._key is not None and self._key.verify_key.to_bytes() != public:
                raise LedgerError(f"{self.path}: the given key is not this ledger's key")
            return public
        key = self._signing_key()
        public = key.verify_key.to_bytes()
        self._db.executemany("INSERT INTO meta VALUES (?, ?)",
                             [(b"schema_version", str(SCHEMA_VERSION).encode()),
                              (b"public_key", public)])
        return public

    def _signing_key(self) -> SigningKey:
        if self._key is None:
            self._key = load_or_create_key(self._key_path, self._create)
        return self._key

    def _refresh(self) -> int:
        """Catch up with appends made by other connections (other processes) to the file."""
        size = self._db.execute("SELECT COALESCE(MAX(idx) + 1, 0) FROM entries").fetchone()[0]
        if size != self._size or len(self._frontier) != bin(size).count("1"):
            self._frontier = [(node.level, self.node_hash(node)) for node in range_nodes(0, size)]
            self._size = size
        return size

    # --- storage: "hash of node id" ------------------------------------------------------
    def node_hash(self, node: NodeId) -> bytes:
        if node.level == 0:
            row = self._db.execute("SELECT data FROM entries WHERE idx = ?", (node.index,)).fetchone()
        else:
            row = self._db.execute("SELECT hash FROM nodes WHERE id = ?",
                                   (node_row_id(node.level, node.index),)).fetchone()
        if row is None:
            raise LedgerCorrupt(node.index << node.level, f"missing tree node {node}")
        return hash_leaf(row[0]) if node.level == 0 else bytes(row[0])

    def node_hashes(self, nodes: list[NodeId]) -> dict[NodeId, bytes]:
        """Many node hashes in two queries (leaves and inner nodes): fast proofs."""
        leaves = [node.index for node in nodes if node.level == 0]
        inner = {node_row_id(node.level, node.index): node for node in nodes if node.level}
        found: dict[NodeId, bytes] = {}
        if leaves:
            marks = ",".join("?" * len(leaves))
            for index, data in self._db.execute(
                    f"SELECT idx, data FROM entries WHERE idx IN ({marks})", leaves):
                found[NodeId(0, index)] = hash_leaf(data)
        if inner:
            marks = ",".join("?" * len(inner))
            for row_id, digest in self._db.execute(
                    f"SELECT id, hash FROM nodes WHERE id IN ({marks})", list(inner)):
                found[inner[row_id]] = bytes(digest)
        for node in nodes:
            if node not in found:
                raise LedgerCorrupt(node.index << node.level, f"missing tree node {node}")
        return found

    def _resolve(self, plan: list[list[NodeId]]) -> list[bytes]:
        fetched = self.node_hashes([node for element in plan for node in element])
        return resolve(plan, fetched.__getitem__)

    # --- writes --------------------------------------------------------------------------
    def append(self, entry: SignedEntry) -> Receipt:
        return self._append_all([entry], batch=False)[0]

    def append_batch(self, entries: Sequence[SignedEntry]) -> list[Receipt]:
        return self._append_all(list(entries), batch=True)

    def _append_all(self, entries: list[SignedEntry], *, batch: bool) -> list[Receipt]:
        if not entries:
            return []
        encoded = []
        for position, entry in enumerate(entries):
            try:
                encoded.append(encode_entry(entry))
            except MalformedEntry as exc:
                raise RefusedWrite(Refusal.MALFORMED, str(exc), position if batch else None) from None
        # Signatures are checked on the worker processes while this one applies the rules;
        # the transaction commits only once every signature has verified.
        pending = self._signatures.submit(encoded)
        with self._lock:
            state = SqliteState(self._db)
            self._db.execute("BEGIN IMMEDIATE")
            try:
                self._refresh()  # under the write lock: nobody else can append now
                frontier, size = list(self._frontier), self._size
                for position, (entry, data) in enumerate(zip(entries, encoded)):
                    try:
                        rules.check(entry, state, signature=False)
                    except RefusedWrite as exc:
                        self._refuse_bad_signature(pending, position, batch)
                        raise RefusedWrite(exc.reason, exc.detail, position if batch else None) from None
                    rules.apply(entry, size, state)
                    self._db.execute("INSERT INTO entries VALUES (?, ?)", (size, data))
                    size = self._push_leaf(frontier, size, hash_leaf(data))
                self._refuse_bad_signature(pending, len(entries), batch)
                self._db.execute("COMMIT")
            except BaseException as exc:
                if self._db.in_transaction:  # a failed COMMIT (disk full) has rolled back already
                    self._db.execute("ROLLBACK")
                if isinstance(exc, sqlite3.Error):
                    raise LedgerUnavailable(f"cannot write the ledger {self.path}: {exc}; "
                                            "nothing was written") from None
                raise
            first = self._size
            self._frontier, self._size = frontier, size
            checkpoint = self._sign(size, self._root(frontier))
        return [Receipt(first + i, checkpoint) for i in range(len(entries))]

    def _refuse_bad_signature(self, pending: list, limit: int, batch: bool) -> None:  # type: ignore[type-arg]
        """Raise for the first bad signature at or before batch position `limit`."""
        bad = self._signatures.first_bad(pending)
        if bad is not None and bad <= limit:
            raise RefusedWrite(Refusal.BAD_SIGNATURE, "signature does not verify with the "
                               "author's key", bad if batch else None)

    def _push_leaf(self, frontier: list[tuple[int, bytes]], size: int, leaf: bytes) -> int:
        """Add a leaf to the right edge, storing each perfect subtree it completes."""
        frontier.append((0, leaf))
        size += 1
        while len(frontier) >= 2 and frontier[-1][0] == frontier[-2][0]:
            level, right = frontier.pop()
            _, left = frontier.pop()
            parent = hash_children(left, right)
            self._db.execute("INSERT INTO nodes VALUES (?, ?)",
                             (node_row_id(level + 1, (size >> (level + 1)) - 1), parent))
            frontier.append((level + 1, parent))
        return size

    @staticmethod
    def _root(frontier: list[tuple[int, bytes]]) -> bytes:
        return fold([h for _, h in frontier]) if frontier else EMPTY_ROOT

    def _sign(self, size: int, root: bytes) -> Checkpoint:
        return sign_checkpoint(self._signing_key(), self.public_key, size, root,
                               time.time_ns() // 1_000_000)

    # --- reads ---------------------------------------------------------------------------
    def size(self) -> int:
        with self._lock:
            return self._refresh()

    def entry(self, index: int) -> SignedEntry:
        row = self._db.execute("SELECT data FROM entries WHERE idx = ?", (index,)).fetchone()
        if row is None:
            raise IndexError(f"no entry {index} (ledger size {self._size})")
        return decode_entry(row[0])

    def encoded_entry(self, index: int) -> bytes:
        row = self._db.execute("SELECT data FROM entries WHERE idx = ?", (index,)).fetchone()
        if row is None:
            raise IndexError(f"no entry {index} (ledger size {self._size})")
        return bytes(row[0])

    def entries(self, patient: bytes | None = None, start: int = 0) -> Iterator[LoggedEntry]:
        args: tuple[object, ...]
        if patient is None:
            sql, args = "SELECT idx, data FROM entries WHERE idx >= ? ORDER BY idx", (start,)
        else:
            sql = ("SELECT e.idx, e.data FROM patient_entries p JOIN entries e ON e.idx = p.idx "
                   "WHERE p.patient = ? AND p.idx >= ? ORDER BY p.idx")
            args = (patient, start)
        cursor = self._db.execute(sql, args)
        while rows := cursor.fetchmany(_CHUNK):
            for index, data in rows:
                yield LoggedEntry(index, decode_entry(data))

    def next_sequence(self, author: bytes) -> int:
        return SqliteState(self._db).next_sequence(author)

    def latest_record(self, patient: bytes, record_id: str | None = None) -> RecordAnchor | None:
        if record_id is None:
            row = self._db.execute("SELECT idx FROM records WHERE patient = ? "
                                   "ORDER BY idx DESC LIMIT 1", (patient,)).fetchone()
        else:
            row = self._db.execute("SELECT idx FROM records WHERE patient = ? AND record_id = ?",
                                   (patient, record_id.encode())).fetchone()
        if row is None:
            return None
        logged = self.entry(row[0])
        body = logged.body
        if not isinstance(body, RecordAnchored) or body.patient != patient:
            raise LedgerCorrupt(row[0], "the records index points at an entry that is not this "
                                        "patient's anchor")
        return RecordAnchor(row[0], body.patient, body.record_id, body.version,
                            body.ciphertext_sha256, body.sealed_pointer, logged.author,
                            logged.timestamp_ms)

    def emergency_key(self, patient: bytes) -> bytes | None:
        row = self._db.execute("SELECT idx FROM patients WHERE patient = ?", (patient,)).fetchone()
        if row is None:
            return None
        logged = self.entry(row[0])
        if not isinstance(logged.body, PatientRegistered) or rules.address_of(logged.author) != patient:
            raise LedgerCorrupt(row[0], "the patients index points at the wrong entry")
        return logged.body.emergency_key

    def is_granted(self, patient: bytes, hospital: bytes) -> bool:
        return SqliteState(self._db).is_granted(patient, hospital)

    def is_device_revoked(self, device_id: bytes) -> bool:
        found = SqliteState(self._db).device(device_id)
        return found is not None and found[1]

    def device_patient(self, device_id: bytes) -> bytes | None:
        found = SqliteState(self._db).device(device_id)
        return None if found is None else found[0]

    def responder_status(self, responder: bytes) -> ResponderStatus:
        state = SqliteState(self._db)
        found = state.responder(responder)
        if found is None:
            return ResponderStatus.UNKNOWN
        if found[1]:
            return ResponderStatus.REVOKED
        return ResponderStatus.ACTIVE if state.is_agency(found[0]) else ResponderStatus.AGENCY_UNKNOWN

    def agency_recipient_key(self, agency: bytes) -> bytes | None:
        row = self._db.execute("SELECT idx FROM agencies WHERE agency = ?", (agency,)).fetchone()
        if row is None:
            return None
        logged = self.entry(row[0])
        if not isinstance(logged.body, (AgencyRegistered, AgencyKeyRotated)) or logged.author != agency:
            raise LedgerCorrupt(row[0], "the agencies index points at the wrong entry")
        return logged.body.recipient_key

    # --- proofs ---------------------------------------------------------------------------
    def checkpoint(self) -> Checkpoint:
        with self._lock:
            self._refresh()
            return self._sign(self._size, self._root(self._frontier))

    def inclusion_proof(self, index: int, tree_size: int) -> list[bytes]:
        if tree_size > self.size():
            raise ProofError(f"tree size {tree_size} is beyond the ledger's {self._size}")
        return self._resolve(inclusion_plan(index, tree_size))

    def consistency_proof(self, old_size: int, new_size: int) -> list[bytes]:
        if new_size > self.size():
            raise ProofError(f"tree size {new_size} is beyond the ledger's {self._size}")
        return self._resolve(consistency_plan(old_size, new_size))

    def root_at(self, tree_size: int) -> bytes:
        if not 0 <= tree_size <= self.size():
            raise ProofError(f"tree size {tree_size} is outside 0..{self._size}")
        return root_of(tree_size, self.node_hash)

    def close(self) -> None:
        with self._lock:
            self._signatures.close()
            self._db.close()

    def __enter__(self) -> "SqliteLedger":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def open_sqlite_ledger(url: str, **options: object) -> SqliteLedger:
    """Factory for `open_ledger("sqlite:///path")`; options go to `SqliteLedger`."""
    return SqliteLedger(path_from_url(url), **options)  # type: ignore[arg-type]
