"""Creating identities and writing who-may-do-what to the ledger: hospitals, agencies,
responders, patients, grants, devices."""

from __future__ import annotations

from ledger_client.crypto import Suite
from ledger_client.home import Identity, Role
from ledger_client.ledger import (
    AgencyRegistered, DeviceRegistered, DeviceRevoked, HospitalGranted, HospitalRevoked,
    PatientRegistered, Receipt, ResponderRegistered, ResponderRevoked)
from ledger_client.ledger.author import write
from ledger_client.workflows.context import Passphrase, Workspace

__all__ = ["create_hospital", "create_agency", "create_responder", "create_patient",
           "grant_hospital", "revoke_hospital", "register_device", "revoke_device",
           "revoke_responder", "parse_device_id"]


def _ask(passphrase: Passphrase, role: Role, name: str) -> str:
    return passphrase(f"passphrase for {role.value} {name}")


def _ask_new(passphrase: Passphrase, role: Role, name: str) -> str:
    """For a key being created: prompts starting "new " are confirmed by interactive callers."""
    return passphrase(f"new passphrase for {role.value} {name}")


def create_hospital(ws: Workspace, name: str, passphrase: Passphrase) -> Identity:
    """A hospital is a key; patients grant it (no ledger entry of its own)."""
    return ws.home.create(Role.HOSPITAL, name, _ask_new(passphrase, Role.HOSPITAL, name))


def _create_and_register(ws: Workspace, role: Role, name: str, passphrase: Passphrase,
                         suite: Suite, make_body) -> Identity:  # type: ignore[no-untyped-def]
    secret = _ask_new(passphrase, role, name)
    ws.ledger  # fail on an unreachable ledger before creating keys
    identity = ws.home.create(role, name, secret, suite=suite)
    try:
        write(ws.ledger, ws.home.signing_key(role, name, secret), make_body(identity))
    except BaseException:
        ws.home.remove(role, name)  # a refused registration leaves no half identity behind
        raise
    return identity


def create_agency(ws: Workspace, name: str, passphrase: Passphrase,
                  suite: Suite = Suite.X25519) -> Identity:
    return _create_and_register(ws, Role.AGENCY, name, passphrase, suite,
                                lambda ident: AgencyRegistered(name, ident.recipient_key))


def create_patient(ws: Workspace, name: str, passphrase: Passphrase,
                   suite: Suite = Suite.X25519) -> Identity:
    """Identity key + emergency key; registers the patient (its EK public key) on the ledger."""
    return _create_and_register(ws, Role.PATIENT, name, passphrase, suite,
                                lambda ident: PatientRegistered(ident.recipient_key))


def create_responder(ws: Workspace, name: str, agency: str, passphrase: Passphrase) -> Identity:
    """A responder key, registered on the ledger by its agency (the agency's passphrase)."""
    ws.home.identity(Role.AGENCY, agency)
    agency_key = ws.home.signing_key(Role.AGENCY, agency, _ask(passphrase, Role.AGENCY, agency))
    identity = ws.home.create(Role.RESPONDER, name, _ask_new(passphrase, Role.RESPONDER, name),
                              agency=agency)
    try:
        write(ws.ledger, agency_key, ResponderRegistered(identity.public_key))
    except BaseException:
        ws.home.remove(Role.RESPONDER, name)
        raise
    return identity


def revoke_responder(ws: Workspace, name: str, passphrase: Passphrase) -> Receipt:
    responder = ws.home.identity(Role.RESPONDER, name)
    agency = responder.agency or ""
    key = ws.home.signing_key(Role.AGENCY, agency, _ask(passphrase, Role.AGENCY, agency))
    return write(ws.ledger, key, ResponderRevoked(responder.public_key))


def _patient_write(ws: Workspace, patient: str, passphrase: Passphrase, body) -> Receipt:  # type: ignore[no-untyped-def]
    key = ws.home.signing_key(Role.PATIENT, patient, _ask(passphrase, Role.PATIENT, patient))
    return write(ws.ledger, key, body)


def grant_hospital(ws: Workspace, patient: str, hospital: str, passphrase: Passphrase) -> Receipt:
    ws.home.identity(Role.PATIENT, patient)
    target = ws.home.identity(Role.HOSPITAL, hospital)
    return _patient_write(ws, patient, passphrase, HospitalGranted(target.public_key))


def revoke_hospital(ws: Workspace, patient: str, hospital: str, passphrase: Passphrase) -> Receipt:
    ws.home.identity(Role.PATIENT, patient)
    target = ws.home.identity(Role.HOSPITAL, hospital)
    return _patient_write(ws, patient, passphrase, HospitalRevoked(target.public_key))


def parse_device_id(text: str) -> bytes:
    """A device id as printed by the band: 2-64 hex digits."""
    try:
        raw = bytes.fromhex(text)
    except ValueError:
        raise ValueError(f"device id must be hex digits, got {text!r}") from None
    if not 1 <= len(raw) <= 32:
        raise ValueError(f"device id must be 1-32 bytes, got {len(raw)}")
    return raw


def register_device(ws: Workspace, patient: str, device_id: bytes, passphrase: Passphrase,
                    *, hospital: str | None = None) -> Receipt:
    """Register a band for the patient, signed by the patient or by a granted hospital."""
    address = ws.home.identity(Role.PATIENT, patient).address
    role, name = (Role.HOSPITAL, hospital) if hospital else (Role.PATIENT, patient)
    key = ws.home.signing_key(role, name, _ask(passphrase, role, name))
    return write(ws.ledger, key, DeviceRegistered(address, device_id))


def revoke_device(ws: Workspace, patient: str, device_id: bytes, passphrase: Passphrase) -> Receipt:
    address = ws.home.identity(Role.PATIENT, patient).address
    return _patient_write(ws, patient, passphrase, DeviceRevoked(address, device_id))

