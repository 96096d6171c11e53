"""Open an EVM ledger from a URL, deploy the contract, and run a throwaway local chain.

    evm+http://HOST:PORT/0xCONTRACT   a node over JSON-RPC (https too); the contract address is
                                      what `iceband ledger deploy` printed
    evm+tester://[NAME]               in-process eth-tester/py-evm chain with the contract
                                      deployed; a NAME is shared within the process
    evm+anvil                         start a local Anvil on 127.0.0.1 (once per process),
                                      deploy, and use it; stopped when the process exits

The operator (relayer) key signs every transaction locally: `operator_key=` or the
`ICEBAND_EVM_KEY` environment variable; on Anvil's development chain (id 31337) and on
eth-tester, the chain's own funded development key is used when none is given. Without a key
the ledger is read-only.
"""

from __future__ import annotations

import atexit
import os
import threading
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from requests.exceptions import RequestException
from eth_account import Account
from eth_account.signers.local import LocalAccount
from web3 import Web3

from ledger_client.evm.anvil import ANVIL_CHAIN_ID, ANVIL_DEV_KEYS, Anvil
from ledger_client.evm.backend import EvmLedger
from ledger_client.evm.chain import Chain, fee_fields, unavailable
from ledger_client.evm.contract import compile_ledger_contract
from ledger_client.ledger.protocol import LedgerUnavailable, register_backend

__all__ = ["open_evm_ledger", "deploy_ledger", "Deployment", "LocalChain", "start_local_chain",
           "tester_web3", "operator_account", "stop_shared_anvil", "register_evm_backends", "OPERATOR_KEY_ENV"]

OPERATOR_KEY_ENV = "ICEBAND_EVM_KEY"
_tester_chains: dict[str, tuple[Web3, str, str]] = {}
_local_chain: "LocalChain | None" = None
_lock = threading.Lock()


@dataclass(frozen=True)
class Deployment:
    address: str
    block_number: int
    tx_hash: str
    gas_used: int


def operator_account(w3: Web3, operator_key: str | None = None,
                     dev_key: str | None = None) -> LocalAccount | None:
    key = operator_key or os.environ.get(OPERATOR_KEY_ENV) or dev_key
    if key is None:
        try:
            if w3.eth.chain_id == ANVIL_CHAIN_ID:
                key = ANVIL_DEV_KEYS[0]
        except (RequestException, OSError) as exc:
            raise unavailable(exc, str(getattr(w3.provider, "endpoint_uri", "node"))) from exc
    return Account.from_key(key) if key else None


def deploy_ledger(w3: Web3, operator: LocalAccount, *, timeout: float = 60.0) -> Deployment:
    """Deploy a fresh ledger contract signed by `operator` (its admin and first relayer)."""
    compiled = compile_ledger_contract()
    factory = w3.eth.contract(abi=compiled.abi, bytecode=compiled.bytecode)
    try:
        tx = factory.constructor().build_transaction({
            "from": operator.address, "chainId": w3.eth.chain_id,
            "nonce": w3.eth.get_transaction_count(operator.address, "pending"),
            **fee_fields(w3)})
        tx["gas"] = int(tx["gas"] * 1.25)  # Anvil's estimate for creation falls ~1% short
        signed = operator.sign_transaction(tx)
        tx_hash = w3.eth.send_raw_transaction(signed.raw_transaction)
        receipt = w3.eth.wait_for_transaction_receipt(tx_hash, timeout=timeout, poll_latency=0.05)
    except (RequestException, OSError) as exc:
        raise unavailable(exc, str(getattr(w3.provider, "endpoint_uri", "node"))) from exc
    if receipt["status"] != 1 or not receipt["contractAddress"]:
        raise LedgerUnavailable(f"deploying the ledger contract failed (tx {tx_hash.hex()})")
    return Deployment(str(receipt["contractAddress"]), int(receipt["blockNumber"]),
                      "0x" + bytes(tx_hash).hex(), int(receipt["gasUsed"]))


def _http_web3(rpc_url: str, timeout: float) -> Web3:
    return Web3(Web3.HTTPProvider(rpc_url, request_kwargs={"timeout": timeout}))


def tester_web3() -> tuple[Web3, str]:
    """A fresh in-process py-evm chain pinned to the Paris fork, and its funded key."""
    from eth.vm.forks import ParisVM
    from eth_tester import EthereumTester, PyEVMBackend  # type: ignore[import-untyped]
    from web3.providers.eth_tester import EthereumTesterProvider

    backend = PyEVMBackend(vm_configuration=((0, ParisVM),))
    w3 = Web3(EthereumTesterProvider(EthereumTester(backend)))
    return w3, backend.account_keys[0].to_hex()


def _open_tester(name: str, **options: Any) -> EvmLedger:
    with _lock:
        known = _tester_chains.get(name) if name else None
        if known is None:
            w3, key = tester_web3()
            deployment = deploy_ledger(w3, Account.from_key(key))
            known = (w3, key, deployment.address)
            if name:
                _tester_chains[name] = known
    w3, key, address = known
    operator = operator_account(w3, options.pop("operator_key", None), key)  # type: ignore[arg-type]
    chain = Chain(w3, address, compile_ledger_contract().abi, operator, where="eth-tester",
                  receipt_timeout=float(options.pop("receipt_timeout", 30.0)))
    return EvmLedger(chain, **options)


def _open_http(url: str, **options: Any) -> EvmLedger:
    parts = urlsplit(url)
    scheme = parts.scheme.split("+", 1)[1]
    if scheme not in ("http", "https") or not parts.hostname:
        raise LedgerUnavailable(f"not an EVM ledger URL (want evm+http://HOST:PORT/0xCONTRACT): {url!r}")
    contract = parts.path.strip("/")
    if not Web3.is_address(contract):
        raise LedgerUnavailable(f"{url!r} names no contract address: deploy one with "
                                "`iceband ledger deploy` and use the URL it prints")
    rpc_url = f"{scheme}://{parts.netloc}"
    w3 = _http_web3(rpc_url, float(options.pop("rpc_timeout", 10.0)))
    operator = operator_account(w3, options.pop("operator_key", None))
    chain = Chain(w3, contract, compile_ledger_contract().abi, operator, where=rpc_url,
                  receipt_timeout=float(options.pop("receipt_timeout", 30.0)))
    code = chain.rpc(lambda: w3.eth.get_code(chain.contract.address))
    if not code:
        raise LedgerUnavailable(f"no contract at {contract} on {rpc_url}")
    return EvmLedger(chain, **options)


class LocalChain:
    """An Anvil node on 127.0.0.1 with a freshly deployed ledger: `url` opens it."""

    def __init__(self, anvil: Anvil, deployment: Deployment) -> None:
        self.anvil = anvil
        self.deployment = deployment
        self.url = f"evm+{anvil.rpc_url}/{deployment.address}"

    def stop(self) -> None:
        self.anvil.stop()


def start_local_chain(**anvil_options: Any) -> LocalChain:
    """Start Anvil, deploy the ledger with the development key, return the handle."""
    anvil = Anvil(**anvil_options).start()
    try:
        w3 = _http_web3(anvil.rpc_url, 10.0)
        deployment = deploy_ledger(w3, Account.from_key(ANVIL_DEV_KEYS[0]))
    except BaseException:
        anvil.stop()
        raise
    return LocalChain(anvil, deployment)


def _open_anvil(url: str, **options: Any) -> EvmLedger:
    global _local_chain
    with _lock:
        if _local_chain is None or not _local_chain.anvil.running:
            _local_chain = start_local_chain()
            atexit.register(_local_chain.stop)
        target = _local_chain.url
    return _open_http(target, **options)


def stop_shared_anvil() -> None:
    """Stop the Anvil that `evm+anvil` started in this process, if any."""
    global _local_chain
    with _lock:
        chain, _local_chain = _local_chain, None
    if chain is not None:
        chain.stop()


def open_evm_ledger(url: str, **options: Any) -> EvmLedger:
    """The `open_ledger` factory for every evm+ scheme."""
    scheme = url.split(":", 1)[0].lower()
    if scheme == "evm+tester":
        return _open_tester(url.split(":", 1)[1].lstrip("/"), **options)
    if scheme == "evm+anvil":
        return _open_anvil(url, **options)
    return _open_http(url, **options)


def register_evm_backends() -> None:
    for scheme in ("evm+http", "evm+https", "evm+tester", "evm+anvil"):
        register_backend(scheme, "ledger_client.evm.connect:open_evm_ledger")
