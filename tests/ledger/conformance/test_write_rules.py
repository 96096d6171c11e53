"""Who may write what: every refused write is refused with its reason and changes nothing."""

from __future__ import annotations

import dataclasses
import os

import pytest

from ledger_client.crypto import RecipientKey, SigningKey, Suite
from ledger_client.ledger import (
    AgencyKeyRotated, AgencyRegistered, BreakGlass, DeviceRegistered, DeviceRevoked,
    HospitalGranted, HospitalRevoked, Ledger, PatientRegistered, Refusal, RefusedWrite,
    ResponderRegistered, ResponderRevoked, ResponderStatus)
from ledger_client.ledger.author import approve_break_glass, make_entry, write
from ledger_client.ledger.rules import address_of

from .actors import Cast


def snapshot(ledger: Ledger) -> tuple:
    entries = [(logged.index, logged.entry) for logged in ledger.entries()]
    root = ledger.checkpoint().root_hash if ledger.capabilities.proofs else None
    return ledger.size(), entries, root


def refused(ledger: Ledger, key: SigningKey, body: object, reason: Refusal) -> RefusedWrite:
    before = snapshot(ledger)
    with pytest.raises(RefusedWrite) as info:
        write(ledger, key, body)  # type: ignore[arg-type]
    assert info.value.reason is reason, str(info.value)
    assert snapshot(ledger) == before, "a refused write changed the ledger"
    return info.value


def test_the_normal_flow_is_accepted_and_answers_queries(ledger_backend: Ledger) -> None:
    cast = Cast(ledger_backend).setup_all()
    anchor = cast.anchor_body(version=1)
    receipt = write(ledger_backend, cast.hospital, anchor)
    assert receipt.index == ledger_backend.size() - 1
    latest = ledger_backend.latest_record(cast.address)
    assert latest is not None and latest.ciphertext_sha256 == anchor.ciphertext_sha256
    assert latest.hospital == cast.pub(cast.hospital) and latest.version == 1
    write(ledger_backend, cast.hospital, cast.anchor_body(version=2))
    assert ledger_backend.latest_record(cast.address, "ips").version == 2
    assert ledger_backend.latest_record(cast.address, "other") is None
    write(ledger_backend, cast.responder, cast.access_body())
    assert ledger_backend.emergency_key(cast.address) == cast.emergency.public_key().to_bytes()
    assert ledger_backend.is_granted(cast.address, cast.pub(cast.hospital))
    assert ledger_backend.responder_status(cast.pub(cast.responder)) is ResponderStatus.ACTIVE
    assert ledger_backend.agency_recipient_key(cast.pub(cast.agency)) == \
        cast.agency_recipient.public_key().to_bytes()
    assert not ledger_backend.is_device_revoked(cast.device_id)
    kinds = [logged.entry.kind.name for logged in ledger_backend.entries(patient=cast.address)]
    assert kinds == ["PATIENT_REGISTERED", "HOSPITAL_GRANTED", "DEVICE_REGISTERED",
                     "RECORD_ANCHORED", "RECORD_ANCHORED", "EMERGENCY_ACCESS"]


def test_bad_signature_is_refused(ledger_backend: Ledger) -> None:
    cast = Cast(ledger_backend)
    entry = make_entry(ledger_backend, cast.patient, PatientRegistered(b"\x01" + bytes(32)))
    forged = dataclasses.replace(entry, signature=bytes(64))
    with pytest.raises(RefusedWrite) as info:
        ledger_backend.append(forged)
    assert info.value.reason is Refusal.BAD_SIGNATURE and ledger_backend.size() == 0
    other = dataclasses.replace(entry, author=cast.pub(cast.hospital))
    with pytest.raises(RefusedWrite, match="bad_signature"):
        ledger_backend.append(other)


def test_replayed_and_reordered_entries_are_refused(ledger_backend: Ledger) -> None:
    cast = Cast(ledger_backend)
    first = make_entry(ledger_backend, cast.patient,
                       PatientRegistered(cast.emergency.public_key().to_bytes()))
    ledger_backend.append(first)
    with pytest.raises(RefusedWrite) as info:
        ledger_backend.append(first)
    assert info.value.reason is Refusal.BAD_SEQUENCE
    grant = make_entry(ledger_backend, cast.patient, HospitalGranted(cast.pub(cast.hospital)))
    revoke = make_entry(ledger_backend, cast.patient, HospitalRevoked(cast.pub(cast.hospital)),
                        sequence=grant.sequence + 1)
    with pytest.raises(RefusedWrite) as info:
        ledger_backend.append(revoke)       # sent before the grant it follows
    assert info.value.reason is Refusal.BAD_SEQUENCE
    ledger_backend.append(grant)
    ledger_backend.append(revoke)
    assert ledger_backend.size() == 3 and not ledger_backend.is_granted(
        cast.address, cast.pub(cast.hospital))


def test_only_the_patient_grants_and_revokes(ledger_backend: Ledger) -> None:
    cast = Cast(ledger_backend)
    refused(ledger_backend, cast.patient, HospitalGranted(cast.pub(cast.hospital)),
            Refusal.UNKNOWN_PATIENT)
    cast.register_patient()
    refused(ledger_backend, cast.patient, PatientRegistered(b"\x01" + bytes(32)),
            Refusal.ALREADY_REGISTERED)
    # A hospital's own key has its own address, which is no registered patient.
    refused(ledger_backend, cast.hospital, HospitalGranted(cast.pub(cast.hospital)),
            Refusal.UNKNOWN_PATIENT)
    refused(ledger_backend, cast.patient, HospitalRevoked(cast.pub(cast.hospital)),
            Refusal.NOT_GRANTED)
    cast.grant()
    refused(ledger_backend, cast.patient, HospitalGranted(cast.pub(cast.hospital)),
            Refusal.ALREADY_REGISTERED)


def test_only_a_granted_hospital_anchors_and_versions_increase(ledger_backend: Ledger) -> None:
    cast = Cast(ledger_backend)
    refused(ledger_backend, cast.hospital, cast.anchor_body(), Refusal.UNKNOWN_PATIENT)
    cast.register_patient()
    refused(ledger_backend, cast.hospital, cast.anchor_body(), Refusal.NOT_GRANTED)
    cast.grant()
    write(ledger_backend, cast.hospital, cast.anchor_body(version=3))
    refused(ledger_backend, cast.hospital, cast.anchor_body(version=3), Refusal.STALE_VERSION)
    refused(ledger_backend, cast.hospital, cast.anchor_body(version=2), Refusal.STALE_VERSION)
    refused(ledger_backend, cast.hospital, cast.anchor_body(version=0, record_id="new"),
            Refusal.STALE_VERSION)
    stranger = SigningKey.generate()
    refused(ledger_backend, stranger, cast.anchor_body(version=4), Refusal.NOT_GRANTED)
    write(ledger_backend, cast.patient, HospitalRevoked(cast.pub(cast.hospital)))
    refused(ledger_backend, cast.hospital, cast.anchor_body(version=4), Refusal.NOT_GRANTED)
    assert ledger_backend.latest_record(cast.address).version == 3


def test_devices_registered_and_revoked_by_the_right_keys(ledger_backend: Ledger) -> None:
    cast = Cast(ledger_backend)
    cast.register_patient()
    stranger = SigningKey.generate()
    refused(ledger_backend, stranger, DeviceRegistered(cast.address, cast.device_id),
            Refusal.NOT_AUTHORIZED)
    cast.grant()
    write(ledger_backend, cast.hospital, DeviceRegistered(cast.address, cast.device_id))
    refused(ledger_backend, cast.patient, DeviceRegistered(cast.address, cast.device_id),
            Refusal.ALREADY_REGISTERED)
    refused(ledger_backend, cast.hospital, DeviceRevoked(cast.address, cast.device_id),
            Refusal.NOT_AUTHORIZED)
    refused(ledger_backend, cast.patient, DeviceRevoked(cast.address, os.urandom(16)),
            Refusal.UNKNOWN_DEVICE)
    write(ledger_backend, cast.patient, DeviceRevoked(cast.address, cast.device_id))
    assert ledger_backend.is_device_revoked(cast.device_id)
    refused(ledger_backend, cast.patient, DeviceRevoked(cast.address, cast.device_id),
            Refusal.REVOKED_DEVICE)


def test_only_registered_responders_log_accesses_on_live_devices(ledger_backend: Ledger) -> None:
    cast = Cast(ledger_backend)
    cast.register_patient()
    cast.register_device()
    refused(ledger_backend, cast.responder, cast.access_body(), Refusal.UNKNOWN_RESPONDER)
    refused(ledger_backend, cast.agency, ResponderRegistered(cast.pub(cast.responder)),
            Refusal.UNKNOWN_AGENCY)
    cast.register_agency_and_responder()
    refused(ledger_backend, cast.agency, AgencyRegistered("again", b"\x01" + bytes(32)),
            Refusal.ALREADY_REGISTERED)
    refused(ledger_backend, cast.agency, ResponderRegistered(cast.pub(cast.responder)),
            Refusal.ALREADY_REGISTERED)
    body = cast.access_body()
    refused(ledger_backend, cast.responder,
            dataclasses.replace(body, device_id=os.urandom(16)), Refusal.UNKNOWN_DEVICE)
    refused(ledger_backend, cast.responder,
            dataclasses.replace(body, patient=os.urandom(20)), Refusal.UNKNOWN_PATIENT)
    write(ledger_backend, cast.responder, body)
    write(ledger_backend, cast.patient, DeviceRevoked(cast.address, cast.device_id))
    refused(ledger_backend, cast.responder, cast.access_body(2), Refusal.REVOKED_DEVICE)


def test_agencies_revoke_only_their_own_responders(ledger_backend: Ledger) -> None:
    cast = Cast(ledger_backend)
    cast.register_patient()
    cast.register_device()
    cast.register_agency_and_responder()
    other_agency = SigningKey.generate()
    write(ledger_backend, other_agency, AgencyRegistered("County Fire", b"\x01" + bytes(32)))
    refused(ledger_backend, other_agency, ResponderRevoked(cast.pub(cast.responder)),
            Refusal.NOT_AUTHORIZED)
    refused(ledger_backend, cast.agency, ResponderRevoked(cast.pub(other_agency)),
            Refusal.UNKNOWN_RESPONDER)
    write(ledger_backend, cast.agency, ResponderRevoked(cast.pub(cast.responder)))
    assert ledger_backend.responder_status(cast.pub(cast.responder)) is ResponderStatus.REVOKED
    refused(ledger_backend, cast.agency, ResponderRevoked(cast.pub(cast.responder)),
            Refusal.REVOKED_RESPONDER)
    refused(ledger_backend, cast.responder, cast.access_body(), Refusal.REVOKED_RESPONDER)


def test_agency_key_rotation(ledger_backend: Ledger) -> None:
    cast = Cast(ledger_backend)
    new_key = RecipientKey.generate(Suite.MLKEM768_X25519).public_key().to_bytes()
    refused(ledger_backend, cast.agency, AgencyKeyRotated(new_key), Refusal.UNKNOWN_AGENCY)
    cast.register_agency_and_responder()
    write(ledger_backend, cast.agency, AgencyKeyRotated(new_key))
    assert ledger_backend.agency_recipient_key(cast.pub(cast.agency)) == new_key
    assert ledger_backend.agency_recipient_key(os.urandom(32)) is None


def test_break_glass_needs_a_quorum_of_registered_agencies(ledger_backend: Ledger) -> None:
    cast = Cast(ledger_backend).setup_all()
    second = SigningKey.generate()
    responder = cast.pub(cast.responder)
    body = BreakGlass(cast.address, "finger unreadable: burns", os.urandom(16))
    one = approve_break_glass(cast.agency, responder, body)
    unregistered = approve_break_glass(second, responder, body)
    refused(ledger_backend, cast.responder, dataclasses.replace(body, approvals=(one,)),
            Refusal.QUORUM_NOT_MET)
    refused(ledger_backend, cast.responder, dataclasses.replace(body, approvals=(one, one)),
            Refusal.QUORUM_NOT_MET)
    refused(ledger_backend, cast.responder,
            dataclasses.replace(body, approvals=(one, unregistered)), Refusal.QUORUM_NOT_MET)
    write(ledger_backend, second, AgencyRegistered("County Fire", b"\x01" + bytes(32)))
    forged = dataclasses.replace(unregistered, signature=bytes(64))
    refused(ledger_backend, cast.responder,
            dataclasses.replace(body, approvals=(one, forged)), Refusal.QUORUM_NOT_MET)
    other_reason = dataclasses.replace(body, reason="something else", approvals=(one, unregistered))
    refused(ledger_backend, cast.responder, other_reason, Refusal.QUORUM_NOT_MET)
    write(ledger_backend, cast.responder, dataclasses.replace(body, approvals=(one, unregistered)))
    assert list(ledger_backend.entries(cast.address))[-1].entry.kind.name == "BREAK_GLASS"


def test_a_batch_is_all_or_nothing(ledger_backend: Ledger) -> None:
    cast = Cast(ledger_backend)
    register = make_entry(ledger_backend, cast.patient,
                          PatientRegistered(cast.emergency.public_key().to_bytes()))
    grant = make_entry(ledger_backend, cast.patient, HospitalGranted(cast.pub(cast.hospital)),
                       sequence=1)
    bad = make_entry(ledger_backend, cast.hospital, cast.anchor_body(version=0), sequence=0)
    with pytest.raises(RefusedWrite) as info:
        ledger_backend.append_batch([register, grant, bad])
    assert info.value.batch_index == 2 and info.value.reason is Refusal.STALE_VERSION
    assert ledger_backend.size() == 0 and ledger_backend.next_sequence(cast.pub(cast.patient)) == 0
    receipts = ledger_backend.append_batch([register, grant])
    assert [r.index for r in receipts] == [0, 1] and ledger_backend.size() == 2


def test_a_break_glass_is_logged_once_per_patient_and_nonce(ledger_backend: Ledger) -> None:
    cast = Cast(ledger_backend).setup_all()
    second = SigningKey.generate()
    write(ledger_backend, second, AgencyRegistered("County Fire", b"\x01" + bytes(32)))
    responder = cast.pub(cast.responder)

    def approved(body: BreakGlass) -> BreakGlass:
        return dataclasses.replace(body, approvals=tuple(
            approve_break_glass(agency, responder, body) for agency in (cast.agency, second)))

    body = approved(BreakGlass(cast.address, "finger unreadable: burns", os.urandom(16)))
    write(ledger_backend, cast.responder, body)
    # the same approvals again: no new decision, so no second access
    error = refused(ledger_backend, cast.responder, body, Refusal.REPLAYED_BREAK_GLASS)
    assert "already logged" in error.detail
    # fresh approvals over another reason do not make the used nonce new
    refused(ledger_backend, cast.responder,
            approved(BreakGlass(cast.address, "another reason", body.nonce)),
            Refusal.REPLAYED_BREAK_GLASS)
    # nor does a batch holding the same break-glass twice: all or nothing
    size = ledger_backend.size()
    fresh = approved(BreakGlass(cast.address, "finger unreadable: burns", os.urandom(16)))
    first = make_entry(ledger_backend, cast.responder, fresh)
    again = make_entry(ledger_backend, cast.responder, fresh, sequence=first.sequence + 1)
    with pytest.raises(RefusedWrite) as info:
        ledger_backend.append_batch([first, again])
    assert info.value.reason is Refusal.REPLAYED_BREAK_GLASS and info.value.batch_index == 1
    assert ledger_backend.size() == size
    # the key is (patient, nonce): the same nonce for another patient is a new override
    other = SigningKey.generate()
    write(ledger_backend, other, PatientRegistered(b"\x01" + bytes(32)))
    write(ledger_backend, cast.responder,
          approved(BreakGlass(address_of(cast.pub(other)), "finger unreadable: burns", body.nonce)))
    kinds = [logged.entry.kind.name for logged in ledger_backend.entries(cast.address)]
    assert kinds.count("BREAK_GLASS") == 1
