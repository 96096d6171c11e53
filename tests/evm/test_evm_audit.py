"""Full verification of a chain ledger from its events: signatures and a replay of the rules."""

from __future__ import annotations

import os

import pytest

from ledger_client.evm import verify_evm_ledger, verify_evm_url
from ledger_client.ledger import (
    AgencyKeyRotated, BreakGlass, DeviceRevoked, HospitalGranted, HospitalRevoked, LedgerCorrupt,
    ResponderRevoked)
from ledger_client.ledger.author import approve_break_glass, make_entry, write
from ledger_client.ledger.codec import encode_entry

pytestmark = pytest.mark.evm


def busy_history(ledger, people) -> None:
    """Every kind of entry, so the replay exercises every rule the contract enforces."""
    people.setup()
    write(ledger, people.hospital, people.anchor(1))
    write(ledger, people.hospital, people.anchor(2))
    write(ledger, people.responder, people.access())
    request = BreakGlass(people.address, "finger unreadable", os.urandom(16))
    me = people.pub(people.responder)
    write(ledger, people.responder, BreakGlass(
        request.patient, request.reason, request.nonce,
        (approve_break_glass(people.agency, me, request),
         approve_break_glass(people.agency2, me, request))))
    write(ledger, people.agency2, AgencyKeyRotated(b"\x01" + os.urandom(32)))
    write(ledger, people.agency, ResponderRevoked(me))
    write(ledger, people.patient, DeviceRevoked(people.address, people.device_id))
    write(ledger, people.patient, HospitalRevoked(people.pub(people.hospital)))


def test_contract_and_reference_rules_agree_on_a_full_history(evm_ledger, people_on) -> None:
    busy_history(evm_ledger, people_on(evm_ledger))
    seen: list[tuple[int, int]] = []
    assert verify_evm_ledger(evm_ledger, lambda done, total: seen.append((done, total))) == evm_ledger.size()
    assert seen and seen[-1][0] == seen[-1][1]


def test_an_entry_the_author_never_signed_fails_verification_at_its_index(anvil_ledger, people_on) -> None:
    people = people_on(anvil_ledger)
    busy_history(anvil_ledger, people)
    # A dishonest relayer grants a hospital of its choosing in the patient's name: the
    # contract's rules pass (right sequence, registered patient), only the signature is wrong.
    intruder = people_on(anvil_ledger).hospital
    genuine = make_entry(anvil_ledger, people.patient, HospitalGranted(people.pub(intruder)))
    forged = type(genuine)(genuine.body, genuine.author, genuine.sequence, genuine.timestamp_ms,
                           bytes(64))
    anvil_ledger.chain.write(anvil_ledger.chain.contract.functions.append(encode_entry(forged)))
    assert anvil_ledger.is_granted(people.address, people.pub(intruder))  # the chain took it
    with pytest.raises(LedgerCorrupt) as corrupt:
        verify_evm_ledger(anvil_ledger)
    assert corrupt.value.index == anvil_ledger.size() - 1 and "signature" in corrupt.value.why
    url = f"evm+{anvil_ledger.chain.where}/{anvil_ledger.address}"
    with pytest.raises(LedgerCorrupt):
        verify_evm_url(url)


def test_verify_by_url_counts_every_entry(anvil_ledger, people_on) -> None:
    busy_history(anvil_ledger, people_on(anvil_ledger))
    url = f"evm+{anvil_ledger.chain.where}/{anvil_ledger.address}"
    assert verify_evm_url(url) == anvil_ledger.size() > 10
