"""The SQLite ledger's tables, and the write rules' `State` answered from them.

Only `entries` (the canonical signed entries, `idx` = leaf index) and `nodes` (hashes of
perfect subtrees of level >= 1; leaves are hashed from `entries` on demand) hold the log.
The other tables are indexes derived from the entries by `rules.apply`; `verify` rebuilds them
in memory and compares. Rows stay compact: no leaf-hash column, WITHOUT ROWID lookups.
"""

from __future__ import annotations

import sqlite3

from ledger_client.ledger.codec import decode_entry
from ledger_client.ledger.entries import BreakGlass, EntryKind
from ledger_client.ledger.errors import MalformedEntry

__all__ = ["SCHEMA_VERSION", "SCHEMA", "SqliteState", "node_row_id", "has_table",
           "backfill_break_glass"]

SCHEMA_VERSION = 1

SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (name BLOB PRIMARY KEY, value BLOB NOT NULL) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS entries (idx INTEGER PRIMARY KEY, data BLOB NOT NULL);
CREATE TABLE IF NOT EXISTS nodes (id INTEGER PRIMARY KEY, hash BLOB NOT NULL);
CREATE TABLE IF NOT EXISTS authors (author BLOB PRIMARY KEY, seq INTEGER NOT NULL) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS patients (patient BLOB PRIMARY KEY, idx INTEGER NOT NULL) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS grants (patient BLOB, hospital BLOB, granted INTEGER NOT NULL,
    PRIMARY KEY (patient, hospital)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS records (patient BLOB, record_id BLOB, version INTEGER NOT NULL,
    idx INTEGER NOT NULL, PRIMARY KEY (patient, record_id)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS devices (device_id BLOB PRIMARY KEY, patient BLOB NOT NULL,
    revoked INTEGER NOT NULL) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS agencies (agency BLOB PRIMARY KEY, idx INTEGER NOT NULL) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS responders (responder BLOB PRIMARY KEY, agency BLOB NOT NULL,
    revoked INTEGER NOT NULL) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS patient_entries (patient BLOB, idx INTEGER,
    PRIMARY KEY (patient, idx)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS break_glass (patient BLOB, nonce BLOB, idx INTEGER NOT NULL,
    PRIMARY KEY (patient, nonce)) WITHOUT ROWID;
"""

# `break_glass` came after version 1 files were written: a file opened without it gets the
# table filled from its entries (`backfill_break_glass`), so the schema version stays 1.
BREAK_GLASS_TABLE = "break_glass"

# The derived tables, in the order `verify` compares them, with their key columns.
DERIVED_TABLES = ("authors", "patients", "grants", "records", "devices", "agencies",
                  "responders", "break_glass", "patient_entries")


def has_table(db: sqlite3.Connection, name: str) -> bool:
    return db.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?",
                      (name,)).fetchone() is not None


def backfill_break_glass(db: sqlite3.Connection) -> None:
    """Fill a just-created `break_glass` table from the entries already in the file (the
    first of any duplicate logged before the rule existed keeps the row; `verify` reports
    the duplicate). Runs in its own write transaction."""
    db.execute("BEGIN IMMEDIATE")
    try:
        rows = db.execute("SELECT idx, data FROM entries WHERE substr(data, 2, 1) = ? "
                          "ORDER BY idx", (bytes([EntryKind.BREAK_GLASS]),)).fetchall()
        for index, data in rows:
            try:
                body = decode_entry(bytes(data)).body
            except MalformedEntry:
                continue  # a damaged entry: `verify` names it
            if isinstance(body, BreakGlass):
                db.execute("INSERT OR IGNORE INTO break_glass VALUES (?, ?, ?)",
                           (body.patient, body.nonce, index))
        db.execute("COMMIT")
    except BaseException:
        if db.in_transaction:
            db.execute("ROLLBACK")
        raise


def node_row_id(level: int, index: int) -> int:
    """One integer key per perfect subtree (level < 64)."""
    return (index << 6) | level


class SqliteState:
    """`rules.State` over the connection; runs inside the caller's transaction."""

    def __init__(self, db: sqlite3.Connection) -> None:
        self._db = db

    def _one(self, sql: str, *args: object) -> tuple | None:
        return self._db.execute(sql, args).fetchone()

    def next_sequence(self, author: bytes) -> int:
        row = self._one("SELECT seq FROM authors WHERE author = ?", author)
        return 0 if row is None else row[0] + 1

    def is_patient(self, patient: bytes) -> bool:
        return self._one("SELECT 1 FROM patients WHERE patient = ?", patient) is not None

    def is_granted(self, patient: bytes, hospital: bytes) -> bool:
        row = self._one("SELECT granted FROM grants WHERE patient = ? AND hospital = ?",
                        patient, hospital)
        return bool(row and row[0])

    def record_version(self, patient: bytes, record_id: str) -> int | None:
        row = self._one("SELECT version FROM records WHERE patient = ? AND record_id = ?",
                        patient, record_id.encode())
        return None if row is None else row[0]

    def device(self, device_id: bytes) -> tuple[bytes, bool] | None:
        row = self._one("SELECT patient, revoked FROM devices WHERE device_id = ?", device_id)
        return None if row is None else (row[0], bool(row[1]))

    def is_agency(self, agency: bytes) -> bool:
        return self._one("SELECT 1 FROM agencies WHERE agency = ?", agency) is not None

    def responder(self, responder: bytes) -> tuple[bytes, bool] | None:
        row = self._one("SELECT agency, revoked FROM responders WHERE responder = ?", responder)
        return None if row is None else (row[0], bool(row[1]))

    def break_glass_logged(self, patient: bytes, nonce: bytes) -> bool:
        return self._one("SELECT 1 FROM break_glass WHERE patient = ? AND nonce = ?",
                         patient, nonce) is not None

    def set_sequence(self, author: bytes, sequence: int) -> None:
        self._db.execute("INSERT OR REPLACE INTO authors VALUES (?, ?)", (author, sequence))

    def add_patient(self, patient: bytes, index: int) -> None:
        self._db.execute("INSERT INTO patients VALUES (?, ?)", (patient, index))

    def set_grant(self, patient: bytes, hospital: bytes, granted: bool) -> None:
        self._db.execute("INSERT OR REPLACE INTO grants VALUES (?, ?, ?)",
                         (patient, hospital, int(granted)))

    def set_record(self, patient: bytes, record_id: str, version: int, index: int) -> None:
        self._db.execute("INSERT OR REPLACE INTO records VALUES (?, ?, ?, ?)",
                         (patient, record_id.encode(), version, index))

    def set_device(self, device_id: bytes, patient: bytes, revoked: bool) -> None:
        self._db.execute("INSERT OR REPLACE INTO devices VALUES (?, ?, ?)",
                         (device_id, patient, int(revoked)))

    def set_agency(self, agency: bytes, index: int) -> None:
        self._db.execute("INSERT OR REPLACE INTO agencies VALUES (?, ?)", (agency, index))

    def set_responder(self, responder: bytes, agency: bytes, revoked: bool) -> None:
        self._db.execute("INSERT OR REPLACE INTO responders VALUES (?, ?, ?)",
                         (responder, agency, int(revoked)))

    def add_patient_entry(self, patient: bytes, index: int) -> None:
        self._db.execute("INSERT INTO patient_entries VALUES (?, ?)", (patient, index))

    def add_break_glass(self, patient: bytes, nonce: bytes, index: int) -> None:
        self._db.execute("INSERT INTO break_glass VALUES (?, ?, ?)", (patient, nonce, index))
