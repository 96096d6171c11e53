"""The hospital/patient/agency workflows of the CLI, unchanged, on a chain ledger."""

from __future__ import annotations

from pathlib import Path

import pytest

import ledger_client.evm  # noqa: F401  (registers the evm+ schemes with open_ledger)
from evm_helpers import fresh_anvil_ledger
from ledger_client.cli import main
from ledger_client.ledger import EntryKind

pytestmark = pytest.mark.evm
IPS_DOCUMENT = Path(__file__).resolve().parents[1] / "vectors" / "hl7-ips" / "bundle-minimal.json"


def test_cli_scenario_runs_on_the_chain(anvil_node, tmp_path: Path, monkeypatch, capsys) -> None:
    monkeypatch.setenv("ICEBAND_PASSPHRASE", "correct horse")
    ledger = fresh_anvil_ledger(anvil_node)
    url = f"evm+{anvil_node.rpc_url}/{ledger.address}"
    common = ["--home", str(tmp_path), "--ledger", url]
    steps = [["hospital", "create", "st-mary"], ["agency", "create", "metro-ems"],
             ["responder", "create", "bob", "--agency", "metro-ems"], ["patient", "create", "alice"],
             ["grant", "alice", "st-mary"],
             ["record", "put", "alice", str(IPS_DOCUMENT), "--hospital", "st-mary"],
             ["device", "register", "alice", "0a0b0c0d0e0f", "--hospital", "st-mary"],
             ["record", "get", "alice", "--as", "patient"], ["audit", "alice"],
             ["revoke", "alice", "st-mary"]]
    for step in steps:
        assert main(step + common) == 0, (step, capsys.readouterr())
    capsys.readouterr()
    assert main(["audit", "alice"] + common) == 0
    audit = capsys.readouterr().out  # no checkpoints on a chain: the audit says so, saves none
    assert "ledger history: not checked: this backend has no signed checkpoints" in audit
    assert "[no Merkle proofs on this backend (chain-ordered)]" in audit
    assert list((tmp_path / "patients" / "alice").glob("seen-*")) == []
    kinds = [logged.entry.kind for logged in ledger.entries()]
    assert kinds.count(EntryKind.RECORD_ANCHORED) == 1
    assert kinds[-1] is EntryKind.HOSPITAL_REVOKED
    assert main(["record", "put", "alice", str(IPS_DOCUMENT), "--hospital", "st-mary"]
                + common) != 0  # the grant is revoked
    assert ledger.size() == len(kinds)
    ledger.close()
