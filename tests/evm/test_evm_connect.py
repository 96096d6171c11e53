"""Ledger URLs, the shared local chain behind `evm+anvil`, and `iceband ledger deploy`."""

from __future__ import annotations

import argparse
import json
import socket

import pytest

import ledger_client.evm  # noqa: F401  (registers the evm+ schemes)
from ledger_client.evm.cli import register_deploy
from ledger_client.evm.connect import open_evm_ledger, stop_shared_anvil
from ledger_client.ledger import LedgerUnavailable, PatientRegistered, open_ledger
from ledger_client.ledger.author import write

pytestmark = pytest.mark.evm


def run_cli(argv: list[str]) -> int:
    """`iceband ledger ...` with only the deploy subcommand wired, as the lead wires it."""
    from ledger_client.cli import CliError
    parser = argparse.ArgumentParser(prog="iceband ledger")
    register_deploy(parser.add_subparsers(dest="action", required=True))
    args = parser.parse_args(argv)
    try:
        return int(args.func(args) or 0)
    except CliError as exc:
        print(f"iceband: error: {exc}")
        return exc.code


def test_deploy_prints_a_url_that_opens_the_new_ledger(anvil_node, capsys, people_on) -> None:
    assert run_cli(["deploy", "--node", anvil_node.rpc_url, "--json"]) == 0
    deployed = json.loads(capsys.readouterr().out)
    assert deployed["url"] == f"evm+{anvil_node.rpc_url}/{deployed['address']}"
    assert deployed["gas_used"] > 0
    with open_ledger(deployed["url"]) as ledger:
        people = people_on(ledger)
        write(ledger, people.patient, PatientRegistered(b"\x01" + bytes(32)))
        assert ledger.size() == 1 and ledger.emergency_key(people.address) == b"\x01" + bytes(32)


def test_deploy_to_an_unreachable_node_is_one_line_and_exit_3(capsys) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    assert run_cli(["deploy", "--node", f"http://127.0.0.1:{port}"]) == 3
    out = capsys.readouterr().out
    assert out.startswith("iceband: error: EVM node at") and out.count("\n") == 1


def test_deploy_rejects_a_non_http_node(capsys) -> None:
    assert run_cli(["deploy", "--node", "ws://127.0.0.1:1"]) == 2
    assert "http(s) JSON-RPC URL" in capsys.readouterr().out


def test_evm_anvil_starts_one_node_per_process_and_reuses_it(people_on) -> None:
    try:
        first = open_ledger("evm+anvil://")
        people = people_on(first)
        write(first, people.patient, PatientRegistered(b"\x01" + bytes(32)))
        first.close()
        again = open_ledger("evm+anvil://")  # same node, same contract: the entry is there
        assert again.address == first.address and again.size() == 1
        again.close()
    finally:
        stop_shared_anvil()


def test_named_tester_chains_are_shared_and_unnamed_ones_fresh(people_on) -> None:
    shared = open_evm_ledger("evm+tester://conn-test")
    write(shared, people_on(shared).patient, PatientRegistered(b"\x01" + bytes(32)))
    assert open_evm_ledger("evm+tester://conn-test").size() == 1
    assert open_evm_ledger("evm+tester://").size() == 0


def test_without_an_operator_key_the_ledger_is_read_only(people_on) -> None:
    tester = open_evm_ledger("evm+tester://")
    tester.chain.operator = None
    with pytest.raises(LedgerUnavailable, match="no operator key"):
        write(tester, people_on(tester).patient, PatientRegistered(b"\x01" + bytes(32)))
    assert tester.size() == 0
