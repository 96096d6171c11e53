"""The conformance suite runs against every ledger backend named in `BACKENDS`.

The EVM engineer adds "evm-tester" and "evm-anvil" to `BACKENDS` and a branch to
`_open_backend`. Each test gets a fresh, empty ledger.
"""

from __future__ import annotations

from pathlib import Path
from typing import Iterator

import pytest

from ledger_client.ledger import Ledger, open_ledger

BACKENDS = ["sqlite", "evm-tester", "evm-anvil"]

# EVM backends: "evm-tester" is a fresh in-process py-evm chain per test; "evm-anvil" is one
# real Anvil node on 127.0.0.1 for the session (stopped at its end) with a fresh contract
# deployed per test.
_evm_anvil: list = []


@pytest.fixture(scope="session", autouse=True)
def _stop_evm_anvil() -> Iterator[None]:
    yield
    while _evm_anvil:
        _evm_anvil.pop().stop()


def _open_on_anvil() -> Ledger:
    from eth_account import Account
    from web3 import Web3

    from ledger_client.evm.anvil import ANVIL_DEV_KEYS, Anvil
    from ledger_client.evm.connect import deploy_ledger, open_evm_ledger
    if not _evm_anvil:
        _evm_anvil.append(Anvil().start())
    rpc_url = _evm_anvil[0].rpc_url
    deployment = deploy_ledger(Web3(Web3.HTTPProvider(rpc_url)), Account.from_key(ANVIL_DEV_KEYS[0]))
    return open_evm_ledger(f"evm+{rpc_url}/{deployment.address}")


def _open_backend(name: str, tmp_path: Path) -> Ledger:
    if name == "sqlite":
        return open_ledger(f"sqlite:///{tmp_path / 'ledger.db'}")
    if name == "evm-tester":
        from ledger_client.evm.connect import open_evm_ledger
        return open_evm_ledger("evm+tester://")
    if name == "evm-anvil":
        return _open_on_anvil()
    raise ValueError(f"unknown backend {name!r}")


@pytest.fixture(params=BACKENDS)
def ledger_backend(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Ledger]:
    ledger = _open_backend(request.param, tmp_path)
    try:
        yield ledger
    finally:
        ledger.close()
