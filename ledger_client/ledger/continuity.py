"""Checkpoint continuity: a reader's proof that the ledger never rewrote what it showed before.

A reader keeps the last checkpoint it verified (`SeenCheckpoint`, a small text file). The
ledger's next checkpoint must be signed by the pinned ledger key and extend the one seen (an
RFC 9162 consistency proof, checked with the pure functions of `ledger_client.ledger.merkle`).
Two signed checkpoints that are not consistent are a fork: the ledger showed two different
histories. Only a checkpoint that passes replaces the seen one. Used by the patient's audit
(`ledger_client.workflows.audit`) and `iceband ledger consistency`.
"""

from __future__ import annotations

import os
from pathlib import Path

from ledger_client.ledger.checkpoint import Checkpoint
from ledger_client.ledger.errors import BadCheckpoint, LedgerError, ProofError
from ledger_client.ledger.merkle import verify_consistency
from ledger_client.ledger.protocol import Ledger

__all__ = ["AuditError", "ForkDetected", "SeenCheckpoint", "check_checkpoint", "TWO_HISTORIES"]

TWO_HISTORIES = "the ledger showed two different histories"


class AuditError(LedgerError):
    """The ledger's answers do not verify: do not trust this audit."""


class ForkDetected(AuditError):
    """The ledger signed two checkpoints that cannot both be true (fork or rollback)."""

    def __init__(self, message: str, seen: Checkpoint, new: Checkpoint) -> None:
        super().__init__(message)
        self.seen, self.new = seen, new


class SeenCheckpoint:
    """The last checkpoint this reader verified, in a file replaced atomically (mode 0600)."""

    def __init__(self, path: str | os.PathLike[str], ledger_key: bytes) -> None:
        self.path = Path(path)
        self.ledger_key = ledger_key

    def load(self) -> Checkpoint | None:
        """The saved checkpoint, its signature checked (`BadCheckpoint`); None if none yet."""
        if not self.path.exists():
            return None
        checkpoint = Checkpoint.from_text(self.path.read_text(encoding="utf-8"))
        checkpoint.verify(self.ledger_key)
        return checkpoint

    def save(self, checkpoint: Checkpoint) -> None:
        temp = self.path.with_name(f".{self.path.name}.{os.urandom(4).hex()}.tmp")
        fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as out:
                out.write(checkpoint.to_text(self.ledger_key))
                out.flush()
                os.fsync(out.fileno())
            os.replace(temp, self.path)  # readers see the old file or the new one, never half
        except BaseException:
            temp.unlink(missing_ok=True)
            raise


def check_checkpoint(ledger: Ledger, ledger_key: bytes, seen: Checkpoint | None) -> Checkpoint:
    """The ledger's current checkpoint, verified against the pinned key and, when one was seen
    before, proven to extend it. Raises `AuditError` / `ForkDetected`; saves nothing."""
    new = ledger.checkpoint()
    try:
        new.verify(ledger_key)
    except BadCheckpoint as exc:
        raise AuditError(f"the ledger's checkpoint is not signed by its key: {exc}") from None
    if seen is None:
        return new
    if new.tree_size < seen.tree_size:
        raise ForkDetected(f"{TWO_HISTORIES}: it shrank from {seen.tree_size} to "
                           f"{new.tree_size} entries (rolled back or forked)", seen, new)
    try:
        proof = ledger.consistency_proof(seen.tree_size, new.tree_size)
        verify_consistency(seen.tree_size, new.tree_size, seen.root_hash, new.root_hash, proof)
    except ProofError as exc:
        raise ForkDetected(f"{TWO_HISTORIES}: its checkpoint of size {new.tree_size} does not "
                           f"extend the checkpoint of size {seen.tree_size} seen before "
                           f"(forked or rewritten: {exc})", seen, new) from None
    return new
