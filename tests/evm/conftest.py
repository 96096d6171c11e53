"""Fixtures for the EVM ledger: a real Anvil node on 127.0.0.1 (started once per session and
stopped at its end), a fresh contract per test, and in-process eth-tester chains."""

from __future__ import annotations

from typing import Iterator

import pytest

from evm_helpers import People, fresh_anvil_ledger
from ledger_client.evm.anvil import Anvil
from ledger_client.evm.backend import EvmLedger
from ledger_client.evm.connect import open_evm_ledger



@pytest.fixture(scope="session")
def anvil_node() -> Iterator[Anvil]:
    node = Anvil().start()
    try:
        yield node
    finally:
        node.stop()


@pytest.fixture
def anvil_ledger(anvil_node: Anvil) -> Iterator[EvmLedger]:
    ledger = fresh_anvil_ledger(anvil_node)
    yield ledger
    ledger.close()


@pytest.fixture
def tester_ledger() -> Iterator[EvmLedger]:
    ledger = open_evm_ledger("evm+tester://")
    yield ledger
    ledger.close()


@pytest.fixture(params=["tester", "anvil"])
def evm_ledger(request: pytest.FixtureRequest) -> Iterator[EvmLedger]:
    if request.param == "tester":
        ledger = open_evm_ledger("evm+tester://")
    else:
        ledger = fresh_anvil_ledger(request.getfixturevalue("anvil_node"))
    yield ledger
    ledger.close()


@pytest.fixture
def people_on() -> type[People]:  # tests build casts on their own ledgers
    return People
