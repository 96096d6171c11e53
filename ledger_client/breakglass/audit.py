"""The patient's verified audit: a forked or rolled-back ledger is detected, every entry about
the patient is proven in a signed checkpoint, and break-glass overrides come first.

The patient keeps the last checkpoint they verified (`SeenCheckpoint`, a small text file). On
each audit the ledger's new checkpoint must be signed by the pinned ledger key and be an
extension of the one seen before (an RFC 9162 consistency proof, checked with the pure
functions of `ledger_client.ledger.merkle`). Two signed checkpoints that are not consistent
are a fork: the ledger showed different histories to different readers. Only then is the new
checkpoint saved.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Sequence

from ledger_client.ledger.checkpoint import Checkpoint
from ledger_client.ledger.codec import encode_entry, verify_entry_signature
from ledger_client.ledger.entries import BreakGlass, EntryKind, LoggedEntry
from ledger_client.ledger.errors import BadCheckpoint, LedgerError, MalformedEntry, ProofError
from ledger_client.ledger.merkle import hash_leaf, verify_consistency, verify_inclusion
from ledger_client.ledger.protocol import Ledger

__all__ = ["AuditError", "ForkDetected", "SeenCheckpoint", "check_checkpoint", "AuditReport",
           "patient_audit", "render_audit"]


class AuditError(LedgerError):
    """The ledger's answers do not verify: do not trust this audit."""


class ForkDetected(AuditError):
    """The ledger signed two checkpoints that cannot both be true (fork or rollback)."""

    def __init__(self, message: str, seen: Checkpoint, new: Checkpoint) -> None:
        super().__init__(message)
        self.seen, self.new = seen, new


class SeenCheckpoint:
    """The last checkpoint this patient verified, kept in a file (replaced atomically)."""

    def __init__(self, path: str | os.PathLike[str], ledger_key: bytes) -> None:
        self.path = Path(path)
        self.ledger_key = ledger_key

    def load(self) -> Checkpoint | None:
        if not self.path.exists():
            return None
        checkpoint = Checkpoint.from_text(self.path.read_text(encoding="utf-8"))
        checkpoint.verify(self.ledger_key)
        return checkpoint

    def save(self, checkpoint: Checkpoint) -> None:
        temp = self.path.with_name(self.path.name + ".new")
        with open(temp, "w", encoding="utf-8") as f:
            f.write(checkpoint.to_text(self.ledger_key))
            f.flush()
            os.fsync(f.fileno())
        os.replace(temp, self.path)


def check_checkpoint(ledger: Ledger, ledger_key: bytes, seen: Checkpoint | None) -> Checkpoint:
    """The ledger's current checkpoint, verified against the pinned key and, when the patient
    saw one before, proven to extend it. Raises `AuditError` / `ForkDetected`."""
    new = ledger.checkpoint()
    try:
        new.verify(ledger_key)
    except BadCheckpoint as exc:
        raise AuditError(f"the ledger's checkpoint is not signed by its key: {exc}") from None
    if seen is None:
        return new
    if new.tree_size < seen.tree_size:
        raise ForkDetected(f"the ledger shrank from {seen.tree_size} to {new.tree_size} entries "
                           "(rolled back or forked)", seen, new)
    try:
        proof = ledger.consistency_proof(seen.tree_size, new.tree_size)
        verify_consistency(seen.tree_size, new.tree_size, seen.root_hash, new.root_hash, proof)
    except ProofError as exc:
        raise ForkDetected(f"checkpoint {new.tree_size} does not extend the checkpoint "
                           f"{seen.tree_size} seen before: the ledger forked ({exc})", seen, new) from None
    return new


@dataclass
class AuditReport:
    checkpoint: Checkpoint
    overrides: list[LoggedEntry] = field(default_factory=list)   # break-glass: shown first
    accesses: list[LoggedEntry] = field(default_factory=list)
    changes: list[LoggedEntry] = field(default_factory=list)


def _prove(ledger: Ledger, logged: LoggedEntry, checkpoint: Checkpoint) -> None:
    try:
        verify_entry_signature(logged.entry)
        leaf = hash_leaf(encode_entry(logged.entry))
        verify_inclusion(logged.index, checkpoint.tree_size, leaf,
                         ledger.inclusion_proof(logged.index, checkpoint.tree_size),
                         checkpoint.root_hash)
    except (MalformedEntry, ProofError) as exc:
        raise AuditError(f"entry {logged.index} does not verify: {exc}") from None


def patient_audit(ledger: Ledger, ledger_key: bytes, patient: bytes,
                  seen: SeenCheckpoint | None = None) -> AuditReport:
    """Every entry about `patient`, each proven in a checkpoint that extends the one seen."""
    checkpoint = check_checkpoint(ledger, ledger_key, seen.load() if seen else None)
    report = AuditReport(checkpoint)
    for logged in ledger.entries(patient=patient):
        if logged.index >= checkpoint.tree_size:
            break  # newer than the checkpoint: next audit
        _prove(ledger, logged, checkpoint)
        kind = logged.entry.kind
        if kind == EntryKind.BREAK_GLASS:
            report.overrides.append(logged)
        elif kind == EntryKind.EMERGENCY_ACCESS:
            report.accesses.append(logged)
        else:
            report.changes.append(logged)
    if seen is not None:
        seen.save(checkpoint)
    return report


def _names(keys: Sequence[bytes], names: dict[bytes, str]) -> str:
    return ", ".join(names.get(k, k.hex()[:16]) for k in keys)


def render_audit(report: AuditReport, names: dict[bytes, str] | None = None) -> str:
    """Text for the patient; emergency overrides first and impossible to miss."""
    names = names or {}
    lines = []
    for logged in report.overrides:
        body = logged.entry.body
        assert isinstance(body, BreakGlass)
        lines += ["!" * 72,
                  f"!! EMERGENCY OVERRIDE (break-glass) at entry {logged.index}: your record was "
                  "opened without your finger",
                  f"!!   by responder {_names([logged.entry.author], names)}, reason: {body.reason}",
                  f"!!   approved by {len(body.approvals)} authorities: "
                  f"{_names([a.agency for a in body.approvals], names)}",
                  "!" * 72]
    lines.append(f"verified against checkpoint {report.checkpoint.tree_size}: "
                 f"{len(report.overrides)} overrides, {len(report.accesses)} emergency accesses, "
                 f"{len(report.changes)} changes")
    for logged in report.accesses + report.changes:
        lines.append(f"  entry {logged.index}: {logged.entry.kind.name.lower().replace('_', ' ')} "
                     f"by {_names([logged.entry.author], names)}")
    return "\n".join(lines)
