"""The ICEband ledger on an Ethereum-compatible chain (see docs/ledger-evm.md).

Importing this package registers the `evm+http`, `evm+https`, `evm+tester` and `evm+anvil`
URL schemes with `ledger_client.ledger.open_ledger`.
"""

from ledger_client.evm.audit import verify_evm_ledger, verify_evm_url
from ledger_client.evm.backend import EvmLedger
from ledger_client.evm.connect import (
    Deployment, LocalChain, deploy_ledger, open_evm_ledger, register_evm_backends,
    start_local_chain)
from ledger_client.evm.contract import compile_ledger_contract

__all__ = ["EvmLedger", "open_evm_ledger", "deploy_ledger", "Deployment", "LocalChain",
           "start_local_chain", "compile_ledger_contract", "register_evm_backends",
           "verify_evm_ledger", "verify_evm_url"]

register_evm_backends()
