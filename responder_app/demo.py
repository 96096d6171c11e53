"""The demo world: a patient, a hospital, an agency and a responder on an embedded ledger in a
temporary home, a FHIR IPS record anchored and stored, and a simulated band provisioned with
the patient's finger. `iceband demo` and the tests of this area build on it.
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Protocol

from ledger_client.crypto import RecipientKey, SigningKey, address_bytes, patient_address
from ledger_client.crypto import seal_to_many
from ledger_client.crypto.records import encrypt_record
from ledger_client.fhir import emergency_view, encode_summary, load_ips
from ledger_client.ledger.author import write
from ledger_client.ledger.entries import (
    AgencyRegistered, DeviceRegistered, DeviceRevoked, HospitalGranted, PatientRegistered,
    RecordAnchored, ResponderRegistered)
from ledger_client.ledger.protocol import Ledger, open_ledger
from ledger_client.store import open_store

from .emergency_blob import EmergencyPayload, seal_emergency_blob, seal_summary
from .profile import TabletProfile
from .provisioning import provision_band
from .device import BandDevice

__all__ = ["DemoBand", "DemoWorld", "build_demo_world", "DEMO_FINGER", "WRONG_FINGER", "DEMO_PASSPHRASE",
           "default_record", "anchor_record"]

DEMO_FINGER = "demo-patient/right-index"
WRONG_FINGER = "someone-else/left-thumb"
DEMO_PASSPHRASE = "correct horse battery staple"
_RECORD_ID = "ips"
_POINTER_INFO = b"ICEband/v1/record-pointer"


class DemoBand(Protocol):
    """A simulated band with the patient's hand and the field as test actions (both
    `responder_app.sim_band.SimulatedBand` and `responder_app.hil_band.FirmwareBand`)."""

    state_dir: str

    def wired(self) -> BandDevice: ...
    def place_finger(self, name: str) -> None: ...
    def lift_finger(self) -> None: ...
    def tap(self) -> None: ...
    def remove(self) -> None: ...


def default_record() -> Path:
    """A real HL7 IPS example shipped with the tests (the demo's default patient)."""
    root = Path(__file__).resolve().parent.parent
    for candidate in sorted((root / "tests" / "vectors").glob("hl7-ips/*.json")):
        return candidate
    return Path("/work/shared/fixtures/ips/IPS-examples-Example-Immunization.json")


@dataclass
class DemoWorld:
    home: Path
    ledger_url: str
    profile: TabletProfile
    passphrase: str
    band: DemoBand
    patient_key: SigningKey
    patient_ek: RecipientKey
    hospital_key: SigningKey
    agency_key: SigningKey
    responder_key: SigningKey
    device_id: bytes
    address: str
    record_version: int

    def open_ledger(self) -> Ledger:
        return open_ledger(self.ledger_url)

    def revoke_band(self) -> None:
        with self.open_ledger() as ledger:  # type: ignore[attr-defined]
            write(ledger, self.patient_key, DeviceRevoked(address_bytes(self.address), self.device_id))


def anchor_record(ledger: Ledger, store_dir: Path, hospital: SigningKey, ek: RecipientKey,
                  address: str, plain: bytes, version: int) -> bytes:
    """Encrypts, stores and anchors one record version; returns the ciphertext."""
    ciphertext = encrypt_record(plain, patient=address, record_id=_RECORD_ID, version=version,
                                emergency_key=ek.public_key())
    digest = open_store(store_dir).put(ciphertext)
    pointer = seal_to_many(digest, [ek.public_key()], info=_POINTER_INFO)
    write(ledger, hospital, RecordAnchored(address_bytes(address), _RECORD_ID, version,
                                           hashlib.sha256(ciphertext).digest(), pointer))
    return ciphertext


def build_demo_world(home: Path, *, band: DemoBand, record: Path | None = None,
                     ledger_url: str | None = None, finger: str = DEMO_FINGER,
                     progress: Callable[[str], None] = lambda _: None) -> DemoWorld:
    home.mkdir(parents=True, exist_ok=True)
    ledger_url = ledger_url or "sqlite://" + str((home / "ledger.db").resolve())
    store_dir = home / "store"
    record = record or default_record()
    plain = Path(record).read_bytes()
    view = emergency_view(load_ips(plain))

    progress(f"ledger: {ledger_url}")
    ledger = open_ledger(ledger_url)
    try:
        patient, ek = SigningKey.generate(), RecipientKey.generate()
        address = patient_address(patient.verify_key)
        hospital, agency, responder = SigningKey.generate(), SigningKey.generate(), SigningKey.generate()
        agency_recipient = RecipientKey.generate()
        write(ledger, patient, PatientRegistered(ek.public_key().to_bytes()))
        write(ledger, patient, HospitalGranted(hospital.verify_key.to_bytes()))
        write(ledger, agency, AgencyRegistered("Demo Ambulance Service",
                                               agency_recipient.public_key().to_bytes()))
        write(ledger, agency, ResponderRegistered(responder.verify_key.to_bytes()))
        progress(f"patient {address} registered; hospital granted; agency and responder registered")
        anchor_record(ledger, store_dir, hospital, ek, address, plain, 1)
        progress(f"record {Path(record).name} encrypted, stored and anchored (version 1)")

        device_id, secret = os.urandom(16), os.urandom(32)
        agencies = [agency_recipient.public_key()]
        blob = seal_emergency_blob(EmergencyPayload(secret, ek), agencies, device_id)
        summary = seal_summary(encode_summary(view), agencies, device_id)
        with band.wired() as wired:
            provision_band(wired, device_id=device_id, address=address_bytes(address),
                           secret=secret, sealed_blob=blob, sealed_summary=summary,
                           press=lambda _n: band.place_finger(finger), lift=band.lift_finger)
        band.lift_finger()
        write(ledger, hospital, DeviceRegistered(address_bytes(address), device_id))
        progress(f"band {device_id.hex()} provisioned (finger enrolled, blob {len(blob)} B, "
                 f"summary {len(summary)} B) and registered")
    finally:
        ledger.close()
    profile = TabletProfile.create(home / "tablet", name="Demo Responder",
                                   passphrase=DEMO_PASSPHRASE, signing_key=responder,
                                   agency_key=agency_recipient, ledger_url=ledger_url,
                                   store_dir=store_dir, fast_kdf=True)
    return DemoWorld(home, ledger_url, profile, DEMO_PASSPHRASE, band, patient, ek, hospital,
                     agency, responder, device_id, address, 1)
