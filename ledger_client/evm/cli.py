"""`iceband ledger deploy`: put a fresh ledger contract on a chain and print its URL.

The ledger engineer's `ledger_client/cli/ledger.py` calls `register_deploy(ledger_subparsers)`.
"""

from __future__ import annotations

import argparse
import json
import os

__all__ = ["register_deploy", "run_deploy"]


def register_deploy(ledger_subparsers: "argparse._SubParsersAction[argparse.ArgumentParser]") -> None:
    parser = ledger_subparsers.add_parser(
        "deploy", help="deploy the ICEband ledger contract on an EVM chain",
        description="Compile ICEbandLedger.vy (Vyper 0.4.3, EVM paris), deploy it signed by the "
                    "operator key, and print the ledger URL to use with --ledger.")
    parser.add_argument("--node", default="http://127.0.0.1:8545", metavar="URL",
                        help="JSON-RPC endpoint of the node (default: %(default)s)")
    parser.add_argument("--key-env", default="ICEBAND_EVM_KEY", metavar="VAR",
                        help="environment variable holding the operator's private key "
                             "(default: %(default)s; Anvil's dev key is used on chain 31337)")
    parser.add_argument("--json", action="store_true", help="print the deployment as JSON")
    parser.set_defaults(func=run_deploy)


def run_deploy(args: argparse.Namespace) -> int:
    from web3 import Web3

    from ledger_client.cli import CliError
    from ledger_client.evm.connect import deploy_ledger, operator_account
    from ledger_client.ledger.protocol import LedgerUnavailable

    node = args.node.removeprefix("evm+")
    if not node.startswith(("http://", "https://")):
        raise CliError(f"--node must be an http(s) JSON-RPC URL, got {args.node!r}")
    w3 = Web3(Web3.HTTPProvider(node, request_kwargs={"timeout": 10}))
    try:
        operator = operator_account(w3, os.environ.get(args.key_env) or None)
        if operator is None:
            raise CliError(f"no operator key: set {args.key_env} to the deploying account's "
                           "private key", 2)
        deployment = deploy_ledger(w3, operator)
    except LedgerUnavailable as exc:
        raise CliError(str(exc), 3) from None
    url = f"evm+{node.rstrip('/')}/{deployment.address}"
    if args.json:
        print(json.dumps({"url": url, "address": deployment.address,
                          "block": deployment.block_number, "tx": deployment.tx_hash,
                          "gas_used": deployment.gas_used, "operator": operator.address}))
    else:
        print(f"deployed ICEbandLedger at {deployment.address} in block "
              f"{deployment.block_number} (gas {deployment.gas_used})")
        print(f"ledger URL: {url}")
    return 0
