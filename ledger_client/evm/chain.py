"""The transaction layer: sign locally, send, wait, and survive the chain's failure modes.

One `Chain` per (node, contract, operator account). It signs every transaction locally with
eth-account (the node never holds a key), simulates each call first so that a refused entry
costs nothing and reports the contract's revert reason, keeps the nonce in step with the node
(resyncing after gaps or foreign use of the account), and keeps the raw transactions of
recent writes so that a reorganisation that drops one is repaired by re-broadcasting it. The
contract refuses a replayed (author, sequence), so a re-broadcast can never record twice.
"""

from __future__ import annotations

import logging
from collections import deque
from dataclasses import dataclass
from typing import Any, Callable

from requests.exceptions import RequestException
from eth_account import Account
from eth_account.signers.local import LocalAccount
from hexbytes import HexBytes
from web3 import Web3
from web3.contract.contract import ContractFunction
from web3.exceptions import (
    BlockNotFound, ContractLogicError, TimeExhausted, TransactionNotFound, Web3RPCError)

from ledger_client.ledger.protocol import LedgerUnavailable, Refusal, RefusedWrite

__all__ = ["Chain", "SentWrite", "refusal_from_reason", "unavailable", "fee_fields"]

log = logging.getLogger(__name__)

_NONCE_ERRORS = ("nonce too low", "replacement transaction underpriced",
                 "nonce too high", "invalid nonce")


@dataclass
class SentWrite:
    """A write the chain accepted, kept until it is deep enough not to be reorganised away."""
    call_data: bytes
    raw: bytes
    tx_hash: bytes
    nonce: int
    block_number: int
    block_hash: bytes
    receipt: Any


# A fixed tip, not the node's suggestion: suggestions follow recent tips, and bidding
# "suggested x 2" every time makes the price run away on a quiet chain.
PRIORITY_FEE_WEI = 1_000_000_000


def fee_fields(w3: Web3, rpc: Callable[[Callable[[], Any]], Any] = lambda f: f()) -> dict[str, int]:
    """EIP-1559 fees that survive two base-fee doublings."""
    base = int(rpc(lambda: w3.eth.get_block("latest")).get("baseFeePerGas") or 0)
    return {"maxPriorityFeePerGas": PRIORITY_FEE_WEI,
            "maxFeePerGas": 2 * base + PRIORITY_FEE_WEI}


def refusal_from_reason(reason: str) -> RefusedWrite:
    """Map the contract's revert string "<code>:<detail>" to a `RefusedWrite`."""
    text = reason.split("execution reverted:", 1)[-1].strip().strip("'\"")
    code, sep, detail = text.partition(":")
    try:
        refusal = Refusal(int(code)) if sep else Refusal.UNKNOWN
    except ValueError:
        refusal = Refusal.UNKNOWN
    return RefusedWrite(refusal, detail.strip() if sep else text)


def unavailable(exc: BaseException, where: str) -> LedgerUnavailable:
    return LedgerUnavailable(f"EVM node at {where} unreachable: {type(exc).__name__}: "
                             f"{str(exc).splitlines()[0][:200] if str(exc) else ''}")


class Chain:
    """Signed writes and reads against one deployed ledger contract."""

    def __init__(self, w3: Web3, address: str, abi: list[dict[str, Any]],
                 operator: LocalAccount | None, *, where: str, receipt_timeout: float = 30.0,
                 keep_recent: int = 64) -> None:
        self.w3 = w3
        self.contract = w3.eth.contract(address=Web3.to_checksum_address(address), abi=abi)
        self.operator = operator
        self.where = where
        self.receipt_timeout = receipt_timeout
        self.recent: deque[SentWrite] = deque(maxlen=keep_recent)
        self.nonce_resyncs = 0
        self.rebroadcasts = 0
        self._cached_nonce: int | None = None

    # --- reads -------------------------------------------------------------------------------
    def rpc(self, action: Callable[[], Any]) -> Any:
        """Run one read, turning transport failures into `LedgerUnavailable`."""
        try:
            return action()
        except (RequestException, OSError, TimeExhausted) as exc:
            raise unavailable(exc, self.where) from exc

    def view(self, name: str, *args: Any) -> Any:
        return self.rpc(lambda: getattr(self.contract.functions, name)(*args).call())

    # --- writes ------------------------------------------------------------------------------
    def write(self, function: ContractFunction,
              after_simulation: Callable[[], None] | None = None) -> Any:
        """Simulate, sign, send and wait for `function`; return its receipt.
        `after_simulation` runs checks the contract cannot make, once the contract's own
        checks passed. Raises `RefusedWrite` (nothing recorded) or `LedgerUnavailable`."""
        if self.operator is None:
            raise LedgerUnavailable("no operator key for writing to the EVM ledger "
                                    "(set ICEBAND_EVM_KEY or pass operator_key=)")
        self.reconcile()
        call_data = bytes.fromhex(function._encode_transaction_data()[2:])
        gas = self._estimate(call_data)
        if after_simulation is not None:
            after_simulation()
        for _attempt in range(3):
            nonce = self._next_nonce()
            raw, tx_hash = self._sign(call_data, nonce, gas)
            try:
                self.w3.eth.send_raw_transaction(raw)
            except Web3RPCError as exc:
                if "already known" in str(exc).lower():
                    pass  # this very transaction reached the node already: wait for it
                elif any(marker in str(exc).lower() for marker in _NONCE_ERRORS):
                    self._cached_nonce = None  # someone else used the nonce: resync, re-sign
                    continue
                elif "revert" in str(exc).lower():
                    raise refusal_from_reason(str(exc)) from exc
                else:
                    raise LedgerUnavailable(f"{self.where} rejected the transaction: {exc}") from exc
            except (RequestException, OSError) as exc:
                raise unavailable(exc, self.where) from exc
            self._cached_nonce = nonce + 1
            receipt = self._wait(tx_hash)
            if receipt["status"] != 1:
                # The state changed between simulation and mining: say what the contract said.
                raise self._reason_mined(call_data, int(receipt["blockNumber"]))
            self.recent.append(SentWrite(call_data, raw, tx_hash, nonce, receipt["blockNumber"],
                                         bytes(receipt["blockHash"]), receipt))
            return receipt
        raise LedgerUnavailable(f"could not find a usable nonce on {self.where} after 3 tries")

    def _estimate(self, call_data: bytes) -> int:
        assert self.operator is not None
        tx = {"from": self.operator.address, "to": self.contract.address, "data": call_data}
        try:
            return int(self.w3.eth.estimate_gas(tx) * 1.2) + 5_000  # type: ignore[arg-type]
        except ContractLogicError as exc:
            raise refusal_from_reason(exc.message or str(exc)) from None
        except (RequestException, OSError) as exc:
            raise unavailable(exc, self.where) from exc
        except Exception as exc:  # eth-tester's TransactionFailed, a node's Web3RPCError
            if "revert" not in str(exc).lower():
                raise LedgerUnavailable(f"{self.where} could not simulate the call: {exc}") from exc
            raise refusal_from_reason(str(exc)) from None

    def _reason_mined(self, call_data: bytes, block_number: int) -> RefusedWrite:
        """Why a mined transaction reverted: replay it on the state it met (the parent block;
        then the latest state, in case others' transactions preceded it in its block)."""
        assert self.operator is not None
        tx = {"from": self.operator.address, "to": self.contract.address, "data": call_data}
        for at in (max(block_number - 1, 0), "latest"):
            try:
                self.w3.eth.call(tx, block_identifier=at)  # type: ignore[arg-type]
            except (RequestException, OSError) as exc:
                raise unavailable(exc, self.where) from exc
            except Exception as exc:  # the revert we are after
                if "revert" in str(exc).lower():
                    return refusal_from_reason(getattr(exc, "message", None) or str(exc))
        return RefusedWrite(Refusal.UNKNOWN, "transaction reverted on chain")

    def _sign(self, call_data: bytes, nonce: int, gas: int) -> tuple[bytes, bytes]:
        assert self.operator is not None
        tx = {"to": self.contract.address, "data": call_data, "nonce": nonce, "gas": gas,
              "chainId": self.chain_id, "value": 0, **fee_fields(self.w3, self.rpc)}
        signed = self.operator.sign_transaction(tx)  # type: ignore[arg-type]
        return bytes(signed.raw_transaction), bytes(signed.hash)

    @property
    def chain_id(self) -> int:
        if not hasattr(self, "_chain_id"):
            self._chain_id: int = self.rpc(lambda: self.w3.eth.chain_id)
        return self._chain_id

    def _next_nonce(self) -> int:
        """The node's pending nonce; a differing cache means a gap or foreign use: resync."""
        assert self.operator is not None
        address = self.operator.address
        on_chain = self.rpc(lambda: self.w3.eth.get_transaction_count(address, "pending"))
        if self._cached_nonce is not None and self._cached_nonce != on_chain:
            self.nonce_resyncs += 1
            log.warning("nonce resync for %s: expected %d, node says %d",
                        address, self._cached_nonce, on_chain)
        self._cached_nonce = on_chain
        return int(on_chain)

    def _wait(self, tx_hash: bytes) -> Any:
        try:
            return self.w3.eth.wait_for_transaction_receipt(
                HexBytes(tx_hash), timeout=self.receipt_timeout, poll_latency=0.05)
        except TimeExhausted as exc:
            self._cached_nonce = None
            raise LedgerUnavailable(
                f"transaction {tx_hash.hex()} not mined within {self.receipt_timeout} s on "
                f"{self.where}; it may still be mined (re-sending the entry is safe)") from exc
        except (RequestException, OSError) as exc:
            raise unavailable(exc, self.where) from exc

    # --- reorganisations ---------------------------------------------------------------------
    def reconcile(self) -> int:
        """Re-broadcast recent writes that a reorganisation dropped. Returns how many.
        Cheap when nothing happened: one block lookup proves the newest write still stands."""
        if not self.recent:
            return 0
        newest = self.recent[-1]
        block = self.rpc(lambda: self._block_or_none(newest.block_number))
        if block is not None and bytes(block["hash"]) == newest.block_hash:
            return 0
        repaired = 0
        for sent in list(self.recent):
            receipt = self.rpc(lambda: self._receipt_or_none(sent.tx_hash))
            if receipt is not None:
                sent.block_number, sent.block_hash = receipt["blockNumber"], bytes(receipt["blockHash"])
                continue
            repaired += self._rebroadcast(sent)
        return repaired

    def _block_or_none(self, number: int) -> Any:
        try:
            return self.w3.eth.get_block(number)
        except BlockNotFound:  # the chain was rolled back below it
            return None

    def _receipt_or_none(self, tx_hash: bytes) -> Any:
        try:
            return self.w3.eth.get_transaction_receipt(tx_hash)  # type: ignore[arg-type]
        except TransactionNotFound:  # dropped by the reorganisation
            return None

    def _rebroadcast(self, sent: SentWrite) -> int:
        try:
            return self._rebroadcast_once(sent)
        except (RequestException, OSError) as exc:
            raise unavailable(exc, self.where) from exc

    def _rebroadcast_once(self, sent: SentWrite) -> int:
        log.warning("transaction %s was reorganised away: re-broadcasting", sent.tx_hash.hex())
        self.rebroadcasts += 1
        try:
            self.w3.eth.send_raw_transaction(sent.raw)
            tx_hash = sent.tx_hash
        except Web3RPCError as exc:
            if "already known" in str(exc).lower():
                tx_hash = sent.tx_hash
            else:  # its nonce went to another transaction: same call, fresh nonce
                self._cached_nonce = None
                try:
                    gas = self._estimate(sent.call_data)
                except RefusedWrite as refused:
                    log.warning("dropped write no longer applies: %s", refused)
                    self.recent.remove(sent)
                    return 0
                nonce = self._next_nonce()
                raw, tx_hash = self._sign(sent.call_data, nonce, gas)
                self.w3.eth.send_raw_transaction(raw)
                sent.raw, sent.nonce = raw, nonce
        receipt = self._wait(tx_hash)
        sent.tx_hash, sent.receipt = tx_hash, receipt
        sent.block_number, sent.block_hash = receipt["blockNumber"], bytes(receipt["blockHash"])
        return 1


def local_account(private_key: str | bytes) -> LocalAccount:
    return Account.from_key(private_key)
