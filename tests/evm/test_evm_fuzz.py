"""Bad input at the chain boundary: mutated entry bytes sent straight to the contract (as a
faulty or dishonest relayer would), and queries with keys of the wrong shape."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ledger_client.ledger import LedgerCorrupt, RefusedWrite, ResponderStatus
from ledger_client.ledger.author import make_entry
from ledger_client.ledger.codec import encode_entry

from evm_helpers import fresh_anvil_ledger

pytestmark = pytest.mark.evm


@pytest.fixture(scope="module")
def fuzz_scene(anvil_node, people_on):
    ledger = fresh_anvil_ledger(anvil_node)
    people = people_on(ledger).setup()
    yield ledger, people
    ledger.close()


@pytest.fixture(scope="module")
def people_on():  # module-scoped twin of the conftest fixture
    from evm_helpers import People
    return People


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_mutated_entry_is_refused_or_caught_on_read(fuzz_scene, data) -> None:
    ledger, people = fuzz_scene
    good = encode_entry(make_entry(ledger, people.responder, people.access()))
    mode = data.draw(st.sampled_from(["flip", "truncate", "extend"]))
    if mode == "flip":
        position = data.draw(st.integers(0, len(good) - 1))
        mask = data.draw(st.integers(1, 255))
        bad = good[:position] + bytes([good[position] ^ mask]) + good[position + 1:]
    elif mode == "truncate":
        bad = good[:data.draw(st.integers(0, len(good) - 1))]
    else:
        bad = good + data.draw(st.binary(min_size=1, max_size=40))
    size = ledger.size()
    try:
        ledger.chain.write(ledger.chain.contract.functions.append(bad))
    except RefusedWrite:
        assert ledger.size() == size  # refused: nothing recorded
        return
    # The contract does not check Ed25519; whatever it accepted must fail on read.
    assert ledger.size() == size + 1
    with pytest.raises(LedgerCorrupt) as corrupt:
        ledger.entry(size)
    assert corrupt.value.index == size


def test_queries_with_keys_of_the_wrong_shape_answer_unknown(tester_ledger) -> None:
    assert tester_ledger.latest_record(b"short") is None
    assert tester_ledger.latest_record(bytes(20), 7) is None  # type: ignore[arg-type]
    assert tester_ledger.emergency_key(b"") is None
    assert tester_ledger.is_granted(bytes(20), b"short") is False
    assert tester_ledger.is_device_revoked(b"") is False
    assert tester_ledger.is_device_revoked(bytes(33)) is False
    assert tester_ledger.responder_status(b"x") is ResponderStatus.UNKNOWN
    assert tester_ledger.agency_recipient_key(bytes(31)) is None
    with pytest.raises(ValueError, match="32-byte"):
        tester_ledger.next_sequence(b"x")
    for index in (-1, 0, "0"):
        with pytest.raises(IndexError):
            tester_ledger.entry(index)  # type: ignore[arg-type]
