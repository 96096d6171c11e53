"""The patient's audit: every change and every access to the patient's records, each entry
proven against a checkpoint signed by the pinned ledger key, with names where the patient's
home folder knows them."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime, timezone

from ledger_client.crypto import RecipientPublicKey
from ledger_client.home import Identity, Role
from ledger_client.ledger import (
    BreakGlass, DeviceRegistered, DeviceRevoked, EmergencyAccess, HospitalGranted,
    HospitalRevoked, LoggedEntry, PatientRegistered, RecordAnchored, SignedEntry)
from ledger_client.ledger.codec import verify_entry_signature
from ledger_client.workflows.context import Workspace
from ledger_client.workflows.records import prove_entry

__all__ = ["AuditEvent", "AuditReport", "audit_patient"]


@dataclass(frozen=True)
class AuditEvent:
    index: int
    time: str          # ISO 8601 UTC, from the entry
    kind: str
    who: str
    what: str
    proof: str         # "inclusion proof verified" or why there is none


@dataclass(frozen=True)
class AuditReport:
    patient: str
    address: str
    tree_size: int
    root_hash: str
    events: list[AuditEvent]

    def to_dict(self) -> dict[str, object]:
        return asdict(self)

    def render_text(self) -> str:
        lines = [f"Audit of patient {self.patient} ({self.address}): {len(self.events)} events, "
                 f"checked against the signed checkpoint of tree size {self.tree_size}"]
        for event in self.events:
            lines.append(f"#{event.index:<6} {event.time}  {event.kind:<20} {event.who}: "
                         f"{event.what}  [{event.proof}]")
        return "\n".join(lines) + "\n"


def _iso(ms: int) -> str:
    return datetime.fromtimestamp(ms / 1000, tz=timezone.utc).isoformat(timespec="seconds")


def _who(identities: dict[bytes, Identity], key: bytes, fallback_role: str) -> str:
    known = identities.get(key)
    if known is None:
        return f"{fallback_role} {key.hex()[:16]}"
    if known.role is Role.RESPONDER and known.agency:
        return f"responder {known.name} ({known.agency})"
    return f"{known.role.value} {known.name}"


def _describe(entry: SignedEntry, identities: dict[bytes, Identity]) -> tuple[str, str]:
    body = entry.body
    if isinstance(body, PatientRegistered):
        suite = RecipientPublicKey.from_bytes(body.emergency_key).suite.name
        return "the patient", f"registered (emergency key {suite})"
    if isinstance(body, HospitalGranted):
        return "the patient", f"granted {_who(identities, body.hospital, 'hospital')}"
    if isinstance(body, HospitalRevoked):
        return "the patient", f"revoked {_who(identities, body.hospital, 'hospital')}"
    if isinstance(body, RecordAnchored):
        return (_who(identities, entry.author, "hospital"),
                f"anchored record {body.record_id!r} version {body.version} "
                f"(sha256 {body.ciphertext_sha256.hex()[:16]})")
    if isinstance(body, DeviceRegistered):
        return (_who(identities, entry.author, "hospital"), f"registered band {body.device_id.hex()}")
    if isinstance(body, DeviceRevoked):
        return "the patient", f"revoked band {body.device_id.hex()}"
    if isinstance(body, EmergencyAccess):
        how = "queued offline" if body.offline else "online"
        return (_who(identities, entry.author, "responder"),
                f"emergency access with band {body.device_id.hex()} at {_iso(body.occurred_at_ms)}"
                f" (release #{body.release_counter}, {how})")
    if isinstance(body, BreakGlass):
        approvers = ", ".join(_who(identities, a.agency, "agency") for a in body.approvals)
        return (_who(identities, entry.author, "responder"),
                f"BREAK-GLASS access: {body.reason!r}, approved by {approvers}")
    return _who(identities, entry.author, "author"), entry.kind.name.lower()


def audit_patient(ws: Workspace, patient: str) -> AuditReport:
    """Every ledger entry about `patient`, each proven; raises on the first bad one
    (`BadCheckpoint`, `ProofError`, `BadEntrySignature`)."""
    identity = ws.home.identity(Role.PATIENT, patient)
    address = identity.address
    identities = {ident.public_key: ident for ident in ws.home.all_identities()}
    ledger = ws.ledger
    proofs = ledger.capabilities.proofs
    checkpoint = ledger.checkpoint() if proofs else None
    ledger_key = ws.ledger_public_key() if proofs else b""
    events = []
    for logged in ledger.entries(patient=address):
        events.append(_event(ws, logged, identities, checkpoint, ledger_key))
    return AuditReport(patient, "0x" + address.hex(),
                       checkpoint.tree_size if checkpoint else ledger.size(),
                       checkpoint.root_hash.hex() if checkpoint else "", events)


def _event(ws: Workspace, logged: LoggedEntry, identities: dict[bytes, Identity],
           checkpoint, ledger_key: bytes) -> AuditEvent:  # type: ignore[no-untyped-def]
    entry = logged.entry
    verify_entry_signature(entry)
    if checkpoint is not None:
        prove_entry(ws.ledger, logged.index, checkpoint, ledger_key)
        proof = "inclusion proof verified"
    else:
        proof = "no Merkle proofs on this backend (chain-ordered)"
    who, what = _describe(entry, identities)
    return AuditEvent(logged.index, _iso(entry.timestamp_ms), entry.kind.name.lower(), who,
                      what, proof)
