"""Ledger parsers: entry decoding with signatures, checkpoint text, Merkle proofs."""

from __future__ import annotations

import hashlib
import struct

from ledger_client.crypto import SigningKey
from ledger_client.ledger.checkpoint import Checkpoint, sign_checkpoint
from ledger_client.ledger.codec import (
    break_glass_statement, decode_entry, encode_entry, sign_entry, verify_entry_signature)
from ledger_client.ledger.entries import (
    AgencyKeyRotated, AgencyRegistered, Approval, Body, BreakGlass, DeviceRegistered,
    DeviceRevoked, EmergencyAccess, HospitalGranted, HospitalRevoked, PatientRegistered,
    RecordAnchored, ResponderRegistered, ResponderRevoked)
from ledger_client.ledger.errors import BadCheckpoint, MalformedEntry, ProofError
from ledger_client.ledger.merkle import (
    NodeId, consistency_plan, hash_children, hash_leaf, inclusion_plan, resolve, root_of,
    verify_consistency, verify_inclusion)

from . import Outcome, SimpleHarness

__all__ = ["entry_harness", "checkpoint_harness", "inclusion_harness", "consistency_harness",
           "sample_bodies"]


def _key(n: int) -> SigningKey:
    return SigningKey.from_bytes(hashlib.sha256(b"fuzz-key-%d" % n).digest())


def sample_bodies() -> list[Body]:
    """One body of every kind, with edge-sized fields."""
    patient, key = bytes(range(20)), bytes(range(32))
    bg = BreakGlass(patient, "unconscious, finger burnt", bytes(16))
    agency = _key(9)
    approval = Approval(agency.verify_key.to_bytes(),
                        agency.sign(break_glass_statement(key, bg)))
    return [
        PatientRegistered(b"\x01" + bytes(32)), HospitalGranted(key), HospitalRevoked(key),
        RecordAnchored(patient, "ips", 7, bytes(32), b"p" * 300),
        DeviceRegistered(patient, b"d" * 16), DeviceRevoked(patient, b"\x00"),
        AgencyRegistered("Metro EMS \u00e9", b"\x01" + bytes(32)), AgencyKeyRotated(b"k"),
        ResponderRegistered(key), ResponderRevoked(key),
        EmergencyAccess(patient, b"d" * 32, 2**32 - 1, bytes(16), 2**64 - 1, True),
        BreakGlass(bg.patient, bg.reason, bg.nonce, (approval, approval)),
    ]


def entry_harness() -> SimpleHarness:
    signer = _key(1)
    author = signer.verify_key.to_bytes()
    seeds = [encode_entry(sign_entry(body, signer=signer, author=author, sequence=i,
                                     timestamp_ms=1_764_000_000_000 + i))
             for i, body in enumerate(sample_bodies())]
    genuine = set(seeds)

    def check(data: bytes) -> Outcome:
        try:
            entry = decode_entry(data)
        except MalformedEntry:
            return "rejected"
        assert encode_entry(entry) == data, "decoding is not canonical"
        try:
            verify_entry_signature(entry)
        except MalformedEntry:  # BadEntrySignature
            return "rejected"
        assert data in genuine, "a changed entry still carries a valid signature"
        return "accepted"
    return SimpleHarness(seeds, check)


def checkpoint_harness() -> SimpleHarness:
    signer = _key(2)
    public = signer.verify_key.to_bytes()
    seeds = []
    for size in (0, 1, 37, 2**40):
        root = hashlib.sha256(b"%d" % size).digest()
        seeds.append(sign_checkpoint(signer, public, size, root, 1_764_000_000_000)
                     .to_text(public).encode())
    genuine = {Checkpoint.from_text(s.decode()) for s in seeds}

    def check(data: bytes) -> Outcome:
        text = data.decode("utf-8", errors="replace")
        try:
            cp = Checkpoint.from_text(text)
            cp.verify(public)
        except BadCheckpoint:
            return "rejected"
        assert cp in genuine, f"a forged checkpoint verifies: {cp}"
        return "accepted"
    return SimpleHarness(seeds, check)


# --- Merkle proofs against one fixed tree -------------------------------------------------
_LEAVES = 37


def _tree() -> tuple[list[bytes], dict[NodeId, bytes]]:
    leaves = [hash_leaf(b"leaf %d" % i) for i in range(_LEAVES)]
    nodes = {NodeId(0, i): h for i, h in enumerate(leaves)}
    level = 0
    while True:
        pairs = {node.index: h for node, h in nodes.items() if node.level == level}
        made = False
        for i in range(0, max(pairs, default=-1) + 1, 2):
            if i in pairs and i + 1 in pairs:
                nodes[NodeId(level + 1, i // 2)] = hash_children(pairs[i], pairs[i + 1])
                made = True
        if not made:
            break
        level += 1
    return leaves, nodes


def _proof_bytes(a: int, b: int, proof: list[bytes]) -> bytes:
    return struct.pack(">HH", a, b) + b"".join(proof)


def _split(data: bytes) -> tuple[int, int, list[bytes]] | None:
    if len(data) < 4:
        return None
    a, b = struct.unpack_from(">HH", data)
    rest = data[4:]
    return a, b, [rest[i:i + 32] for i in range(0, len(rest), 32)]


def inclusion_harness() -> SimpleHarness:
    leaves, nodes = _tree()
    roots = {size: root_of(size, nodes.__getitem__) for size in range(1, _LEAVES + 1)}
    real = {(i, n): resolve(inclusion_plan(i, n), nodes.__getitem__)
            for n in range(1, _LEAVES + 1) for i in range(n)}
    seeds = [_proof_bytes(i, n, real[(i, n)]) for (i, n) in real if (i * 7 + n) % 5 == 0]

    def check(data: bytes) -> Outcome:
        parts = _split(data)
        if parts is None:
            return "rejected"
        index, size, proof = parts
        leaf = leaves[index % _LEAVES]
        root = roots.get(size, hashlib.sha256(data).digest())
        try:
            verify_inclusion(index, size, leaf, proof, root)
        except ProofError:
            return "rejected"
        assert real.get((index, size)) == proof, "a wrong inclusion proof verified"
        return "accepted"
    return SimpleHarness(seeds, check)


def consistency_harness() -> SimpleHarness:
    _, nodes = _tree()
    roots = {size: root_of(size, nodes.__getitem__) for size in range(0, _LEAVES + 1)}
    real = {(m, n): resolve(consistency_plan(m, n), nodes.__getitem__)
            for n in range(0, _LEAVES + 1) for m in range(0, n + 1)}
    seeds = [_proof_bytes(m, n, real[(m, n)]) for (m, n) in real if (m * 3 + n) % 7 == 0]

    def check(data: bytes) -> Outcome:
        parts = _split(data)
        if parts is None:
            return "rejected"
        old, new, proof = parts
        old_root = roots.get(old, hashlib.sha256(b"o" + data).digest())
        new_root = roots.get(new, hashlib.sha256(b"n" + data).digest())
        try:
            verify_consistency(old, new, old_root, new_root, proof)
        except ProofError:
            return "rejected"
        ok = (old, new) in real and real[(old, new)] == proof
        trivial = old == new or old == 0  # no proof needed: nothing to forge
        assert ok or (trivial and not proof), "a wrong consistency proof verified"
        return "accepted"
    return SimpleHarness(seeds, check)


