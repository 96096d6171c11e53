"""Attacks through the ledger and the record store: a revoked responder, a hospital without a
grant, a swapped record blob, a forked ledger detected by the patient's audit."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import pytest

from ledger_client.crypto import RecipientKey, SigningKey, address_bytes, patient_address
from ledger_client.crypto.records import encrypt_record
from ledger_client.ledger.author import make_entry, write
from ledger_client.ledger.continuity import ForkDetected, SeenCheckpoint
from ledger_client.ledger.entries import (
    EmergencyAccess, HospitalGranted, HospitalRevoked, PatientRegistered, RecordAnchored,
    ResponderRevoked)
from ledger_client.ledger.errors import Refusal, RefusedWrite
from ledger_client.ledger.protocol import Ledger, ResponderStatus
from ledger_client.ledger.sqlite import SqliteLedger
from ledger_client.ledger.verify import verify_ledger_file
from ledger_client.workflows.audit import audit_ledger
from responder_app import errors as e
from responder_app.demo import DEMO_FINGER
from sec_world import Scene


def _db(scene: Scene) -> Path:
    return Path(scene.world.ledger_url.removeprefix("sqlite://"))


def test_revoked_responder_is_refused_by_the_app_and_by_the_ledger(scene: Scene) -> None:
    world = scene.world
    with scene.ledger() as ledger:  # type: ignore[attr-defined]
        write(ledger, world.agency_key, ResponderRevoked(world.responder_key.verify_key.to_bytes()))
        size = ledger.size()
        # the responder writes the access entry directly, bypassing the app
        forged = make_entry(ledger, world.responder_key, EmergencyAccess(
            address_bytes(world.address), world.device_id, 1, os.urandom(16), 1, False))
        with pytest.raises(RefusedWrite) as refused:
            ledger.append(forged)
        assert refused.value.reason is Refusal.REVOKED_RESPONDER
        assert ledger.size() == size
    session = scene.session()
    with pytest.raises(e.ReleaseRefused, match="not active on the ledger"):
        session.connect()
    world.band.place_finger(DEMO_FINGER)
    with pytest.raises(e.SessionError, match="connect to the band first"):
        session.release()  # the band is never asked to release for a refused responder
    session.close()
    assert scene.accesses() == []
    verify_ledger_file(_db(scene))


@pytest.mark.parametrize("history", ["never granted", "grant revoked"])
def test_hospital_without_a_grant_cannot_anchor(scene: Scene, history: str) -> None:
    world = scene.world
    rogue = SigningKey.generate() if history == "never granted" else world.hospital_key
    with scene.ledger() as ledger:  # type: ignore[attr-defined]
        if history == "grant revoked":
            write(ledger, world.patient_key, HospitalRevoked(rogue.verify_key.to_bytes()))
        before = (ledger.size(), ledger.latest_record(address_bytes(world.address)))
        blob = encrypt_record(b"{}", patient=world.address, record_id="ips", version=2,
                              emergency_key=world.patient_ek.public_key())
        entry = make_entry(ledger, rogue, RecordAnchored(
            address_bytes(world.address), "ips", 2, hashlib.sha256(blob).digest(), b"ptr"))
        with pytest.raises(RefusedWrite) as refused:
            ledger.append(entry)
        assert refused.value.reason is Refusal.NOT_GRANTED, refused.value
        assert (ledger.size(), ledger.latest_record(address_bytes(world.address))) == before
    verify_ledger_file(_db(scene))


def _another_patients_ciphertext(scene: Scene) -> bytes:
    other, other_ek = SigningKey.generate(), RecipientKey.generate()
    other_address = patient_address(other.verify_key)
    with scene.ledger() as ledger:  # type: ignore[attr-defined]
        write(ledger, other, PatientRegistered(other_ek.public_key().to_bytes()))
        write(ledger, other, HospitalGranted(scene.world.hospital_key.verify_key.to_bytes()))
    plain = (Path(__file__).resolve().parents[1] / "vectors" / "hl7-ips"
             / "bundle-minimal.json").read_bytes()
    # opens under the victim's EK too: anyone can encrypt to a public key (T12)
    return encrypt_record(plain, patient=scene.world.address, record_id="ips", version=1,
                          emergency_key=scene.world.patient_ek.public_key())


def _open_to_release(scene: Scene):  # type: ignore[no-untyped-def]
    session = scene.session()
    session.connect()
    scene.world.band.place_finger(DEMO_FINGER)
    session.release()
    return session


def test_swapped_blob_in_the_store_folder_is_refused(scene: Scene) -> None:
    store_dir = scene.world.profile.store_dir
    with scene.ledger() as ledger:  # type: ignore[attr-defined]
        digest = ledger.latest_record(address_bytes(scene.world.address)).ciphertext_sha256
    swapped = _another_patients_ciphertext(scene)
    target = Path(store_dir) / digest.hex()[:2] / digest.hex()[2:]  # the directory store's layout
    assert target.is_file()
    target.write_bytes(swapped)
    session = _open_to_release(scene)
    with pytest.raises(e.RecordTampered):
        session.read_record()
    session.close()
    assert len(scene.accesses()) == 1  # refused, but the key was released: logged (f37f285)


class LyingStore:
    """A store backend that skips its own hash check and serves a chosen blob for every digest."""

    def __init__(self, blob: bytes) -> None:
        self.blob = blob

    def get(self, digest: bytes) -> bytes:
        return self.blob

    def put(self, blob: bytes) -> bytes:
        raise AssertionError("the tablet never writes to the store")

    def __contains__(self, digest: object) -> bool:
        return True


def test_lying_store_serving_another_ciphertext_is_refused_by_the_ledger_hash(scene: Scene) -> None:
    swapped = _another_patients_ciphertext(scene)
    session = scene.session(store=lambda: LyingStore(swapped))
    session.connect()
    scene.world.band.place_finger(DEMO_FINGER)
    session.release()
    with pytest.raises(e.RecordTampered, match="hash differs from the ledger"):
        session.read_record()
    session.close()
    assert len(scene.accesses()) == 1  # refused, but the key was released: logged (f37f285)


def test_forked_ledger_is_detected_by_the_patients_audit(tmp_path: Path) -> None:
    """The operator keeps two ledger files under one key and shows each reader a different one.
    (Through `iceband audit`: tests/workflows/test_audit_continuity.py.)"""
    operator = SigningKey.generate()
    patient, ek = SigningKey.generate(), RecipientKey.generate()
    address = address_bytes(patient_address(patient.verify_key))
    honest = SqliteLedger(tmp_path / "a.db", signing_key=operator)
    forked = SqliteLedger(tmp_path / "b.db", signing_key=operator)
    try:
        for ledger in (honest, forked):
            write(ledger, patient, PatientRegistered(ek.public_key().to_bytes()))
        hospital_a, hospital_b = SigningKey.generate(), SigningKey.generate()
        write(honest, patient, HospitalGranted(hospital_a.verify_key.to_bytes()))
        seen = SeenCheckpoint(tmp_path / "seen.txt", operator.verify_key.to_bytes())
        first = audit_ledger(honest, address, ledger_key=seen.ledger_key, seen=seen)
        assert first.tree_size == 2 and len(first.events) == 2 and first.overrides == []
        saved = seen.load()
        assert saved is not None and saved.tree_size == 2 and saved.root_hash.hex() == first.root_hash
        # the fork: the same history up to 1, then a different entry 1 and one more
        write(forked, patient, HospitalGranted(hospital_b.verify_key.to_bytes()))
        write(forked, patient, HospitalRevoked(hospital_b.verify_key.to_bytes()))
        assert forked.checkpoint().tree_size == 3  # signed, and larger: looks like progress
        with pytest.raises(ForkDetected, match="does not extend"):
            audit_ledger(forked, address, ledger_key=seen.ledger_key, seen=seen)
        assert seen.load() == saved  # the fork's checkpoint was not adopted
        # the honest ledger moving on still audits
        write(honest, patient, HospitalRevoked(hospital_a.verify_key.to_bytes()))
        again = audit_ledger(honest, address, ledger_key=seen.ledger_key, seen=seen)
        assert again.tree_size == 3 and again.seen_tree_size == 2
    finally:
        honest.close()
        forked.close()


def test_rolled_back_ledger_is_detected(tmp_path: Path) -> None:
    operator, patient = SigningKey.generate(), SigningKey.generate()
    address = address_bytes(patient_address(patient.verify_key))
    seen = SeenCheckpoint(tmp_path / "seen.txt", operator.verify_key.to_bytes())
    with SqliteLedger(tmp_path / "a.db", signing_key=operator) as ledger:
        write(ledger, patient, PatientRegistered(RecipientKey.generate().public_key().to_bytes()))
        write(ledger, patient, HospitalGranted(os.urandom(32)))
        audit_ledger(ledger, address, ledger_key=seen.ledger_key, seen=seen)
    saved = seen.load()
    with SqliteLedger(tmp_path / "old.db", signing_key=operator) as old:  # a restored backup
        write(old, patient, PatientRegistered(RecipientKey.generate().public_key().to_bytes()))
        with pytest.raises(ForkDetected, match="shrank"):
            audit_ledger(old, address, ledger_key=seen.ledger_key, seen=seen)
    assert seen.load() == saved


class AgencyGone:
    """The ledger as it answers once a responder's agency is no longer registered (the SQLite
    ledger has no agency-revocation entry yet; `ResponderStatus.AGENCY_UNKNOWN` is that answer)."""

    def __init__(self, inner: Ledger) -> None:
        self._inner = inner

    def responder_status(self, responder: bytes) -> ResponderStatus:
        return ResponderStatus.AGENCY_UNKNOWN

    def __getattr__(self, name: str) -> object:
        return getattr(self._inner, name)


def test_responder_of_an_agency_no_longer_registered_is_refused(scene: Scene) -> None:
    session = scene.session(ledger=lambda: AgencyGone(scene.world.open_ledger()))
    with pytest.raises(e.ReleaseRefused, match="agency_unknown"):
        session.connect()
    session.close()
    assert scene.accesses() == []
