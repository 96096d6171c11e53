"""The chain's failure modes, on a real Anvil node: unreachable node, on-chain revert, nonce
gaps and foreign nonce use, unmined transactions, and reorganisations of the latest block.
Nothing is recorded twice and nothing acknowledged is lost."""

from __future__ import annotations

import socket
import time

import pytest

from ledger_client.evm.anvil import Anvil
from ledger_client.evm.chain import fee_fields
from ledger_client.evm.connect import open_evm_ledger
from ledger_client.ledger import LedgerUnavailable, PatientRegistered, Refusal, RefusedWrite
from ledger_client.ledger.author import make_entry
from ledger_client.ledger.codec import encode_entry

from evm_helpers import fresh_anvil_ledger

pytestmark = pytest.mark.evm


def rpc(ledger, method: str, *params):
    response = ledger.chain.w3.provider.make_request(method, list(params))
    assert "error" not in response, response
    return response["result"]


def count_of(ledger, entry) -> int:
    return sum(1 for logged in ledger.entries() if logged.entry == entry)


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_unreachable_node_is_a_clear_error() -> None:
    url = f"evm+http://127.0.0.1:{closed_port()}/0x{'11' * 20}"
    with pytest.raises(LedgerUnavailable, match=r"unreachable.*ConnectionError"):
        open_evm_ledger(url, operator_key="0x" + "01" * 32)


def test_node_that_dies_after_opening_gives_a_clear_error(people_on) -> None:
    node = Anvil().start()
    try:
        ledger = fresh_anvil_ledger(node)
        people = people_on(ledger)
        entry = make_entry(ledger, people.patient, PatientRegistered(b"\x01" + bytes(32)))
    finally:
        node.stop()
    with pytest.raises(LedgerUnavailable, match="unreachable"):
        ledger.append(entry)
    with pytest.raises(LedgerUnavailable, match="unreachable"):
        ledger.size()


def test_url_without_a_contract_says_how_to_get_one(anvil_node) -> None:
    with pytest.raises(LedgerUnavailable, match="iceband ledger deploy"):
        open_evm_ledger(f"evm+{anvil_node.rpc_url}")
    with pytest.raises(LedgerUnavailable, match="no contract at"):
        open_evm_ledger(f"evm+{anvil_node.rpc_url}/0x{'22' * 20}")


def test_transaction_reverted_on_chain_reports_the_reason_and_records_nothing(
        anvil_ledger, people_on, monkeypatch: pytest.MonkeyPatch) -> None:
    people = people_on(anvil_ledger).setup()
    stale = make_entry(anvil_ledger, people.hospital, people.anchor(version=0))
    size = anvil_ledger.size()
    # Skip the simulation so the transaction is really mined and reverts (as when the state
    # changes between simulation and mining).
    real_estimate = anvil_ledger.chain._estimate
    monkeypatch.setattr(anvil_ledger.chain, "_estimate", lambda data: 300_000)
    with pytest.raises(RefusedWrite) as refused:
        anvil_ledger.append(stale)
    monkeypatch.setattr(anvil_ledger.chain, "_estimate", real_estimate)
    assert refused.value.reason is Refusal.STALE_VERSION
    assert "version does not increase" in refused.value.detail
    block = anvil_ledger.chain.w3.eth.get_block("latest", full_transactions=True)
    receipt = anvil_ledger.chain.w3.eth.get_transaction_receipt(block["transactions"][-1]["hash"])
    assert receipt["status"] == 0  # it was mined, and reverted
    assert anvil_ledger.size() == size


def test_cached_nonce_ahead_of_the_chain_is_resynced(anvil_ledger, people_on) -> None:
    people = people_on(anvil_ledger).setup()
    anvil_ledger.chain._cached_nonce += 5  # as after transactions that never reached the node
    entry = make_entry(anvil_ledger, people.responder, people.access())
    anvil_ledger.append(entry)
    assert anvil_ledger.chain.nonce_resyncs == 1
    assert count_of(anvil_ledger, entry) == 1


def test_nonce_taken_by_another_writer_is_retried_once(anvil_ledger, people_on,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    # The race (another process spends our nonce between our read and our send) cannot be
    # timed from a test, so the first nonce read returns an already spent nonce.
    people = people_on(anvil_ledger).setup()
    chain = anvil_ledger.chain
    real_next = chain._next_nonce
    stale = [real_next() - 1]
    monkeypatch.setattr(chain, "_next_nonce", lambda: stale.pop() if stale else real_next())
    entry = make_entry(anvil_ledger, people.responder, people.access())
    anvil_ledger.append(entry)
    assert not stale and count_of(anvil_ledger, entry) == 1


def test_gap_in_the_pool_is_filled_and_both_entries_land_once(anvil_ledger, people_on) -> None:
    people = people_on(anvil_ledger).setup()
    chain, w3 = anvil_ledger.chain, anvil_ledger.chain.w3
    other = people_on(anvil_ledger)
    queued_entry = make_entry(anvil_ledger, other.patient, PatientRegistered(b"\x01" + bytes(32)))
    nonce = w3.eth.get_transaction_count(chain.operator.address, "pending")
    tx = chain.contract.functions.append(encode_entry(queued_entry)).build_transaction({
        "from": chain.operator.address, "nonce": nonce + 1, "gas": 300_000,
        "chainId": w3.eth.chain_id, **fee_fields(w3)})
    queued_hash = w3.eth.send_raw_transaction(chain.operator.sign_transaction(tx).raw_transaction)
    assert rpc(anvil_ledger, "txpool_content")["queued"]  # stuck behind the gap
    entry = make_entry(anvil_ledger, people.responder, people.access())
    anvil_ledger.append(entry)  # takes the missing nonce, which releases the queued one
    assert w3.eth.wait_for_transaction_receipt(queued_hash, timeout=10)["status"] == 1
    assert count_of(anvil_ledger, entry) == 1 and count_of(anvil_ledger, queued_entry) == 1


def test_unmined_write_then_outbox_retry_records_once(anvil_node, people_on) -> None:
    ledger = fresh_anvil_ledger(anvil_node, receipt_timeout=1.0)
    try:
        people = people_on(ledger).setup()
        entry = make_entry(ledger, people.responder, people.access())
        rpc(ledger, "evm_setAutomine", False)
        try:
            with pytest.raises(LedgerUnavailable, match="re-sending the entry is safe"):
                ledger.append(entry)
            rpc(ledger, "evm_mine")
        finally:
            rpc(ledger, "evm_setAutomine", True)
        with pytest.raises(RefusedWrite) as refused:  # the outbox retries: refused, not doubled
            ledger.append(entry)
        assert refused.value.reason is Refusal.BAD_SEQUENCE
        assert count_of(ledger, entry) == 1
    finally:
        ledger.close()


def test_reorganised_latest_block_is_rebroadcast_once(anvil_ledger, people_on) -> None:
    people = people_on(anvil_ledger).setup()
    entry = make_entry(anvil_ledger, people.responder, people.access())
    anvil_ledger.append(entry)
    size = anvil_ledger.size()
    rpc(anvil_ledger, "anvil_reorg", 1, [])  # replace the latest block by an empty one
    assert anvil_ledger.size() == size - 1 and count_of(anvil_ledger, entry) == 0
    assert anvil_ledger.chain.reconcile() == 1
    assert anvil_ledger.chain.reconcile() == 0
    assert anvil_ledger.size() == size and count_of(anvil_ledger, entry) == 1


def test_next_write_repairs_a_rolled_back_write_first(anvil_ledger, people_on) -> None:
    people = people_on(anvil_ledger).setup()
    snapshot = rpc(anvil_ledger, "evm_snapshot")
    first = make_entry(anvil_ledger, people.responder, people.access(1))
    anvil_ledger.append(first)
    second = make_entry(anvil_ledger, people.responder, people.access(2))
    assert rpc(anvil_ledger, "evm_revert", snapshot) is True  # the chain forgets `first`
    receipt = anvil_ledger.append(second)
    assert anvil_ledger.entry(receipt.index - 1) == first
    assert anvil_ledger.entry(receipt.index) == second
    assert count_of(anvil_ledger, first) == 1 and count_of(anvil_ledger, second) == 1
    assert anvil_ledger.chain.rebroadcasts == 1
