"""`EvmLedger`: the `Ledger` protocol over the ICEband contract on an EVM chain.

Writes go through `Chain` (local signing, simulation first, nonce and reorganisation
handling). Reads come from two places: the contract's storage for the current state (grants,
sequences, revocations, where the newest anchor is) and its `Entry` events for the entries
themselves. Every entry read back is decoded from its canonical bytes and its Ed25519
signature checked, so a relayer that wrote something its author never signed is caught.
The chain has no Merkle tree of ours: `capabilities.proofs` is False and the proof methods
raise `Unsupported`; block inclusion under the consortium's consensus takes their place.
"""

from __future__ import annotations

from typing import Any, Callable, Iterator, Sequence

from web3 import HTTPProvider, Web3

from ledger_client.ledger import codec
from ledger_client.ledger.protocol import (
    Capabilities, Checkpoint, EntryKind, LedgerCorrupt, LedgerUnavailable, LoggedEntry,
    MalformedEntry, Receipt, RecordAnchor, Refusal, RefusedWrite, ResponderStatus, SignedEntry,
    Unsupported)
from ledger_client.evm.chain import Chain

__all__ = ["EvmLedger", "MAX_ENTRY_BYTES", "MAX_BATCH_ENTRIES"]

MAX_ENTRY_BYTES = 6144      # the contract's MAX_ENTRY
MAX_BATCH_ENTRIES = 64      # the contract's MAX_BATCH_ENTRIES
_ENTRY_TOPIC = Web3.keccak(text="Entry(uint256,address,bytes32,bytes)")
_ZERO_ADDRESS = "0x" + "00" * 20
Progress = Callable[[int, int], None]


def _abi_bytes(data: bytes) -> bytes:
    """The one `bytes` value of the event's ABI-encoded data: offset 32 | length | payload."""
    if len(data) < 64 or int.from_bytes(data[:32], "big") != 32:
        raise ValueError("event data is not one ABI-encoded bytes value")
    length = int.from_bytes(data[32:64], "big")
    if len(data) != 64 + (length + 31) // 32 * 32:
        raise ValueError("event data length does not match its bytes value")
    return data[64:64 + length]


def _sized(value: object, size: int) -> bool:
    """Keys of the wrong shape are simply unknown to the ledger (no RPC, no web3 error)."""
    return isinstance(value, bytes) and len(value) == size


def _quantity(block: int | str) -> str:
    return hex(block) if isinstance(block, int) else block


def _topic(value: bytes | int) -> str:
    raw = value.to_bytes(32, "big") if isinstance(value, int) else value.rjust(32, b"\0")
    return "0x" + raw.hex()


class EvmLedger:
    """One deployed ICEband ledger contract. `on_close` runs when the ledger is closed (it stops
    a node that was started for this ledger)."""

    def __init__(self, chain: Chain, *, log_chunk_blocks: int = 5_000,
                 on_close: Callable[[], None] | None = None) -> None:
        self.chain = chain
        self.log_chunk_blocks = log_chunk_blocks
        self._on_close = on_close
        self._deployed_at: int = chain.view("deployed_at")

    @property
    def capabilities(self) -> Capabilities:
        return Capabilities(proofs=False, local_file=False)

    @property
    def address(self) -> str:
        return str(self.chain.contract.address)

    # --- writes ------------------------------------------------------------------------------
    def append(self, entry: SignedEntry) -> Receipt:
        data = self._checked_bytes(entry)
        receipt = self.chain.write(self.chain.contract.functions.append(data),
                                   lambda: self._check_approvals(entry))
        return self._receipts(receipt)[0]

    def append_batch(self, entries: Sequence[SignedEntry]) -> list[Receipt]:
        if not entries:
            return []
        if len(entries) > MAX_BATCH_ENTRIES:
            raise RefusedWrite(Refusal.MALFORMED, f"a batch holds at most {MAX_BATCH_ENTRIES} "
                               f"entries on the EVM backend, got {len(entries)}")
        blobs = []
        for position, entry in enumerate(entries):
            try:
                blobs.append(self._checked_bytes(entry))
            except RefusedWrite as refused:
                raise RefusedWrite(refused.reason, refused.detail, position) from None
        try:
            receipt = self.chain.write(self.chain.contract.functions.append_batch(blobs),
                                       lambda: self._check_batch_approvals(entries))
        except RefusedWrite as refused:
            where = refused.batch_index
            if where is None:
                where = self._first_refused(blobs)
            raise RefusedWrite(refused.reason, refused.detail, where) from None
        return self._receipts(receipt)

    def _checked_bytes(self, entry: SignedEntry) -> bytes:
        """Canonical bytes of a well-formed, correctly signed entry, or `RefusedWrite`."""
        try:
            data = codec.encode_entry(entry)
            codec.decode_entry(data)
        except MalformedEntry as exc:
            raise RefusedWrite(Refusal.MALFORMED, str(exc)) from None
        if len(data) > MAX_ENTRY_BYTES:
            raise RefusedWrite(Refusal.MALFORMED, f"entry of {len(data)} bytes exceeds the "
                               f"chain backend's {MAX_ENTRY_BYTES}")
        try:
            codec.verify_entry_signature(entry)
        except codec.BadEntrySignature as exc:
            raise RefusedWrite(Refusal.BAD_SIGNATURE, str(exc)) from None
        return data

    def _check_batch_approvals(self, entries: Sequence[SignedEntry]) -> None:
        for position, entry in enumerate(entries):
            try:
                self._check_approvals(entry)
            except RefusedWrite as refused:
                raise RefusedWrite(refused.reason, refused.detail, position) from None

    @staticmethod
    def _check_approvals(entry: SignedEntry) -> None:
        # The contract counts distinct registered agencies; it cannot check Ed25519, so we do.
        from cryptography.exceptions import InvalidSignature
        from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
        if entry.kind is not EntryKind.BREAK_GLASS:
            return
        body = entry.body
        statement = codec.break_glass_statement(entry.author, body)  # type: ignore[arg-type]
        for approval in body.approvals:  # type: ignore[union-attr]
            try:
                Ed25519PublicKey.from_public_bytes(approval.agency).verify(
                    approval.signature, statement)
            except (InvalidSignature, ValueError):
                raise RefusedWrite(Refusal.QUORUM_NOT_MET, "an approval signature does "
                                   "not verify") from None

    def _first_refused(self, blobs: list[bytes]) -> int | None:
        """Which batch entry the contract refuses: simulate growing prefixes."""
        sender = self.chain.operator.address if self.chain.operator else None
        for end in range(1, len(blobs) + 1):
            try:
                self.chain.contract.functions.append_batch(blobs[:end]).call(
                    {"from": sender} if sender else None)
            except Exception:
                return end - 1
        return None

    def _receipts(self, tx_receipt: Any) -> list[Receipt]:
        events = self.chain.contract.events.Entry().process_receipt(tx_receipt)
        return [Receipt(index=int(event["args"]["index"]), checkpoint=None) for event in events]

    # --- entries -----------------------------------------------------------------------------
    def size(self) -> int:
        return int(self.chain.view("size"))

    def entry(self, index: int) -> SignedEntry:
        if type(index) is not int or index < 0:
            raise IndexError(f"entry index must be a non-negative integer, got {index!r}")
        found = self._logs(self._deployed_at, "latest", index=index)
        if not found:
            raise IndexError(f"no entry {index} (the ledger holds {self.size()})")
        return found[-1].entry

    def entries(self, patient: bytes | None = None, start: int = 0, *,
                on_progress: Progress | None = None) -> Iterator[LoggedEntry]:
        """Entries in log order; `on_progress(blocks_done, blocks_total)` after each chunk."""
        head = int(self.chain.rpc(lambda: self.chain.w3.eth.block_number))
        total = head - self._deployed_at + 1
        first = self._deployed_at
        while first <= head:
            last = min(first + self.log_chunk_blocks - 1, head)
            for logged in self._logs(first, last, patient=patient):
                if logged.index >= start:
                    yield logged
            if on_progress is not None:
                on_progress(last - self._deployed_at + 1, total)
            first = last + 1

    def _logs(self, from_block: int, to_block: int | str, *, index: int | None = None,
              patient: bytes | None = None, author: bytes | None = None) -> list[LoggedEntry]:
        topics: list[Any] = [_topic(_ENTRY_TOPIC),
                             None if index is None else _topic(index),
                             None if patient is None else _topic(patient),
                             None if author is None else _topic(author)]
        while topics[-1] is None:
            topics.pop()
        query = {"address": self.chain.contract.address, "fromBlock": _quantity(from_block),
                 "toBlock": _quantity(to_block), "topics": topics}
        out = []
        for position, data in self._raw_logs(query):
            out.append(LoggedEntry(position, self._decode(position, data)))
        out.sort(key=lambda logged: logged.index)
        return out

    def _raw_logs(self, query: dict[str, Any]) -> Iterator[tuple[int, bytes]]:
        w3 = self.chain.w3
        if not isinstance(w3.provider, HTTPProvider):  # in-process: web3 formats for it
            for log in self.chain.rpc(lambda: w3.eth.get_logs(query)):  # type: ignore[arg-type]
                yield int.from_bytes(bytes(log["topics"][1]), "big"), bytes(log["data"])
            return
        # Raw JSON-RPC: web3's per-log result formatting costs more than our decoding.
        response = self.chain.rpc(lambda: w3.provider.make_request(
            "eth_getLogs", [query]))  # type: ignore[arg-type]
        if "error" in response:
            raise LedgerUnavailable(f"eth_getLogs failed on {self.chain.where}: "
                                    f"{response['error']}")
        for raw in response["result"]:
            yield int(raw["topics"][1], 16), bytes.fromhex(raw["data"][2:])

    @staticmethod
    def _decode(index: int, data: bytes) -> SignedEntry:
        try:
            payload = _abi_bytes(data)
            entry = codec.decode_entry(payload)
            codec.verify_encoded_signature(payload)
        except codec.BadEntrySignature:
            raise LedgerCorrupt(index, "signature does not verify with the author's key") from None
        except (MalformedEntry, ValueError, TypeError) as exc:
            raise LedgerCorrupt(index, f"undecodable entry: {exc}") from None
        return entry

    # --- state -------------------------------------------------------------------------------
    def next_sequence(self, author: bytes) -> int:
        if not _sized(author, 32):
            raise ValueError(f"an author is a 32-byte Ed25519 key, got {author!r:.80}")
        return int(self.chain.view("next_sequence", author))

    def latest_record(self, patient: bytes, record_id: str | None = None) -> RecordAnchor | None:
        if not _sized(patient, 20) or (record_id is not None and not isinstance(record_id, str)):
            return None
        address = Web3.to_checksum_address(patient)
        if record_id is None:
            block = int(self.chain.view("latest_anchor", address))
        else:
            version, block = self.chain.view("record", address, record_id)
            if version == 0:
                return None
        if block == 0:
            return None
        anchors = [logged for logged in self._logs(block, block, patient=patient)
                   if logged.entry.kind is EntryKind.RECORD_ANCHORED
                   and (record_id is None or logged.entry.body.record_id == record_id)]  # type: ignore[union-attr]
        if not anchors:
            raise LedgerCorrupt(-1, f"contract points at block {block} but it holds no anchor")
        logged = anchors[-1]
        body = logged.entry.body
        return RecordAnchor(index=logged.index, patient=body.patient,  # type: ignore[union-attr]
                            record_id=body.record_id, version=body.version,  # type: ignore[union-attr]
                            ciphertext_sha256=body.ciphertext_sha256,  # type: ignore[union-attr]
                            sealed_pointer=body.sealed_pointer,  # type: ignore[union-attr]
                            hospital=logged.entry.author, timestamp_ms=logged.entry.timestamp_ms)

    def emergency_key(self, patient: bytes) -> bytes | None:
        if not _sized(patient, 20):
            return None
        block = int(self.chain.view("patients", Web3.to_checksum_address(patient)))
        if block == 0:
            return None
        for logged in self._logs(block, block, patient=patient):
            if logged.entry.kind is EntryKind.PATIENT_REGISTERED:
                return logged.entry.body.emergency_key  # type: ignore[union-attr]
        raise LedgerCorrupt(-1, f"contract points at block {block} but it holds no registration")

    def is_granted(self, patient: bytes, hospital: bytes) -> bool:
        if not (_sized(patient, 20) and _sized(hospital, 32)):
            return False
        return bool(self.chain.view("grants", Web3.to_checksum_address(patient), hospital))

    def is_device_revoked(self, device_id: bytes) -> bool:
        if not isinstance(device_id, bytes) or not 1 <= len(device_id) <= 32:
            return False
        return int(self.chain.view("device", device_id)[1]) == 2

    def responder_status(self, responder: bytes) -> ResponderStatus:
        if not _sized(responder, 32):
            return ResponderStatus.UNKNOWN
        return ResponderStatus(int(self.chain.view("actor", responder)[1]))

    def agency_recipient_key(self, agency: bytes) -> bytes | None:
        if not _sized(agency, 32):
            return None
        is_agency, _status, block = self.chain.view("actor", agency)
        if not is_agency:
            return None
        keys = [logged.entry for logged in self._logs(block, block, author=agency)
                if logged.entry.kind in (EntryKind.AGENCY_REGISTERED, EntryKind.AGENCY_KEY_ROTATED)]
        if not keys:
            raise LedgerCorrupt(-1, f"contract points at block {block} but it holds no agency key")
        return keys[-1].body.recipient_key  # type: ignore[union-attr]

    # --- what the chain has instead of proofs -------------------------------------------------
    def checkpoint(self) -> Checkpoint:
        raise Unsupported("the EVM ledger has no signed checkpoints: block inclusion under the "
                          "chain's consensus replaces them (docs/ledger-evm.md)")

    def inclusion_proof(self, index: int, tree_size: int) -> list[bytes]:
        raise Unsupported("the EVM ledger has no Merkle inclusion proofs: use the transaction "
                          "receipt and block confirmations (docs/ledger-evm.md)")

    def consistency_proof(self, old_size: int, new_size: int) -> list[bytes]:
        raise Unsupported("the EVM ledger has no consistency proofs: the chain's consensus "
                          "keeps history append-only (docs/ledger-evm.md)")

    def close(self) -> None:
        on_close, self._on_close = self._on_close, None
        if on_close is not None:
            on_close()

    def __enter__(self) -> "EvmLedger":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
