"""Ledger entries: the kinds, one typed body per kind, and the signed envelope.

Field order in each dataclass is the order of the canonical encoding (`codec`). Patients are
20-byte ledger addresses; hospitals, agencies and responders are 32-byte Ed25519 public keys;
times are integer milliseconds since the Unix epoch. No health data ever goes in an entry.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import IntEnum
from typing import ClassVar, Union

__all__ = [
    "EntryKind", "Body", "SignedEntry", "LoggedEntry", "Approval",
    "PatientRegistered", "HospitalGranted", "HospitalRevoked", "RecordAnchored",
    "DeviceRegistered", "DeviceRevoked", "AgencyRegistered", "AgencyKeyRotated",
    "ResponderRegistered", "ResponderRevoked", "EmergencyAccess", "BreakGlass",
    "BREAK_GLASS_QUORUM", "BODY_TYPES",
]

# Break-glass needs this many distinct registered agencies to co-sign.
BREAK_GLASS_QUORUM = 2


class EntryKind(IntEnum):
    """The kind byte of an encoded entry. Values are part of the wire format: never reuse."""

    PATIENT_REGISTERED = 1
    HOSPITAL_GRANTED = 2
    HOSPITAL_REVOKED = 3
    RECORD_ANCHORED = 4
    DEVICE_REGISTERED = 5
    DEVICE_REVOKED = 6
    AGENCY_REGISTERED = 7
    AGENCY_KEY_ROTATED = 8
    RESPONDER_REGISTERED = 9
    RESPONDER_REVOKED = 10
    EMERGENCY_ACCESS = 11
    BREAK_GLASS = 12


# --- entry bodies: one frozen dataclass per kind; field order is the encoding order ---------

@dataclass(frozen=True)
class PatientRegistered:
    """Author: the patient's identity key (its address is the patient). `emergency_key` is the
    public half of the patient's emergency key (EK) as encoded by `ledger_client.crypto`."""
    KIND: ClassVar[EntryKind] = EntryKind.PATIENT_REGISTERED
    emergency_key: bytes


@dataclass(frozen=True)
class HospitalGranted:
    """Author: the patient. The hospital (Ed25519 key) may anchor the author's records."""
    KIND: ClassVar[EntryKind] = EntryKind.HOSPITAL_GRANTED
    hospital: bytes


@dataclass(frozen=True)
class HospitalRevoked:
    """Author: the patient. Withdraws an earlier grant."""
    KIND: ClassVar[EntryKind] = EntryKind.HOSPITAL_REVOKED
    hospital: bytes


@dataclass(frozen=True)
class RecordAnchored:
    """Author: a hospital the patient granted. Versions of one record id strictly increase.
    `sealed_pointer` tells where the ciphertext lives, sealed to the patient and to EK."""
    KIND: ClassVar[EntryKind] = EntryKind.RECORD_ANCHORED
    patient: bytes
    record_id: str
    version: int
    ciphertext_sha256: bytes
    sealed_pointer: bytes


@dataclass(frozen=True)
class DeviceRegistered:
    """Author: the patient, or a hospital the patient granted (provisioning)."""
    KIND: ClassVar[EntryKind] = EntryKind.DEVICE_REGISTERED
    patient: bytes
    device_id: bytes


@dataclass(frozen=True)
class DeviceRevoked:
    """Author: the patient. A revoked device's accesses are refused from then on."""
    KIND: ClassVar[EntryKind] = EntryKind.DEVICE_REVOKED
    patient: bytes
    device_id: bytes


@dataclass(frozen=True)
class AgencyRegistered:
    """Author: the agency's signing key. `recipient_key` is its HPKE public key (the key bands
    seal their blob to), as encoded by `ledger_client.crypto`."""
    KIND: ClassVar[EntryKind] = EntryKind.AGENCY_REGISTERED
    name: str
    recipient_key: bytes


@dataclass(frozen=True)
class AgencyKeyRotated:
    """Author: a registered agency. Replaces its HPKE recipient key."""
    KIND: ClassVar[EntryKind] = EntryKind.AGENCY_KEY_ROTATED
    recipient_key: bytes


@dataclass(frozen=True)
class ResponderRegistered:
    """Author: a registered agency. The responder (Ed25519 key) may log accesses."""
    KIND: ClassVar[EntryKind] = EntryKind.RESPONDER_REGISTERED
    responder: bytes


@dataclass(frozen=True)
class ResponderRevoked:
    """Author: the agency that registered the responder."""
    KIND: ClassVar[EntryKind] = EntryKind.RESPONDER_REVOKED
    responder: bytes


@dataclass(frozen=True)
class EmergencyAccess:
    """Author: a registered, non-revoked responder of a registered agency. `occurred_at_ms` is
    when the band released (earlier than the entry's timestamp when `offline` queued it)."""
    KIND: ClassVar[EntryKind] = EntryKind.EMERGENCY_ACCESS
    patient: bytes
    device_id: bytes
    release_counter: int
    nonce: bytes
    occurred_at_ms: int
    offline: bool


@dataclass(frozen=True)
class Approval:
    """One agency's Ed25519 signature over a break-glass statement (`codec.break_glass_statement`)."""
    agency: bytes
    signature: bytes


@dataclass(frozen=True)
class BreakGlass:
    """Author: a registered responder. Emergency override without the patient's finger,
    approved by at least `BREAK_GLASS_QUORUM` distinct registered agencies."""
    KIND: ClassVar[EntryKind] = EntryKind.BREAK_GLASS
    patient: bytes
    reason: str
    nonce: bytes
    approvals: tuple[Approval, ...] = field(default=())


Body = Union[PatientRegistered, HospitalGranted, HospitalRevoked, RecordAnchored,
             DeviceRegistered, DeviceRevoked, AgencyRegistered, AgencyKeyRotated,
             ResponderRegistered, ResponderRevoked, EmergencyAccess, BreakGlass]


@dataclass(frozen=True)
class SignedEntry:
    """One entry as written by its author. Build and sign it with `codec.sign_entry`;
    `codec.encode_entry` gives the canonical bytes (the Merkle leaf)."""
    body: Body
    author: bytes          # Ed25519 public key, 32 bytes
    sequence: int          # author's previous sequence + 1; the first is 0
    timestamp_ms: int
    signature: bytes       # Ed25519 over codec.signed_message(entry), 64 bytes

    @property
    def kind(self) -> EntryKind:
        return self.body.KIND


@dataclass(frozen=True)
class LoggedEntry:
    """An entry with its position in the log."""
    index: int
    entry: SignedEntry


# Body class of each kind, for decoders.
BODY_TYPES: dict[EntryKind, type] = {cls.KIND: cls for cls in Body.__args__}  # type: ignore[attr-defined]
