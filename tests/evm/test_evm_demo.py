"""The issue's done-criterion: the headless demo runs end to end on the chain backend."""

from __future__ import annotations

import pytest

import ledger_client.evm  # noqa: F401  (registers the evm+ schemes with open_ledger)
from ledger_client.cli import main
from ledger_client.evm.connect import stop_shared_anvil

pytestmark = pytest.mark.evm


def test_headless_demo_logs_the_access_on_a_local_anvil_chain(capsys) -> None:
    try:
        assert main(["demo", "--headless", "--ledger", "evm+anvil://"]) == 0
    finally:
        stop_shared_anvil()
    out = capsys.readouterr().out
    assert "ledger: evm+anvil://" in out
    assert "ALLERGIES AND INTOLERANCES" in out
    assert "logged on the ledger at index" in out
