"""The tablet's access log: every emergency access goes here first, then to the ledger.

One SQLite file. Each row is one access event, encrypted at rest with AES-256-GCM under a key
derived (HKDF-SHA256) from the responder's signing key, so the file alone tells nothing but
random event ids and whether each was sent. The event id is the ledger entry's 16-byte nonce:
`flush` first looks for an entry of this responder with that nonce (a crash after the append
but before the row was marked), and appends only when there is none. So each event reaches
the ledger exactly once, however often `flush` runs or fails half-way. A refusal that may
not hold next time (a sequence race with the responder's other tablet) leaves it queued;
only a refusal the ledger will repeat (the band was revoked) marks it refused.

The same rows are the tablet's history of accesses (`history()`). No record content is ever
stored: only the patient's pseudonymous address, the band's id, the counter and the times.
"""

from __future__ import annotations

import enum
import hashlib
import hmac
import json
import os
import functools
import sqlite3
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from ledger_client.crypto import SigningKey
from ledger_client.ledger.codec import sign_entry
from ledger_client.ledger.entries import EmergencyAccess
from ledger_client.ledger.errors import LedgerError, Refusal, RefusedWrite
from ledger_client.ledger.protocol import Ledger

__all__ = ["AccessEvent", "EventState", "HistoryItem", "FlushReport", "Outbox", "OutboxError",
           "new_event_id"]

_INFO = b"ICEband/v1/responder-outbox"
_AAD = b"ICEband/v1/outbox-row:"
_EVENT_ID_LEN = 16
# Refusals that may not hold next time: a sequence race with this responder's other tablet,
# and a backend's code we do not know (an EVM revert without a reason). The event stays queued.
_TRANSIENT = frozenset({Refusal.BAD_SEQUENCE, Refusal.UNKNOWN})
_SEQUENCE_ATTEMPTS = 3    # tries of one event within one flush when the sequence races
_SCHEMA = """
CREATE TABLE IF NOT EXISTS events (
    event_id   BLOB PRIMARY KEY,
    queued_ms  INTEGER NOT NULL,
    nonce      BLOB NOT NULL,
    sealed     BLOB NOT NULL,
    state      TEXT NOT NULL DEFAULT 'queued',
    ledger_index INTEGER,
    detail     TEXT
);
CREATE TABLE IF NOT EXISTS counters (
    device_tag BLOB PRIMARY KEY,
    counter    INTEGER NOT NULL
)"""


class OutboxError(Exception):
    """The outbox file is unreadable with this responder's key (another responder's, or damaged)."""


class EventState(str, enum.Enum):
    QUEUED = "queued"
    SENT = "sent"
    REFUSED = "refused"      # the ledger will never take it (e.g. the band was revoked since)


def new_event_id() -> bytes:
    return os.urandom(_EVENT_ID_LEN)


@dataclass(frozen=True)
class AccessEvent:
    event_id: bytes
    patient: bytes
    device_id: bytes
    release_counter: int
    occurred_at_ms: int
    offline: bool

    def body(self) -> EmergencyAccess:
        return EmergencyAccess(patient=self.patient, device_id=self.device_id,
                               release_counter=self.release_counter, nonce=self.event_id,
                               occurred_at_ms=self.occurred_at_ms, offline=self.offline)

    def _to_json(self) -> bytes:
        return json.dumps({"patient": self.patient.hex(), "device_id": self.device_id.hex(),
                           "counter": self.release_counter, "at": self.occurred_at_ms,
                           "offline": self.offline}).encode()

    @classmethod
    def _from_json(cls, event_id: bytes, data: bytes) -> "AccessEvent":
        fields = json.loads(data)
        return cls(event_id, bytes.fromhex(fields["patient"]), bytes.fromhex(fields["device_id"]),
                   int(fields["counter"]), int(fields["at"]), bool(fields["offline"]))


@dataclass(frozen=True)
class HistoryItem:
    event: AccessEvent
    state: EventState
    ledger_index: int | None
    detail: str | None


@dataclass(frozen=True)
class FlushReport:
    sent: int = 0
    already_on_ledger: int = 0
    refused: int = 0
    still_queued: int = 0


def _locked(method):  # type: ignore[no-untyped-def]
    """One SQLite connection shared by the UI thread and the session worker: one at a time."""
    @functools.wraps(method)
    def wrapper(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        with self._lock:
            return method(self, *args, **kwargs)
    return wrapper


def _row_key(responder_key: SigningKey) -> bytes:
    return HKDF(hashes.SHA256(), 32, salt=None, info=_INFO).derive(responder_key.to_bytes())


class Outbox:
    """The encrypted access log of one responder on this tablet."""

    def __init__(self, path: str | os.PathLike[str], responder_key: SigningKey) -> None:
        self.path = Path(path)
        self._lock = threading.RLock()
        row_key = _row_key(responder_key)
        self._aead = AESGCM(row_key)
        self._tag_key = hashlib.sha256(b"ICEband/v1/outbox-device-tag:" + row_key).digest()
        self._signer = responder_key
        self._author = responder_key.verify_key.to_bytes()
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA secure_delete=ON")  # freed pages are zeroed, not left behind
        self._db.executescript(_SCHEMA)
        os.chmod(self.path, 0o600)

    @_locked
    def add(self, event: AccessEvent) -> None:
        """Queue an event; adding the same event id again changes nothing."""
        if len(event.event_id) != _EVENT_ID_LEN:
            raise ValueError(f"event ids are {_EVENT_ID_LEN} bytes")
        nonce = os.urandom(12)
        sealed = self._aead.encrypt(nonce, event._to_json(), _AAD + event.event_id)
        self._db.execute("INSERT OR IGNORE INTO events (event_id, queued_ms, nonce, sealed) "
                         "VALUES (?, ?, ?, ?)",
                         (event.event_id, int(time.time() * 1000), nonce, sealed))

    def _open(self, event_id: bytes, nonce: bytes, sealed: bytes) -> AccessEvent:
        try:
            return AccessEvent._from_json(event_id, self._aead.decrypt(nonce, sealed,
                                                                      _AAD + event_id))
        except InvalidTag:
            raise OutboxError(f"{self.path} was not written with this responder's key "
                              "(or is damaged)") from None

    @_locked
    def history(self) -> list[HistoryItem]:
        """Every access of this responder on this tablet, newest first."""
        rows = self._db.execute("SELECT event_id, nonce, sealed, state, ledger_index, detail "
                                "FROM events ORDER BY queued_ms DESC, rowid DESC").fetchall()
        return [HistoryItem(self._open(r[0], r[1], r[2]), EventState(r[3]), r[4], r[5])
                for r in rows]

    @_locked
    def pending(self) -> list[AccessEvent]:
        rows = self._db.execute("SELECT event_id, nonce, sealed FROM events WHERE state = ? "
                                "ORDER BY queued_ms, rowid", (EventState.QUEUED.value,))
        return [self._open(*row) for row in rows.fetchall()]

    @_locked
    def _mark(self, event_id: bytes, state: EventState, index: int | None,
              detail: str | None = None) -> None:
        self._db.execute("UPDATE events SET state = ?, ledger_index = ?, detail = ? "
                         "WHERE event_id = ?", (state.value, index, detail, event_id))

    def _find_on_ledger(self, ledger: Ledger, event: AccessEvent) -> int | None:
        for logged in ledger.entries(patient=event.patient):
            entry = logged.entry
            if (isinstance(entry.body, EmergencyAccess) and entry.author == self._author
                    and entry.body.nonce == event.event_id):
                return logged.index
        return None

    @_locked
    def flush(self, ledger: Ledger) -> FlushReport:
        """Send every queued event once. Stops quietly at the first sign the ledger is away.
        A transient refusal (`_TRANSIENT`) leaves the event queued, with the reason as its
        detail; only a refusal the ledger will repeat marks it refused."""
        sent = already = refused = kept = 0
        pending = self.pending()
        for position, event in enumerate(pending):
            try:
                found, index = self._deliver(ledger, event)
            except RefusedWrite as exc:
                if exc.reason in _TRANSIENT:
                    self._mark(event.event_id, EventState.QUEUED, None, str(exc))
                    kept += 1
                else:
                    self._mark(event.event_id, EventState.REFUSED, None, str(exc))
                    refused += 1
                continue
            except (LedgerError, OSError, ConnectionError):  # away, or answering nonsense
                return FlushReport(sent, already, refused, kept + len(pending) - position)
            self._mark(event.event_id, EventState.SENT, index)
            if found:
                already += 1
            else:
                sent += 1
        return FlushReport(sent, already, refused, kept)

    def _deliver(self, ledger: Ledger, event: AccessEvent) -> tuple[bool, int]:
        """(already on the ledger, ledger index). A BAD_SEQUENCE (this responder appended
        from another tablet between `next_sequence` and `append`) is retried with a fresh
        sequence, after looking again for the event, at most `_SEQUENCE_ATTEMPTS` times; the
        last refusal is raised."""
        for attempt in range(1, _SEQUENCE_ATTEMPTS + 1):
            index = self._find_on_ledger(ledger, event)
            if index is not None:
                return True, index
            entry = sign_entry(event.body(), signer=self._signer, author=self._author,
                               sequence=ledger.next_sequence(self._author),
                               timestamp_ms=int(time.time() * 1000))
            try:
                return False, ledger.append(entry).index
            except RefusedWrite as exc:
                if exc.reason is not Refusal.BAD_SEQUENCE or attempt == _SEQUENCE_ATTEMPTS:
                    raise
        raise AssertionError("unreachable")  # pragma: no cover

    @_locked
    def sync(self, open_ledger: Callable[[], Ledger]) -> FlushReport:
        """Opens the ledger and flushes; an unreachable ledger leaves everything queued."""
        try:
            ledger = open_ledger()
        except (LedgerError, OSError, ConnectionError):
            return FlushReport(still_queued=len(self.pending()))
        try:
            return self.flush(ledger)
        finally:
            ledger.close()

    # Release counters seen per band, so a replayed release is refused even offline. The band's
    # id is stored only as a keyed hash: the file does not say which bands this tablet read.
    def _device_tag(self, device_id: bytes) -> bytes:
        return hmac.new(self._tag_key, device_id, hashlib.sha256).digest()

    @_locked
    def last_counter(self, device_id: bytes) -> int:
        row = self._db.execute("SELECT counter FROM counters WHERE device_tag = ?",
                               (self._device_tag(device_id),)).fetchone()
        return int(row[0]) if row else 0

    @_locked
    def remember_counter(self, device_id: bytes, counter: int) -> None:
        self._db.execute("INSERT INTO counters (device_tag, counter) VALUES (?, ?) "
                         "ON CONFLICT(device_tag) DO UPDATE SET counter = "
                         "max(counter, excluded.counter)", (self._device_tag(device_id), counter))

    @_locked
    def close(self) -> None:
        self._db.close()
