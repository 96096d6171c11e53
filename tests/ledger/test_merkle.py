"""Merkle hashing and proofs: published known answers, a naive cross-check, corrupted probes."""

from __future__ import annotations

import base64
import json
from pathlib import Path

import pytest

from ledger_client.ledger import ProofError
from ledger_client.ledger.merkle import (
    EMPTY_ROOT, NodeId, consistency_plan, hash_children, hash_leaf, inclusion_plan,
    range_nodes, resolve, root_from_inclusion_proof, root_of, verify_consistency,
    verify_inclusion)

from .reference_merkle import consistency, mth, path

VECTORS = Path(__file__).resolve().parents[1] / "vectors" / "rfc9162"
KNOWN = json.loads((VECTORS / "transparency-dev-merkle-verify_test.json").read_text())
LEAVES = [bytes.fromhex(h) for h in KNOWN["leaves"]]
ROOTS = [bytes.fromhex(h) for h in KNOWN["roots"]]
SOME_HASH = bytes.fromhex("abacaba000000000000000000000000000000000000000000060061e00123456")


class TreeStore:
    """Storage as the ledger sees it: hashes of perfect subtrees by node id."""

    def __init__(self, leaves: list[bytes]) -> None:
        self.leaves = leaves
        self.fetched: list[NodeId] = []

    def node_hash(self, node: NodeId) -> bytes:
        self.fetched.append(node)
        start = node.index << node.level
        span = self.leaves[start:start + (1 << node.level)]
        assert len(span) == 1 << node.level, f"asked for a node that is not complete: {node}"
        return mth(span)


def build_inclusion(leaves: list[bytes], index: int, size: int) -> list[bytes]:
    return resolve(inclusion_plan(index, size), TreeStore(leaves[:size]).node_hash)


def build_consistency(leaves: list[bytes], old: int, new: int) -> list[bytes]:
    return resolve(consistency_plan(old, new), TreeStore(leaves[:new]).node_hash)


def test_hashing_known_answers() -> None:
    assert EMPTY_ROOT.hex() == KNOWN["empty_tree_hash"]
    assert hash_leaf(LEAVES[0]) == ROOTS[0]
    assert hash_children(hash_leaf(LEAVES[0]), hash_leaf(LEAVES[1])) == ROOTS[1]
    for size in range(1, 9):
        assert root_of(size, TreeStore(LEAVES).node_hash) == ROOTS[size - 1]


@pytest.mark.parametrize("vector", KNOWN["inclusion"], ids=lambda v: f"{v['leaf']}-of-{v['size']}")
def test_inclusion_known_answers(vector: dict) -> None:
    index, size = vector["leaf"] - 1, vector["size"]
    proof = [bytes.fromhex(h) for h in vector["proof"]]
    assert build_inclusion(LEAVES, index, size) == proof
    verify_inclusion(index, size, hash_leaf(LEAVES[index]), proof, ROOTS[size - 1])


@pytest.mark.parametrize("vector", KNOWN["consistency"],
                         ids=lambda v: f"{v['size1']}-to-{v['size2']}")
def test_consistency_known_answers(vector: dict) -> None:
    old, new = vector["size1"], vector["size2"]
    proof = [bytes.fromhex(h) for h in vector["proof"]]
    assert build_consistency(LEAVES, old, new) == proof
    verify_consistency(old, new, ROOTS[old - 1], ROOTS[new - 1], proof)


def test_upstream_json_file_format() -> None:
    case = json.loads((VECTORS / "consistency-1-happy-path.json").read_text())
    proof = [base64.b64decode(p) for p in case["proof"]]
    assert case["wantErr"] is False
    verify_consistency(case["size1"], case["size2"], base64.b64decode(case["root1"]),
                       base64.b64decode(case["root2"]), proof)


def inclusion_probes(index: int, size: int, leaf: bytes, proof: list[bytes], root: bytes):
    yield "index-1", index - 1, size, leaf, proof, root
    yield "index+1", index + 1, size, leaf, proof, root
    yield "index^2", index ^ 2, size, leaf, proof, root
    yield "size*2", index, size * 2, leaf, proof, root
    yield "size/2", index, size // 2, leaf, proof, root
    yield "wrong leaf", index, size, SOME_HASH, proof, root
    yield "empty root", index, size, leaf, proof, EMPTY_ROOT
    yield "random root", index, size, leaf, proof, SOME_HASH
    yield "trailing root", index, size, leaf, proof + [root], root
    yield "preceding root", index, size, leaf, [root] + proof, root
    yield "trailing garbage", index, size, leaf, proof + [b""], root
    for i in range(len(proof)):
        flipped = list(proof)
        flipped[i] = bytes([flipped[i][0] ^ 8]) + flipped[i][1:]
        yield f"bit flip in proof[{i}]", index, size, leaf, flipped, root
    if proof:
        yield "removed component", index, size, leaf, proof[:-1], root
    if len(proof) > 1:
        yield "inserted component", index, size, leaf, [proof[0], SOME_HASH] + proof[1:], root


@pytest.mark.parametrize("vector", KNOWN["inclusion"], ids=lambda v: f"{v['leaf']}-of-{v['size']}")
def test_corrupted_inclusion_proofs_are_refused(vector: dict) -> None:
    index, size = vector["leaf"] - 1, vector["size"]
    proof = [bytes.fromhex(h) for h in vector["proof"]]
    for desc, *probe in inclusion_probes(index, size, hash_leaf(LEAVES[index]), proof,
                                         ROOTS[size - 1]):
        with pytest.raises(ProofError):
            verify_inclusion(*probe)
            pytest.fail(f"probe verified: {desc}")


@pytest.mark.parametrize("vector", [v for v in KNOWN["consistency"] if v["proof"]],
                         ids=lambda v: f"{v['size1']}-to-{v['size2']}")
def test_corrupted_consistency_proofs_are_refused(vector: dict) -> None:
    old, new = vector["size1"], vector["size2"]
    proof = [bytes.fromhex(h) for h in vector["proof"]]
    r1, r2 = ROOTS[old - 1], ROOTS[new - 1]
    probes = [
        (old - 1, new, r1, r2, proof), (old + 1, new, r1, r2, proof),
        (old ^ 2, new, r1, r2, proof), (old, new * 2, r1, r2, proof),
        (old, new // 2, r1, r2, proof), (old, new, SOME_HASH, r2, proof),
        (old, new, r1, SOME_HASH, proof), (old, new, r2, r1, proof), (old, new, r1, r2, []),
        (old, new, r1, r2, proof + [r1]), (old, new, r1, r2, proof + [r2]),
        (old, new, r1, r2, [r1] + proof), (old, new, r1, r2, [r2] + proof),
        (old, new, r1, r2, [proof[0]] + proof), (old, new, r1, r2, proof[:-1]),
        (old, new, r1, r2, proof + [b""]),
    ]
    for i in range(len(proof)):
        flipped = list(proof)
        flipped[i] = bytes([flipped[i][0] ^ 16]) + flipped[i][1:]
        probes.append((old, new, r1, r2, flipped))
    for probe in probes:
        with pytest.raises(ProofError):
            verify_consistency(*probe)
            pytest.fail(f"probe verified: sizes {probe[0]}->{probe[1]}")


def test_edge_cases_come_first() -> None:
    with pytest.raises(ProofError, match="outside"):
        root_from_inclusion_proof(0, 0, SOME_HASH, [])
    with pytest.raises(ProofError, match="outside"):
        inclusion_plan(3, 3)
    with pytest.raises(ProofError, match="32 bytes"):
        verify_inclusion(0, 1, b"short", [], SOME_HASH)
    verify_consistency(0, 5, b"", ROOTS[4], [])       # everything extends the empty tree
    verify_consistency(3, 3, ROOTS[2], ROOTS[2], [])
    with pytest.raises(ProofError, match="different roots"):
        verify_consistency(3, 3, ROOTS[2], ROOTS[3], [])
    with pytest.raises(ProofError, match="must be empty"):
        verify_consistency(0, 1, EMPTY_ROOT, ROOTS[0], [EMPTY_ROOT])
    with pytest.raises(ProofError, match="no consistency"):
        verify_consistency(2, 1, ROOTS[1], ROOTS[0], [])
    with pytest.raises(ProofError) as info:
        verify_inclusion(0, 2, hash_leaf(LEAVES[0]), [hash_leaf(LEAVES[2])], ROOTS[1])
    assert info.value.expected == ROOTS[1] and info.value.computed != ROOTS[1]


def test_cross_check_against_naive_reference_for_every_small_tree() -> None:
    leaves = [i.to_bytes(2, "big") * (i % 5) for i in range(70)]
    for size in range(1, len(leaves) + 1):
        root = root_of(size, TreeStore(leaves).node_hash)
        assert root == mth(leaves[:size])
        for index in range(size):
            proof = build_inclusion(leaves, index, size)
            assert proof == path(index, leaves[:size])
            verify_inclusion(index, size, hash_leaf(leaves[index]), proof, root)
        for old in range(0, size + 1):
            proof = build_consistency(leaves, old, size)
            assert proof == consistency(old, leaves[:size])
            verify_consistency(old, size, mth(leaves[:old]) if old else b"", root, proof)


def test_plans_fetch_only_complete_nodes_and_few_of_them() -> None:
    size = 1_000_003
    plan = inclusion_plan(777_777, size)
    nodes = [node for element in plan for node in element]
    for node in nodes:
        assert (node.index + 1) << node.level <= size
    assert len(plan) <= 21 and len(nodes) <= 2 * 21
    assert range_nodes(0, 5) == [NodeId(2, 0), NodeId(0, 4)]
    assert range_nodes(8, 11) == [NodeId(1, 4), NodeId(0, 10)]
