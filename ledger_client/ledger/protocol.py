"""The ledger API shared by every backend: entry kinds, typed entries, errors, `open_ledger`.

A ledger is an append-only list of signed entries. Each entry is written by an *author*
(an Ed25519 public key, 32 bytes) and carries a per-author `sequence` number that must be
exactly one more than the author's previous entry, so a replayed or re-ordered entry is
refused. The backend enforces who may write what (see docs/ledger.md, "Write rules") and
raises `RefusedWrite` without changing anything when a rule is broken.

Identifiers used throughout:
- a *patient* is its 20-byte ledger address (`ledger_client.crypto.address_bytes` of the
  patient's identity key); hospitals, agencies and responders are their 32-byte Ed25519
  public keys;
- a *device id* is the band's opaque id (1-32 bytes, from the firmware);
- times are integer milliseconds since the Unix epoch (UTC).

Backends are chosen by URL: `sqlite:///path/to/ledger.db` (the embedded transparent log) and,
registered by their own modules, the EVM backends. Backends that keep a Merkle tree serve
signed checkpoints and proofs (`capabilities.proofs`); the others raise `Unsupported`.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from enum import IntEnum
from typing import Callable, Iterator, Protocol, Sequence, runtime_checkable

from ledger_client.ledger.checkpoint import Checkpoint
from ledger_client.ledger.entries import (
    BREAK_GLASS_QUORUM, AgencyKeyRotated, AgencyRegistered, Approval, Body, BreakGlass,
    DeviceRegistered, DeviceRevoked, EmergencyAccess, EntryKind, HospitalGranted,
    HospitalRevoked, LoggedEntry, PatientRegistered, RecordAnchored, ResponderRegistered,
    ResponderRevoked, SignedEntry)
from ledger_client.ledger.errors import (
    BadCheckpoint, LedgerCorrupt, LedgerError, LedgerUnavailable, MalformedEntry, ProofError,
    Refusal, RefusedWrite, UnknownBackend, Unsupported)

__all__ = [
    # entry model (ledger_client.ledger.entries)
    "EntryKind", "Body", "SignedEntry", "LoggedEntry", "Approval",
    "PatientRegistered", "HospitalGranted", "HospitalRevoked", "RecordAnchored",
    "DeviceRegistered", "DeviceRevoked", "AgencyRegistered", "AgencyKeyRotated",
    "ResponderRegistered", "ResponderRevoked", "EmergencyAccess", "BreakGlass",
    "BREAK_GLASS_QUORUM",
    # answers
    "Receipt", "RecordAnchor", "ResponderStatus", "Capabilities", "Checkpoint",
    # errors (ledger_client.ledger.errors)
    "LedgerError", "MalformedEntry", "RefusedWrite", "Refusal", "Unsupported",
    "UnknownBackend", "LedgerUnavailable", "ProofError", "BadCheckpoint", "LedgerCorrupt",
    # API
    "Ledger", "open_ledger", "register_backend",
]

# --- answers ------------------------------------------------------------------------------

@dataclass(frozen=True)
class Receipt:
    """Where an appended entry landed. `checkpoint` covers it (None without proofs)."""
    index: int
    checkpoint: Checkpoint | None


@dataclass(frozen=True)
class RecordAnchor:
    """The latest anchor of a patient's record, as the ledger holds it."""
    index: int
    patient: bytes
    record_id: str
    version: int
    ciphertext_sha256: bytes
    sealed_pointer: bytes
    hospital: bytes
    timestamp_ms: int


class ResponderStatus(IntEnum):
    UNKNOWN = 0
    ACTIVE = 1
    REVOKED = 2
    AGENCY_UNKNOWN = 3   # registered by a key that is not (or no longer) a registered agency


@dataclass(frozen=True)
class Capabilities:
    """What a backend can do beyond the common API."""
    proofs: bool          # signed checkpoints, inclusion and consistency proofs; such a
                          # backend also has `public_key: bytes` (its checkpoint key)
    local_file: bool      # the whole ledger is one local file (verify it offline)


# --- the API --------------------------------------------------------------------------------

@runtime_checkable
class Ledger(Protocol):
    """What every backend implements. All methods may raise `LedgerUnavailable`."""

    @property
    def capabilities(self) -> Capabilities: ...

    def append(self, entry: SignedEntry) -> Receipt:
        """Check the signature and the write rules, then append atomically, or raise
        `RefusedWrite` and change nothing."""

    def append_batch(self, entries: Sequence[SignedEntry]) -> list[Receipt]:
        """All or nothing: rules apply in order (later entries see earlier ones)."""

    def size(self) -> int: ...

    def entry(self, index: int) -> SignedEntry:
        """The entry at `index`; `IndexError` when out of range."""

    def entries(self, patient: bytes | None = None, start: int = 0) -> Iterator[LoggedEntry]:
        """Entries from `start` in log order; with `patient`, only those about that patient
        (its registration, grants and revocations, anchors, devices, accesses, break-glass)."""

    def next_sequence(self, author: bytes) -> int:
        """The sequence number the author's next entry must carry."""

    def latest_record(self, patient: bytes, record_id: str | None = None) -> RecordAnchor | None:
        """The newest anchor of `record_id` (of any record id when None)."""

    def emergency_key(self, patient: bytes) -> bytes | None:
        """The registered patient's EK public key, None when not registered."""

    def is_granted(self, patient: bytes, hospital: bytes) -> bool: ...

    def is_device_revoked(self, device_id: bytes) -> bool: ...

    def responder_status(self, responder: bytes) -> ResponderStatus: ...

    def agency_recipient_key(self, agency: bytes) -> bytes | None:
        """The agency's current HPKE recipient key, None when not registered."""

    def checkpoint(self) -> Checkpoint:
        """A signed checkpoint of the current tree (`Unsupported` without proofs)."""

    def inclusion_proof(self, index: int, tree_size: int) -> list[bytes]:
        """Audit path of leaf `index` in the tree of `tree_size` (`Unsupported` without proofs)."""

    def consistency_proof(self, old_size: int, new_size: int) -> list[bytes]:
        """RFC 9162 consistency proof (`Unsupported` without proofs)."""

    def close(self) -> None: ...


# Backends by URL scheme. A value is either a factory `(url, **options) -> Ledger` or the
# "module:function" path of one, imported on first use so optional backends cost nothing.
_EVM = "ledger_client.evm.connect:open_evm_ledger"
_BACKENDS: dict[str, Callable[..., Ledger] | str] = {
    "sqlite": "ledger_client.ledger.sqlite:open_sqlite_ledger",
    # evm+http(s)://HOST:PORT/0xCONTRACT a deployed contract; evm+tester:// an in-process
    # chain; evm+anvil a local Anvil node started (and stopped at exit) for this process.
    "evm+http": _EVM,
    "evm+https": _EVM,
    "evm+tester": _EVM,
    "evm+anvil": _EVM,
}


def register_backend(scheme: str, factory: Callable[..., Ledger] | str) -> None:
    """Make `open_ledger` use `factory` for URLs `scheme://...`."""
    _BACKENDS[scheme.lower()] = factory


def open_ledger(url: str, **options: object) -> Ledger:
    """Open the ledger at `url`: `sqlite:///abs/path.db` or `sqlite:relative.db`, or a
    registered scheme. Options go to the backend's factory."""
    scheme, sep, _ = url.partition(":")
    if not sep and url.lower() in _BACKENDS:  # a bare scheme, e.g. `--ledger evm+anvil`
        url = url + "://"
    elif not sep:
        raise UnknownBackend(f"not a ledger URL (expected scheme:...): {url!r}")
    factory = _BACKENDS.get(scheme.lower())
    if factory is None:
        known = ", ".join(sorted(_BACKENDS))
        raise UnknownBackend(f"no ledger backend for scheme {scheme!r} (known: {known})")
    if isinstance(factory, str):
        module_name, _, attr = factory.partition(":")
        factory = getattr(importlib.import_module(module_name), attr)
    return factory(url, **options)
