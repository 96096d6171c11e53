"""Emergency records through the ledger: put (validate, encrypt, store, anchor) and the
verified fetch that `record get` and the responder app share."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from ledger_client.crypto import (
    RecipientKey, RecipientPublicKey, address_from_bytes, decrypt_record, encrypt_record,
    seal_to_many)
from ledger_client.fhir import EmergencyView, IpsDocument, emergency_view, load_ips
from ledger_client.home import Role
from ledger_client.ledger import (
    Checkpoint, Ledger, ProofError, RecordAnchor, RecordAnchored)
from ledger_client.ledger.author import write
from ledger_client.ledger.codec import encode_entry
from ledger_client.ledger.merkle import hash_leaf, verify_inclusion
from ledger_client.store import RecordStore
from ledger_client.workflows.context import Passphrase, Workspace, WorkflowError

__all__ = ["PutResult", "OpenedRecord", "put_record", "get_record", "open_latest_record",
           "prove_entry", "POINTER_INFO", "DEFAULT_RECORD_ID"]

DEFAULT_RECORD_ID = "ips"
POINTER_INFO = b"ICEband/v1/record-pointer"


@dataclass(frozen=True)
class PutResult:
    index: int
    version: int
    ciphertext_sha256: bytes


@dataclass(frozen=True)
class OpenedRecord:
    anchor: RecordAnchor
    document: IpsDocument
    view: EmergencyView


def prove_entry(ledger: Ledger, index: int, checkpoint: Checkpoint, ledger_key: bytes) -> None:
    """Check that entry `index` is in the tree the signed `checkpoint` commits to (raises
    `BadCheckpoint` or `ProofError`). Backends without proofs: nothing to check here."""
    if not ledger.capabilities.proofs:
        return
    checkpoint.verify(ledger_key)
    if index >= checkpoint.tree_size:
        raise ProofError(f"entry {index} is not covered by a checkpoint of size {checkpoint.tree_size}")
    leaf = hash_leaf(encode_entry(ledger.entry(index)))
    verify_inclusion(index, checkpoint.tree_size, leaf,
                     ledger.inclusion_proof(index, checkpoint.tree_size), checkpoint.root_hash)


def put_record(ws: Workspace, patient: str, file: Path, hospital: str, passphrase: Passphrase,
               *, record_id: str = DEFAULT_RECORD_ID) -> PutResult:
    """Validate the IPS document, encrypt it to the patient's emergency key (from the ledger),
    store the ciphertext and anchor its SHA-256, signed by the hospital."""
    address = ws.home.identity(Role.PATIENT, patient).address
    ws.home.identity(Role.HOSPITAL, hospital)
    try:
        plaintext = file.read_bytes()
    except OSError as exc:
        raise WorkflowError(f"cannot read {file}: {exc.strerror}") from None
    load_ips(plaintext)  # InvalidRecord before anything is written
    ek_bytes = ws.ledger.emergency_key(address)
    if ek_bytes is None:
        raise WorkflowError(f"patient {patient} is not registered on the ledger")
    emergency_key = RecipientPublicKey.from_bytes(ek_bytes)
    key = ws.home.signing_key(Role.HOSPITAL, hospital,
                              passphrase(f"passphrase for hospital {hospital}"))
    if not ws.ledger.is_granted(address, key.verify_key.to_bytes()):
        # Checked before storing so that a refused anchor leaves no orphan ciphertext.
        raise WorkflowError(f"patient {patient} has not granted hospital {hospital}")
    previous = ws.ledger.latest_record(address, record_id)
    version = 1 if previous is None else previous.version + 1
    blob = encrypt_record(plaintext, patient=address_from_bytes(address), record_id=record_id,
                          version=version, emergency_key=emergency_key)
    digest = ws.store.put(blob)
    pointer = json.dumps({"store": ws.store_location or ws.home.store_location,
                          "sha256": digest.hex()}).encode()
    sealed = seal_to_many(pointer, [emergency_key], info=POINTER_INFO)
    receipt = write(ws.ledger, key, RecordAnchored(address, record_id, version, digest, sealed))
    return PutResult(receipt.index, version, digest)


def open_latest_record(ledger: Ledger, store: RecordStore, patient: bytes,
                       emergency_key: RecipientKey, *, ledger_key: bytes | None,
                       record_id: str | None = None) -> OpenedRecord:
    """Find the patient's latest anchor, prove it against a signed checkpoint, fetch the
    ciphertext (refused unless its SHA-256 is the anchored one), decrypt and validate it."""
    anchor = ledger.latest_record(patient, record_id)
    if anchor is None:
        raise WorkflowError(f"no record anchored for patient {address_from_bytes(patient)}")
    if ledger.capabilities.proofs:
        if ledger_key is None:
            raise WorkflowError("a ledger key is needed to check the anchor's proof")
        prove_entry(ledger, anchor.index, ledger.checkpoint(), ledger_key)
    blob = store.get(anchor.ciphertext_sha256)  # re-hashed by the store: HashMismatch
    plaintext = decrypt_record(blob, emergency_key=emergency_key,
                               patient=address_from_bytes(patient),
                               record_id=anchor.record_id, version=anchor.version)
    document = load_ips(plaintext)
    return OpenedRecord(anchor, document, emergency_view(document))


def get_record(ws: Workspace, patient: str, passphrase: Passphrase) -> OpenedRecord:
    """`record get PATIENT --as patient`: the patient opens its own record with its EK."""
    address = ws.home.identity(Role.PATIENT, patient).address
    key = ws.home.recipient_key(Role.PATIENT, patient,
                                passphrase(f"passphrase for patient {patient}"))
    ledger_key = ws.ledger_public_key() if ws.ledger.capabilities.proofs else None
    return open_latest_record(ws.ledger, ws.store, address, key, ledger_key=ledger_key)

