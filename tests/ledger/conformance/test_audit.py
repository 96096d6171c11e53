"""What a patient's audit relies on, for every backend: the patient's history comes back
complete and in order, and (where the backend has proofs) each entry is proven against a
checkpoint signed by the ledger key."""

from __future__ import annotations

import dataclasses

import pytest

from ledger_client.crypto import SigningKey
from ledger_client.ledger import BadCheckpoint, HospitalRevoked, Ledger, ProofError, Unsupported
from ledger_client.ledger.author import write
from ledger_client.ledger.codec import encode_entry
from ledger_client.ledger.merkle import hash_leaf, verify_consistency, verify_inclusion
from ledger_client.workflows import prove_entry

from .actors import Cast


def history(ledger: Ledger, cast: Cast) -> list[int]:
    cast.setup_all()
    other = Cast(ledger)
    other.register_patient()        # another patient's entries must not show up
    indexes = [write(ledger, cast.hospital, cast.anchor_body(1)).index,
               write(ledger, cast.responder, cast.access_body()).index,
               write(ledger, cast.patient, HospitalRevoked(cast.pub(cast.hospital))).index]
    return indexes


def test_the_patients_history_is_complete_and_ordered(ledger_backend: Ledger) -> None:
    cast = Cast(ledger_backend)
    later = history(ledger_backend, cast)
    mine = list(ledger_backend.entries(patient=cast.address))
    assert [logged.entry.kind.name for logged in mine] == [
        "PATIENT_REGISTERED", "HOSPITAL_GRANTED", "DEVICE_REGISTERED", "RECORD_ANCHORED",
        "EMERGENCY_ACCESS", "HOSPITAL_REVOKED"]
    assert [logged.index for logged in mine][-3:] == later
    assert [logged.index for logged in mine] == sorted(logged.index for logged in mine)
    for logged in mine:
        assert ledger_backend.entry(logged.index) == logged.entry
    assert [l.index for l in ledger_backend.entries(patient=cast.address, start=later[1])] == later[1:]


def test_each_entry_is_proven_against_a_signed_checkpoint(ledger_backend: Ledger) -> None:
    cast = Cast(ledger_backend)
    history(ledger_backend, cast)
    if not ledger_backend.capabilities.proofs:
        # No Merkle proofs on this backend: its guarantee is the chain's ordering, and it
        # says so instead of serving proofs.
        with pytest.raises(Unsupported):
            ledger_backend.checkpoint()
        with pytest.raises(Unsupported):
            ledger_backend.inclusion_proof(0, 1)
        return
    key = ledger_backend.public_key  # type: ignore[attr-defined]
    checkpoint = ledger_backend.checkpoint()
    checkpoint.verify(key)
    for logged in ledger_backend.entries(patient=cast.address):
        prove_entry(ledger_backend, logged.index, checkpoint, key)
        proof = ledger_backend.inclusion_proof(logged.index, checkpoint.tree_size)
        leaf = hash_leaf(encode_entry(logged.entry))
        with pytest.raises(ProofError):
            verify_inclusion(logged.index, checkpoint.tree_size, hash_leaf(leaf), proof,
                             checkpoint.root_hash)
    with pytest.raises(BadCheckpoint):
        prove_entry(ledger_backend, 0, checkpoint, SigningKey.generate().verify_key.to_bytes())
    forged = dataclasses.replace(checkpoint, root_hash=bytes(32))
    with pytest.raises(BadCheckpoint):
        forged.verify(key)
    first = checkpoint
    Cast(ledger_backend).register_patient()
    second = ledger_backend.checkpoint()
    verify_consistency(first.tree_size, second.tree_size, first.root_hash, second.root_hash,
                       ledger_backend.consistency_proof(first.tree_size, second.tree_size))
