"""The EVM backend on eth-tester (in-process py-evm) and on a real Anvil node."""

from __future__ import annotations

import os

import pytest
from eth_account import Account

from ledger_client.crypto import SigningKey
from ledger_client.evm.anvil import ANVIL_DEV_KEYS
from ledger_client.ledger import (
    AgencyKeyRotated, BreakGlass, DeviceRevoked, HospitalRevoked, Ledger, LedgerCorrupt,
    Refusal, RefusedWrite, ResponderRevoked, ResponderStatus, Unsupported)
from ledger_client.ledger.author import approve_break_glass, make_entry, write
from ledger_client.ledger.codec import encode_entry

pytestmark = pytest.mark.evm
EMERGENCY_ACCESS_GAS_TARGET = 60_000


def last_gas(ledger) -> int:
    return int(ledger.chain.recent[-1].receipt["gasUsed"])


def test_implements_the_ledger_protocol_without_proofs(evm_ledger) -> None:
    assert isinstance(evm_ledger, Ledger)
    assert evm_ledger.capabilities.proofs is False
    for call in (evm_ledger.checkpoint, lambda: evm_ledger.inclusion_proof(0, 1),
                 lambda: evm_ledger.consistency_proof(1, 2)):
        with pytest.raises(Unsupported, match="docs/ledger-evm.md"):
            call()


def test_every_kind_round_trips_and_state_follows(evm_ledger, people_on) -> None:
    p = people_on(evm_ledger).setup()
    anchor = make_entry(evm_ledger, p.hospital, p.anchor(version=3))
    evm_ledger.append(anchor)
    access = make_entry(evm_ledger, p.responder, p.access())
    receipt = evm_ledger.append(access)
    assert receipt.index == evm_ledger.size() - 1 and receipt.checkpoint is None
    assert evm_ledger.entry(receipt.index) == access
    latest = evm_ledger.latest_record(p.address)
    assert latest is not None and latest.version == 3 and latest.hospital == p.pub(p.hospital)
    assert latest.ciphertext_sha256 == anchor.body.ciphertext_sha256
    assert evm_ledger.latest_record(p.address, "other") is None
    assert evm_ledger.emergency_key(p.address) == p.emergency.public_key().to_bytes()
    assert evm_ledger.is_granted(p.address, p.pub(p.hospital))
    assert evm_ledger.responder_status(p.pub(p.responder)) is ResponderStatus.ACTIVE
    old_key = evm_ledger.agency_recipient_key(p.pub(p.agency))
    write(evm_ledger, p.agency, AgencyKeyRotated(b"\x01" + os.urandom(32)))
    assert evm_ledger.agency_recipient_key(p.pub(p.agency)) not in (None, old_key)
    write(evm_ledger, p.agency, ResponderRevoked(p.pub(p.responder)))
    assert evm_ledger.responder_status(p.pub(p.responder)) is ResponderStatus.REVOKED
    write(evm_ledger, p.patient, DeviceRevoked(p.address, p.device_id))
    assert evm_ledger.is_device_revoked(p.device_id)
    write(evm_ledger, p.patient, HospitalRevoked(p.pub(p.hospital)))
    assert not evm_ledger.is_granted(p.address, p.pub(p.hospital))
    about_patient = [logged.entry.kind.name for logged in evm_ledger.entries(p.address)]
    assert about_patient == ["PATIENT_REGISTERED", "HOSPITAL_GRANTED", "DEVICE_REGISTERED",
                             "RECORD_ANCHORED", "EMERGENCY_ACCESS", "DEVICE_REVOKED",
                             "HOSPITAL_REVOKED"]
    everything = list(evm_ledger.entries())
    assert [logged.index for logged in everything] == list(range(evm_ledger.size()))
    assert [logged.index for logged in evm_ledger.entries(start=5)] == list(range(5, evm_ledger.size()))


def test_emergency_access_costs_under_60k_gas(evm_ledger, people_on) -> None:
    p = people_on(evm_ledger).setup()
    write(evm_ledger, p.responder, p.access())
    assert last_gas(evm_ledger) < EMERGENCY_ACCESS_GAS_TARGET


@pytest.mark.parametrize("case", ["replay", "stale_version", "revoked_device", "not_granted",
                                  "bad_signature", "unknown_responder"])
def test_refused_writes_change_nothing(evm_ledger, people_on, case: str) -> None:
    p = people_on(evm_ledger).setup()
    access = make_entry(evm_ledger, p.responder, p.access())
    evm_ledger.append(access)
    write(evm_ledger, p.hospital, p.anchor(version=2))
    if case == "replay":
        entry, reason = access, Refusal.BAD_SEQUENCE
    elif case == "stale_version":
        entry, reason = make_entry(evm_ledger, p.hospital, p.anchor(version=2)), Refusal.STALE_VERSION
    elif case == "revoked_device":
        write(evm_ledger, p.patient, DeviceRevoked(p.address, p.device_id))
        entry, reason = make_entry(evm_ledger, p.responder, p.access(2)), Refusal.REVOKED_DEVICE
    elif case == "not_granted":
        entry, reason = make_entry(evm_ledger, SigningKey.generate(), p.anchor(5)), Refusal.NOT_GRANTED
    elif case == "bad_signature":
        good = make_entry(evm_ledger, p.responder, p.access(2))
        entry = type(good)(good.body, good.author, good.sequence, good.timestamp_ms,
                           bytes([good.signature[0] ^ 1]) + good.signature[1:])
        reason = Refusal.BAD_SIGNATURE
    else:
        entry, reason = make_entry(evm_ledger, SigningKey.generate(), p.access(2)), Refusal.UNKNOWN_RESPONDER
    size, sequence = evm_ledger.size(), evm_ledger.next_sequence(entry.author)
    with pytest.raises(RefusedWrite) as refused:
        evm_ledger.append(entry)
    assert refused.value.reason is reason, refused.value
    assert evm_ledger.size() == size
    assert evm_ledger.next_sequence(entry.author) == sequence
    assert len(list(evm_ledger.entries())) == size


def test_batch_is_all_or_nothing_and_names_the_bad_entry(evm_ledger, people_on) -> None:
    p = people_on(evm_ledger).setup()
    first = make_entry(evm_ledger, p.responder, p.access(1))
    second = make_entry(evm_ledger, p.responder, p.access(2), sequence=first.sequence + 1)
    stale = make_entry(evm_ledger, p.hospital, p.anchor(version=0))
    size = evm_ledger.size()
    with pytest.raises(RefusedWrite) as refused:
        evm_ledger.append_batch([first, second, stale])
    assert refused.value.reason is Refusal.STALE_VERSION and refused.value.batch_index == 2
    assert evm_ledger.size() == size
    receipts = evm_ledger.append_batch([first, second])
    assert [r.index for r in receipts] == [size, size + 1]
    assert evm_ledger.entry(size + 1) == second


def test_break_glass_needs_two_registered_agencies(evm_ledger, people_on) -> None:
    p = people_on(evm_ledger).setup()
    request = BreakGlass(p.address, "finger unreadable", os.urandom(16))
    responder = p.pub(p.responder)
    one = BreakGlass(request.patient, request.reason, request.nonce,
                     (approve_break_glass(p.agency, responder, request),))
    with pytest.raises(RefusedWrite) as refused:
        write(evm_ledger, p.responder, one)
    assert refused.value.reason is Refusal.QUORUM_NOT_MET
    forged = approve_break_glass(SigningKey.generate(), responder, request)
    forged = type(forged)(p.pub(p.agency2), forged.signature)  # claims agency2, signed by another key
    bad = BreakGlass(request.patient, request.reason, request.nonce,
                     (approve_break_glass(p.agency, responder, request), forged))
    with pytest.raises(RefusedWrite) as refused:
        write(evm_ledger, p.responder, bad)
    assert refused.value.reason is Refusal.QUORUM_NOT_MET
    good = BreakGlass(request.patient, request.reason, request.nonce,
                      (approve_break_glass(p.agency, responder, request),
                       approve_break_glass(p.agency2, responder, request)))
    receipt = write(evm_ledger, p.responder, good)
    assert evm_ledger.entry(receipt.index).body == good


def test_only_admitted_relayers_write(anvil_ledger, people_on) -> None:
    p = people_on(anvil_ledger)
    outsider = Account.from_key(ANVIL_DEV_KEYS[1])
    anvil_ledger.chain.operator = outsider
    with pytest.raises(RefusedWrite) as refused:
        write(anvil_ledger, p.patient, p.anchor())
    assert refused.value.reason is Refusal.NOT_AUTHORIZED
    assert "relayer" in refused.value.detail and anvil_ledger.size() == 0


def test_an_entry_its_author_never_signed_is_caught_on_read(anvil_ledger, people_on) -> None:
    # A dishonest relayer bypasses the backend's signature check and calls the contract itself.
    p = people_on(anvil_ledger).setup()
    good = make_entry(anvil_ledger, p.responder, p.access())
    forged = type(good)(good.body, good.author, good.sequence, good.timestamp_ms, bytes(64))
    anvil_ledger.chain.write(anvil_ledger.chain.contract.functions.append(encode_entry(forged)))
    index = anvil_ledger.size() - 1
    with pytest.raises(LedgerCorrupt) as corrupt:
        anvil_ledger.entry(index)
    assert corrupt.value.index == index and "signature" in corrupt.value.why
    with pytest.raises(LedgerCorrupt):
        list(anvil_ledger.entries(p.address))


def test_entries_beyond_the_chain_limits_are_refused_before_sending(tester_ledger, people_on) -> None:
    from ledger_client.ledger import PatientRegistered
    p = people_on(tester_ledger)
    huge = make_entry(tester_ledger, p.patient, PatientRegistered(b"\x01" + bytes(7000)))
    blocks = tester_ledger.chain.w3.eth.block_number
    with pytest.raises(RefusedWrite) as refused:
        tester_ledger.append(huge)
    assert refused.value.reason is Refusal.MALFORMED and "6144" in refused.value.detail
    with pytest.raises(RefusedWrite) as refused:
        tester_ledger.append_batch([huge] * 65)
    assert refused.value.reason is Refusal.MALFORMED and "64" in refused.value.detail
    assert tester_ledger.chain.w3.eth.block_number == blocks  # no transaction was sent
