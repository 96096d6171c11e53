"""The ledger layer's errors: one base class, a typed refusal with a reason code."""

from __future__ import annotations

from enum import IntEnum

__all__ = [
    "LedgerError", "MalformedEntry", "RefusedWrite", "Refusal", "Unsupported",
    "UnknownBackend", "LedgerUnavailable", "ProofError", "BadCheckpoint", "LedgerCorrupt",
]


class LedgerError(Exception):
    """Base class of every ledger error."""


class MalformedEntry(LedgerError):
    """Bytes that are not a canonical encoding of an entry."""


class Refusal(IntEnum):
    """Why a write was refused."""
    MALFORMED = 1
    BAD_SIGNATURE = 2
    BAD_SEQUENCE = 3          # replayed, re-ordered or skipped
    NOT_AUTHORIZED = 4        # the author may not write this kind for this subject
    UNKNOWN_PATIENT = 5
    ALREADY_REGISTERED = 6
    NOT_GRANTED = 7
    STALE_VERSION = 8
    UNKNOWN_AGENCY = 9
    UNKNOWN_RESPONDER = 10
    REVOKED_RESPONDER = 11
    UNKNOWN_DEVICE = 12
    REVOKED_DEVICE = 13
    QUORUM_NOT_MET = 14
    REPLAYED_BREAK_GLASS = 15  # a break-glass (patient, nonce) already on the ledger
    UNKNOWN = 255             # a backend's code we do not know; still constructs

    @classmethod
    def _missing_(cls, value: object) -> "Refusal":
        return cls.UNKNOWN  # e.g. a newer contract's code: still a refusal, never a crash


class RefusedWrite(LedgerError):
    """The ledger refused an entry; nothing was written. `batch_index` is the position of the
    offending entry in an `append_batch` call (None for `append`)."""

    def __init__(self, reason: Refusal, detail: str, batch_index: int | None = None) -> None:
        self.reason = reason
        self.detail = detail
        self.batch_index = batch_index
        where = "" if batch_index is None else f" (batch entry {batch_index})"
        super().__init__(f"refused: {reason.name.lower()}: {detail}{where}")


class Unsupported(LedgerError):
    """The backend lacks the capability (e.g. Merkle proofs on a chain backend)."""


class UnknownBackend(LedgerError):
    """No backend is registered for the URL's scheme."""


class LedgerUnavailable(LedgerError):
    """The ledger cannot be opened or reached."""


class ProofError(LedgerError):
    """A proof does not lead to the expected root (or is malformed)."""

    def __init__(self, message: str, expected: bytes | None = None,
                 computed: bytes | None = None) -> None:
        detail = message
        if expected is not None and computed is not None:
            detail += f" (expected root {expected.hex()}, computed {computed.hex()})"
        super().__init__(detail)
        self.expected = expected
        self.computed = computed


class BadCheckpoint(LedgerError):
    """A checkpoint that does not parse or whose signature does not verify."""


class LedgerCorrupt(LedgerError):
    """Full verification found the stored ledger bad: `index` is the first bad entry (None
    when the damage is not in one entry: metadata, tree nodes, derived tables)."""

    def __init__(self, index: int | None, why: str) -> None:
        super().__init__(f"entry {index}: {why}" if index is not None else why)
        self.index = index
        self.why = why
