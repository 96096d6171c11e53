"""RFC 9162 Merkle tree hashing and proofs, as pure functions over hashes.

Hashing (RFC 9162 2.1.1): leaf = SHA-256(0x00 || data), node = SHA-256(0x01 || left || right),
the empty tree's root = SHA-256("").

Storage keeps the hashes of *perfect* subtrees, named by `NodeId(level, index)`: the subtree
of the 2**level leaves starting at leaf index * 2**level. Proof building returns, for each
proof element, the node ids to fetch (`inclusion_plan`, `consistency_plan`); `resolve` then
asks storage "hash of node id" and folds the few right-edge subtrees that are not perfect.
Verification computes the root(s) from a proof and compares, with argument checks first.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Callable, Sequence

from ledger_client.ledger.errors import ProofError

__all__ = [
    "HASH_SIZE", "EMPTY_ROOT", "NodeId", "hash_leaf", "hash_children", "range_nodes",
    "inclusion_plan", "consistency_plan", "resolve", "root_from_inclusion_proof",
    "verify_inclusion", "verify_consistency", "root_of", "fold",
]

HASH_SIZE = 32
EMPTY_ROOT = hashlib.sha256(b"").digest()
_LEAF_PREFIX = b"\x00"
_NODE_PREFIX = b"\x01"


@dataclass(frozen=True, slots=True)
class NodeId:
    """The perfect subtree of the 2**level leaves from leaf index * 2**level."""
    level: int
    index: int


NodeHash = Callable[[NodeId], bytes]


def hash_leaf(data: bytes) -> bytes:
    return hashlib.sha256(_LEAF_PREFIX + data).digest()


def hash_children(left: bytes, right: bytes) -> bytes:
    return hashlib.sha256(_NODE_PREFIX + left + right).digest()


def _split(size: int) -> int:
    """The largest power of two smaller than `size` (size >= 2)."""
    return 1 << ((size - 1).bit_length() - 1)


def range_nodes(begin: int, end: int) -> list[NodeId]:
    """The perfect subtrees, left to right, that make up the RFC 9162 subtree of leaves
    [begin, end); `begin` must be aligned as it is for every subtree of a proof."""
    nodes, pos = [], begin
    while pos < end:
        level = ((end - pos).bit_length() - 1)
        if pos:  # an aligned start bounds the subtree size too
            level = min(level, (pos & -pos).bit_length() - 1)
        nodes.append(NodeId(level, pos >> level))
        pos += 1 << level
    return nodes


def fold(hashes: Sequence[bytes]) -> bytes:
    """Combine a range's perfect subtrees (left to right): the right-most pair first (RFC 9162 MTH split)."""
    acc = hashes[-1]
    for left in reversed(hashes[:-1]):
        acc = hash_children(left, acc)
    return acc


def resolve(plan: Sequence[list[NodeId]], node_hash: NodeHash) -> list[bytes]:
    """Turn a plan (node ids per proof element) into the proof's hashes."""
    return [fold([node_hash(node) for node in element]) for element in plan]


def root_of(size: int, node_hash: NodeHash) -> bytes:
    """The root hash of the tree of the first `size` leaves."""
    if size == 0:
        return EMPTY_ROOT
    return fold([node_hash(node) for node in range_nodes(0, size)])


def inclusion_plan(index: int, size: int) -> list[list[NodeId]]:
    """RFC 9162 2.1.3.1 PATH(index, D[0:size]), leaf to root, as node ids per element."""
    if not 0 <= index < size:
        raise ProofError(f"leaf index {index} is outside a tree of size {size}")
    plan: list[list[NodeId]] = []
    begin, end = 0, size
    while end - begin > 1:
        k = _split(end - begin)
        if index < begin + k:
            plan.append(range_nodes(begin + k, end))
            end = begin + k
        else:
            plan.append(range_nodes(begin, begin + k))
            begin += k
    plan.reverse()
    return plan


def consistency_plan(old_size: int, new_size: int) -> list[list[NodeId]]:
    """RFC 9162 2.1.4.1 PROOF(old_size, D[0:new_size]) as node ids per element."""
    if not 0 <= old_size <= new_size:
        raise ProofError(f"no consistency proof from size {old_size} to {new_size}")
    if old_size in (0, new_size):
        return []
    plan: list[list[NodeId]] = []
    begin, end, m, complete = 0, new_size, old_size, True
    while m != end - begin:
        k = _split(end - begin)
        if m <= k:
            plan.append(range_nodes(begin + k, end))
            end = begin + k
        else:
            plan.append(range_nodes(begin, begin + k))
            begin, m, complete = begin + k, m - k, False
    if not complete:
        plan.append(range_nodes(begin, end))
    plan.reverse()
    return plan


def _check_hash(name: str, value: bytes) -> None:
    if len(value) != HASH_SIZE:
        raise ProofError(f"{name} must be {HASH_SIZE} bytes, got {len(value)}")


def root_from_inclusion_proof(index: int, size: int, leaf_hash: bytes,
                              proof: Sequence[bytes]) -> bytes:
    """RFC 9162 2.1.3.2: the root that `proof` leads to from `leaf_hash`."""
    if not 0 <= index < size:
        raise ProofError(f"leaf index {index} is outside a tree of size {size}")
    _check_hash("leaf hash", leaf_hash)
    for element in proof:
        _check_hash("proof element", element)
    fn, sn, acc = index, size - 1, leaf_hash
    for element in proof:
        if sn == 0:
            raise ProofError(f"inclusion proof too long ({len(proof)} elements)")
        if fn & 1 or fn == sn:
            acc = hash_children(element, acc)
            while not fn & 1 and fn:
                fn, sn = fn >> 1, sn >> 1
        else:
            acc = hash_children(acc, element)
        fn, sn = fn >> 1, sn >> 1
    if sn != 0:
        raise ProofError(f"inclusion proof too short ({len(proof)} elements)")
    return acc


def verify_inclusion(index: int, size: int, leaf_hash: bytes, proof: Sequence[bytes],
                     root: bytes) -> None:
    """Raise `ProofError` unless `proof` shows leaf `index` in the tree with `root`."""
    _check_hash("root", root)
    computed = root_from_inclusion_proof(index, size, leaf_hash, proof)
    if computed != root:
        raise ProofError("inclusion proof does not match the root", root, computed)


def verify_consistency(old_size: int, new_size: int, old_root: bytes, new_root: bytes,
                       proof: Sequence[bytes]) -> None:
    """RFC 9162 2.1.4.2: raise `ProofError` unless the tree of `old_size` with `old_root`
    is a prefix of the tree of `new_size` with `new_root`."""
    if not 0 <= old_size <= new_size:
        raise ProofError(f"no consistency from size {old_size} to {new_size}")
    for element in proof:
        _check_hash("proof element", element)
    if old_size == new_size or old_size == 0:
        if proof:
            raise ProofError("proof must be empty when the old size is 0 or the sizes are equal")
        if old_size == new_size and old_root != new_root:
            raise ProofError("equal sizes with different roots", old_root, new_root)
        return
    _check_hash("old root", old_root)
    _check_hash("new root", new_root)
    if not proof:
        raise ProofError("empty consistency proof")
    path = list(proof)
    if old_size & (old_size - 1) == 0:  # the old tree is a perfect subtree: its root starts it
        path.insert(0, old_root)
    fn, sn = old_size - 1, new_size - 1
    while fn & 1:
        fn, sn = fn >> 1, sn >> 1
    old_acc = new_acc = path[0]
    for element in path[1:]:
        if sn == 0:
            raise ProofError(f"consistency proof too long ({len(proof)} elements)")
        if fn & 1 or fn == sn:
            old_acc = hash_children(element, old_acc)
            new_acc = hash_children(element, new_acc)
            while not fn & 1 and fn:
                fn, sn = fn >> 1, sn >> 1
        else:
            new_acc = hash_children(new_acc, element)
        fn, sn = fn >> 1, sn >> 1
    if sn != 0:
        raise ProofError(f"consistency proof too short ({len(proof)} elements)")
    if old_acc != old_root:
        raise ProofError("consistency proof does not match the old root", old_root, old_acc)
    if new_acc != new_root:
        raise ProofError("consistency proof does not match the new root", new_root, new_acc)
