"""The write rules, written once for every place that checks them.

`check(entry, state)` raises `RefusedWrite` when the entry may not be appended to a ledger in
`state`; `apply(entry, index, state)` records its effect. The SQLite backend runs both against
its tables inside the append transaction; `verify` replays the whole log against an in-memory
`MemoryState` and compares the result with the stored tables. The EVM contract implements
the same rules in Vyper (see docs/ledger.md, "Write rules").
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Protocol

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from ledger_client.ledger.codec import (
    BadEntrySignature, break_glass_statement, verify_entry_signature)
from ledger_client.ledger.entries import (
    BREAK_GLASS_QUORUM, AgencyKeyRotated, AgencyRegistered, BreakGlass, DeviceRegistered,
    DeviceRevoked, EmergencyAccess, HospitalGranted, HospitalRevoked, PatientRegistered,
    RecordAnchored, ResponderRegistered, ResponderRevoked, SignedEntry)
from ledger_client.ledger.errors import Refusal, RefusedWrite

__all__ = ["State", "MemoryState", "check", "apply", "patient_of", "address_of"]

# Same derivation as ledger_client.crypto.patient_address (tested to agree); inlined because
# the ledger computes it for every patient-authored entry.
_ADDRESS_LABEL = b"ICEband/v1/patient-address"


@lru_cache(maxsize=65536)
def address_of(author: bytes) -> bytes:
    """The 20-byte ledger address of an identity key."""
    return hashlib.sha256(_ADDRESS_LABEL + author).digest()[:20]


class State(Protocol):
    """What the rules ask about, and the changes they make."""

    def next_sequence(self, author: bytes) -> int: ...
    def is_patient(self, patient: bytes) -> bool: ...
    def is_granted(self, patient: bytes, hospital: bytes) -> bool: ...
    def record_version(self, patient: bytes, record_id: str) -> int | None: ...
    def device(self, device_id: bytes) -> tuple[bytes, bool] | None: ...   # (patient, revoked)
    def is_agency(self, agency: bytes) -> bool: ...
    def responder(self, responder: bytes) -> tuple[bytes, bool] | None: ...  # (agency, revoked)
    def break_glass_logged(self, patient: bytes, nonce: bytes) -> bool: ...

    def set_sequence(self, author: bytes, sequence: int) -> None: ...
    def add_patient(self, patient: bytes, index: int) -> None: ...
    def set_grant(self, patient: bytes, hospital: bytes, granted: bool) -> None: ...
    def set_record(self, patient: bytes, record_id: str, version: int, index: int) -> None: ...
    def set_device(self, device_id: bytes, patient: bytes, revoked: bool) -> None: ...
    def set_agency(self, agency: bytes, index: int) -> None: ...
    def set_responder(self, responder: bytes, agency: bytes, revoked: bool) -> None: ...
    def add_patient_entry(self, patient: bytes, index: int) -> None: ...
    def add_break_glass(self, patient: bytes, nonce: bytes, index: int) -> None: ...


@dataclass
class MemoryState:
    """`State` in dictionaries: for full verification and for tests."""
    sequences: dict[bytes, int] = field(default_factory=dict)
    patients: dict[bytes, int] = field(default_factory=dict)
    grants: dict[tuple[bytes, bytes], bool] = field(default_factory=dict)
    records: dict[tuple[bytes, str], tuple[int, int]] = field(default_factory=dict)
    devices: dict[bytes, tuple[bytes, bool]] = field(default_factory=dict)
    agencies: dict[bytes, int] = field(default_factory=dict)
    responders: dict[bytes, tuple[bytes, bool]] = field(default_factory=dict)
    break_glass: dict[tuple[bytes, bytes], int] = field(default_factory=dict)
    patient_entries: int = 0

    def next_sequence(self, author: bytes) -> int:
        return self.sequences.get(author, -1) + 1

    def is_patient(self, patient: bytes) -> bool:
        return patient in self.patients

    def is_granted(self, patient: bytes, hospital: bytes) -> bool:
        return self.grants.get((patient, hospital), False)

    def record_version(self, patient: bytes, record_id: str) -> int | None:
        found = self.records.get((patient, record_id))
        return None if found is None else found[0]

    def device(self, device_id: bytes) -> tuple[bytes, bool] | None:
        return self.devices.get(device_id)

    def is_agency(self, agency: bytes) -> bool:
        return agency in self.agencies

    def responder(self, responder: bytes) -> tuple[bytes, bool] | None:
        return self.responders.get(responder)

    def break_glass_logged(self, patient: bytes, nonce: bytes) -> bool:
        return (patient, nonce) in self.break_glass

    def set_sequence(self, author: bytes, sequence: int) -> None:
        self.sequences[author] = sequence

    def add_patient(self, patient: bytes, index: int) -> None:
        self.patients[patient] = index

    def set_grant(self, patient: bytes, hospital: bytes, granted: bool) -> None:
        self.grants[(patient, hospital)] = granted

    def set_record(self, patient: bytes, record_id: str, version: int, index: int) -> None:
        self.records[(patient, record_id)] = (version, index)

    def set_device(self, device_id: bytes, patient: bytes, revoked: bool) -> None:
        self.devices[device_id] = (patient, revoked)

    def set_agency(self, agency: bytes, index: int) -> None:
        self.agencies[agency] = index

    def set_responder(self, responder: bytes, agency: bytes, revoked: bool) -> None:
        self.responders[responder] = (agency, revoked)

    def add_patient_entry(self, patient: bytes, index: int) -> None:
        self.patient_entries += 1

    def add_break_glass(self, patient: bytes, nonce: bytes, index: int) -> None:
        self.break_glass[(patient, nonce)] = index


def patient_of(entry: SignedEntry) -> bytes | None:
    """The patient an entry is about (None for agency and responder bookkeeping)."""
    body = entry.body
    if isinstance(body, (PatientRegistered, HospitalGranted, HospitalRevoked)):
        return address_of(entry.author)
    return getattr(body, "patient", None)


def _refuse(reason: Refusal, detail: str) -> RefusedWrite:
    return RefusedWrite(reason, detail)


def _check_responder(state: State, responder: bytes) -> None:
    found = state.responder(responder)
    if found is None:
        raise _refuse(Refusal.UNKNOWN_RESPONDER, "the author is not a registered responder")
    agency, revoked = found
    if revoked:
        raise _refuse(Refusal.REVOKED_RESPONDER, "the responder has been revoked by its agency")
    if not state.is_agency(agency):
        raise _refuse(Refusal.UNKNOWN_AGENCY, "the responder's agency is not registered")


def _check_patient(state: State, patient: bytes) -> None:
    if not state.is_patient(patient):
        raise _refuse(Refusal.UNKNOWN_PATIENT, f"patient 0x{patient.hex()} is not registered")


def _check_live_device(state: State, patient: bytes, device_id: bytes) -> None:
    found = state.device(device_id)
    if found is None or found[0] != patient:
        raise _refuse(Refusal.UNKNOWN_DEVICE, f"device {device_id.hex()} is not this patient's")
    if found[1]:
        raise _refuse(Refusal.REVOKED_DEVICE, f"device {device_id.hex()} has been revoked")


def _check_quorum(entry: SignedEntry, body: BreakGlass, state: State) -> None:
    statement = break_glass_statement(entry.author, body)
    agencies = {approval.agency for approval in body.approvals}
    if len(agencies) != len(body.approvals):
        raise _refuse(Refusal.QUORUM_NOT_MET, "an agency approved twice")
    for approval in body.approvals:
        if not state.is_agency(approval.agency):
            raise _refuse(Refusal.QUORUM_NOT_MET, "an approval is from an unregistered agency")
        try:
            Ed25519PublicKey.from_public_bytes(approval.agency).verify(
                approval.signature, statement)
        except (InvalidSignature, ValueError):
            raise _refuse(Refusal.QUORUM_NOT_MET, "an approval signature does not verify") from None
    if len(agencies) < BREAK_GLASS_QUORUM:
        raise _refuse(Refusal.QUORUM_NOT_MET,
                      f"{len(agencies)} agency approvals, {BREAK_GLASS_QUORUM} needed")


def check(entry: SignedEntry, state: State, *, signature: bool = True) -> None:
    """Raise `RefusedWrite` unless `entry` may be appended now (signature first, unless
    the caller verified it already)."""
    if signature:
        try:
            verify_entry_signature(entry)
        except BadEntrySignature as exc:
            raise _refuse(Refusal.BAD_SIGNATURE, str(exc)) from None
    expected = state.next_sequence(entry.author)
    if entry.sequence != expected:
        what = "replayed or re-ordered" if entry.sequence < expected else "skips entries"
        raise _refuse(Refusal.BAD_SEQUENCE,
                      f"author's sequence {entry.sequence} {what}: expected {expected}")
    body, author = entry.body, entry.author
    if isinstance(body, PatientRegistered):
        if state.is_patient(address_of(author)):
            raise _refuse(Refusal.ALREADY_REGISTERED, "this patient is already registered")
    elif isinstance(body, (HospitalGranted, HospitalRevoked)):
        patient = address_of(author)
        _check_patient(state, patient)
        granted = state.is_granted(patient, body.hospital)
        if isinstance(body, HospitalGranted) and granted:
            raise _refuse(Refusal.ALREADY_REGISTERED, "this hospital is already granted")
        if isinstance(body, HospitalRevoked) and not granted:
            raise _refuse(Refusal.NOT_GRANTED, "this hospital holds no grant to revoke")
    elif isinstance(body, RecordAnchored):
        _check_patient(state, body.patient)
        if not state.is_granted(body.patient, author):
            raise _refuse(Refusal.NOT_GRANTED, "the patient has not granted this hospital")
        previous = state.record_version(body.patient, body.record_id)
        if body.version < 1 or (previous is not None and body.version <= previous):
            raise _refuse(Refusal.STALE_VERSION,
                          f"version {body.version} is not above the anchored {previous or 0}")
    elif isinstance(body, DeviceRegistered):
        _check_patient(state, body.patient)
        if address_of(author) != body.patient and not state.is_granted(body.patient, author):
            raise _refuse(Refusal.NOT_AUTHORIZED,
                          "only the patient or a granted hospital registers a device")
        if state.device(body.device_id) is not None:
            raise _refuse(Refusal.ALREADY_REGISTERED, "this device id is already registered")
    elif isinstance(body, DeviceRevoked):
        if address_of(author) != body.patient:
            raise _refuse(Refusal.NOT_AUTHORIZED, "only the patient revokes a device")
        _check_live_device(state, body.patient, body.device_id)
    elif isinstance(body, AgencyRegistered):
        if state.is_agency(author):
            raise _refuse(Refusal.ALREADY_REGISTERED, "this agency is already registered")
    elif isinstance(body, AgencyKeyRotated):
        if not state.is_agency(author):
            raise _refuse(Refusal.UNKNOWN_AGENCY, "the author is not a registered agency")
    elif isinstance(body, ResponderRegistered):
        if not state.is_agency(author):
            raise _refuse(Refusal.UNKNOWN_AGENCY, "the author is not a registered agency")
        if state.responder(body.responder) is not None:
            raise _refuse(Refusal.ALREADY_REGISTERED, "this responder key is already registered")
    elif isinstance(body, ResponderRevoked):
        found = state.responder(body.responder)
        if found is None:
            raise _refuse(Refusal.UNKNOWN_RESPONDER, "no such responder")
        if found[0] != author:
            raise _refuse(Refusal.NOT_AUTHORIZED, "only the responder's own agency revokes it")
        if found[1]:
            raise _refuse(Refusal.REVOKED_RESPONDER, "the responder is already revoked")
    elif isinstance(body, EmergencyAccess):
        _check_responder(state, author)
        _check_patient(state, body.patient)
        _check_live_device(state, body.patient, body.device_id)
    elif isinstance(body, BreakGlass):
        _check_responder(state, author)
        _check_patient(state, body.patient)
        if state.break_glass_logged(body.patient, body.nonce):
            raise _refuse(Refusal.REPLAYED_BREAK_GLASS,
                          f"a break-glass with nonce {body.nonce.hex()} is already logged for "
                          "this patient: approvals open one access only")
        _check_quorum(entry, body, state)
    else:  # pragma: no cover - the codec admits only the kinds above
        raise _refuse(Refusal.MALFORMED, f"unknown body {type(body).__name__}")


def apply(entry: SignedEntry, index: int, state: State) -> None:
    """Record the effect of an entry that `check` accepted at log position `index`."""
    body, author = entry.body, entry.author
    state.set_sequence(author, entry.sequence)
    if isinstance(body, PatientRegistered):
        state.add_patient(address_of(author), index)
    elif isinstance(body, HospitalGranted):
        state.set_grant(address_of(author), body.hospital, True)
    elif isinstance(body, HospitalRevoked):
        state.set_grant(address_of(author), body.hospital, False)
    elif isinstance(body, RecordAnchored):
        state.set_record(body.patient, body.record_id, body.version, index)
    elif isinstance(body, DeviceRegistered):
        state.set_device(body.device_id, body.patient, False)
    elif isinstance(body, DeviceRevoked):
        state.set_device(body.device_id, body.patient, True)
    elif isinstance(body, (AgencyRegistered, AgencyKeyRotated)):
        state.set_agency(author, index)
    elif isinstance(body, ResponderRegistered):
        state.set_responder(body.responder, author, False)
    elif isinstance(body, ResponderRevoked):
        state.set_responder(body.responder, author, True)
    elif isinstance(body, BreakGlass):
        state.add_break_glass(body.patient, body.nonce, index)
    patient = patient_of(entry)
    if patient is not None:
        state.add_patient_entry(patient, index)
