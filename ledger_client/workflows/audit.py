"""The patient's audit: every change and every access to the patient's records, each entry
proven against a checkpoint signed by the pinned ledger key that extends the checkpoint the
patient verified last time (a fork or rollback is `ForkDetected`), with names where the
patient's home folder knows them, and break-glass overrides first.

`audit_ledger` is the audit over any ledger; `audit_patient` runs it from a home folder, which
keeps the last verified checkpoint per ledger under the patient's identity folder.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime, timezone
from typing import Mapping

from ledger_client.crypto import RecipientPublicKey
from ledger_client.home import Identity, Role
from ledger_client.ledger import (
    BreakGlass, Checkpoint, DeviceRegistered, DeviceRevoked, EmergencyAccess, HospitalGranted,
    HospitalRevoked, Ledger, LoggedEntry, MalformedEntry, PatientRegistered, ProofError,
    RecordAnchored, SignedEntry)
from ledger_client.ledger.codec import encode_entry, verify_entry_signature
from ledger_client.ledger.continuity import AuditError, SeenCheckpoint, check_checkpoint
from ledger_client.ledger.merkle import hash_leaf, verify_inclusion
from ledger_client.workflows.context import Workspace

__all__ = ["AuditEvent", "AuditOverride", "AuditReport", "audit_patient", "audit_ledger",
           "display_names", "NO_PROOFS"]

NO_PROOFS = "no Merkle proofs on this backend (chain-ordered)"
_BAR = "!" * 72


@dataclass(frozen=True)
class AuditEvent:
    index: int
    time: str          # ISO 8601 UTC, from the entry
    kind: str
    who: str
    what: str
    proof: str         # "inclusion proof verified" or why there is none
    override: bool = False   # a break-glass access: the patient's finger was not used


@dataclass(frozen=True)
class AuditOverride:
    """A break-glass access, listed apart so that it cannot be missed."""
    index: int
    time: str
    who: str
    reason: str
    approved_by: list[str]
    proof: str


@dataclass(frozen=True)
class AuditReport:
    patient: str
    address: str
    tree_size: int
    root_hash: str
    continuity: str              # how this checkpoint was checked against the one seen before
    seen_tree_size: int | None   # the checkpoint the last audit verified, if any
    overrides: list[AuditOverride]   # before `events`: shown first
    events: list[AuditEvent]         # every entry in log order, overrides flagged

    def to_dict(self) -> dict[str, object]:
        return asdict(self)

    def render_text(self) -> str:
        lines: list[str] = []
        for o in self.overrides:
            lines += [_BAR,
                      f"!! EMERGENCY OVERRIDE (break-glass) at entry {o.index}, {o.time}: your "
                      "record was opened without your finger",
                      f"!!   by {o.who}, reason: {o.reason}",
                      f"!!   approved by {len(o.approved_by)} authorities: "
                      f"{', '.join(o.approved_by)}  [{o.proof}]",
                      _BAR]
        checked = (f"checked against the signed checkpoint of tree size {self.tree_size}"
                   if self.root_hash else f"{self.tree_size} entries on the chain")
        n = len(self.overrides)
        lines.append(f"Audit of patient {self.patient} ({self.address}): {len(self.events)} "
                     f"events, {n} emergency override{'' if n == 1 else 's'}, {checked}")
        lines.append(f"ledger history: {self.continuity}")
        for event in self.events:
            mark = "!!" if event.override else "  "
            lines.append(f"{mark}#{event.index:<6} {event.time}  {event.kind:<20} {event.who}: "
                         f"{event.what}  [{event.proof}]")
        return "\n".join(lines) + "\n"


def _iso(ms: int) -> str:
    return datetime.fromtimestamp(ms / 1000, tz=timezone.utc).isoformat(timespec="seconds")


def display_names(identities: list[Identity]) -> dict[bytes, str]:
    """Key -> how the audit names it ("hospital st-mary", "responder bob (metro-ems)")."""
    names = {}
    for known in identities:
        name = f"{known.role.value} {known.name}"
        if known.role is Role.RESPONDER and known.agency:
            name += f" ({known.agency})"
        names[known.public_key] = name
    return names


def _who(names: Mapping[bytes, str], key: bytes, fallback_role: str) -> str:
    return names.get(key) or f"{fallback_role} {key.hex()[:16]}"


def _describe(entry: SignedEntry, names: Mapping[bytes, str]) -> tuple[str, str]:
    body = entry.body
    if isinstance(body, PatientRegistered):
        suite = RecipientPublicKey.from_bytes(body.emergency_key).suite.name
        return "the patient", f"registered (emergency key {suite})"
    if isinstance(body, HospitalGranted):
        return "the patient", f"granted {_who(names, body.hospital, 'hospital')}"
    if isinstance(body, HospitalRevoked):
        return "the patient", f"revoked {_who(names, body.hospital, 'hospital')}"
    if isinstance(body, RecordAnchored):
        return (_who(names, entry.author, "hospital"),
                f"anchored record {body.record_id!r} version {body.version} "
                f"(sha256 {body.ciphertext_sha256.hex()[:16]})")
    if isinstance(body, DeviceRegistered):
        return (_who(names, entry.author, "hospital"), f"registered band {body.device_id.hex()}")
    if isinstance(body, DeviceRevoked):
        return "the patient", f"revoked band {body.device_id.hex()}"
    if isinstance(body, EmergencyAccess):
        how = "queued offline" if body.offline else "online"
        return (_who(names, entry.author, "responder"),
                f"emergency access with band {body.device_id.hex()} at {_iso(body.occurred_at_ms)}"
                f" (release #{body.release_counter}, {how})")
    if isinstance(body, BreakGlass):
        approvers = ", ".join(_who(names, a.agency, "agency") for a in body.approvals)
        return (_who(names, entry.author, "responder"),
                f"BREAK-GLASS access: {body.reason!r}, approved by {approvers}")
    return _who(names, entry.author, "author"), entry.kind.name.lower()


def _prove(ledger: Ledger, logged: LoggedEntry, checkpoint: Checkpoint | None) -> str:
    # The entry shown is the entry hashed: a ledger cannot prove one and display another.
    try:
        verify_entry_signature(logged.entry)
        if checkpoint is None:
            return NO_PROOFS
        verify_inclusion(logged.index, checkpoint.tree_size, hash_leaf(encode_entry(logged.entry)),
                         ledger.inclusion_proof(logged.index, checkpoint.tree_size),
                         checkpoint.root_hash)
    except (MalformedEntry, ProofError) as exc:
        raise AuditError(f"entry {logged.index} does not verify: {exc}") from None
    return "inclusion proof verified"


def _continuity(checkpoint: Checkpoint | None, seen: Checkpoint | None, keeps: bool) -> str:
    if checkpoint is None:
        return ("not checked: this backend has no signed checkpoints or consistency proofs, so "
                "fork and rollback detection rely on the chain's consensus")
    if seen is not None and seen.tree_size == checkpoint.tree_size:
        return (f"unchanged: the checkpoint of size {checkpoint.tree_size} is the one verified "
                "at the last audit (same root)")
    if seen is not None:
        return (f"consistent: the checkpoint of size {checkpoint.tree_size} extends the one of "
                f"size {seen.tree_size} verified at the last audit (consistency proof checked)")
    if keeps:
        return (f"first audit of this ledger: the checkpoint of size {checkpoint.tree_size} is "
                "kept, and the next audit must extend it")
    return "not compared: no earlier checkpoint was given"


def audit_ledger(ledger: Ledger, patient: bytes, *, ledger_key: bytes | None,
                 seen: SeenCheckpoint | None = None, names: Mapping[bytes, str] | None = None,
                 patient_name: str = "") -> AuditReport:
    """Every entry about `patient`, each signature checked and, on a backend with proofs, each
    proven in the ledger's checkpoint, which must be signed by `ledger_key` and extend `seen`.
    Raises `ForkDetected`, `AuditError` or `BadCheckpoint`; saves the checkpoint to `seen` only
    once everything verified."""
    names = names or {}
    checkpoint = previous = None
    if ledger.capabilities.proofs:
        if ledger_key is None:
            raise AuditError("a pinned ledger key is needed to check the ledger's checkpoints")
        previous = seen.load() if seen is not None else None
        checkpoint = check_checkpoint(ledger, ledger_key, previous)
    overrides, events = [], []
    for logged in ledger.entries(patient=patient):
        if checkpoint is not None and logged.index >= checkpoint.tree_size:
            break  # newer than the checkpoint: the next audit covers it
        proof = _prove(ledger, logged, checkpoint)
        entry, body = logged.entry, logged.entry.body
        who, what = _describe(entry, names)
        override = isinstance(body, BreakGlass)
        if isinstance(body, BreakGlass):
            overrides.append(AuditOverride(
                logged.index, _iso(entry.timestamp_ms), who, body.reason,
                [_who(names, a.agency, "agency") for a in body.approvals], proof))
        events.append(AuditEvent(logged.index, _iso(entry.timestamp_ms), entry.kind.name.lower(),
                                 who, what, proof, override))
    if seen is not None and checkpoint is not None:
        seen.save(checkpoint)
    return AuditReport(patient_name or "0x" + patient.hex(), "0x" + patient.hex(),
                       checkpoint.tree_size if checkpoint else ledger.size(),
                       checkpoint.root_hash.hex() if checkpoint else "",
                       _continuity(checkpoint, previous, seen is not None),
                       previous.tree_size if previous else None, overrides, events)


def audit_patient(ws: Workspace, patient: str) -> AuditReport:
    """`iceband audit PATIENT`: the audit from the home folder, whose patient folder keeps the
    last checkpoint verified of this ledger (replaced only when the new one extends it)."""
    address = ws.home.identity(Role.PATIENT, patient).address
    names = display_names(ws.home.all_identities())
    ledger_key = seen = None
    if ws.ledger.capabilities.proofs:
        ledger_key = ws.ledger_public_key()
        seen = SeenCheckpoint(ws.home.seen_checkpoint_path(Role.PATIENT, patient, ledger_key),
                              ledger_key)
    return audit_ledger(ws.ledger, address, ledger_key=ledger_key, seen=seen, names=names,
                        patient_name=patient)
