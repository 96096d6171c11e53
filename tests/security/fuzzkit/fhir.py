"""FHIR input: load_ips on mutated HL7 IPS bundles (JSON edits and byte edits), the summary codec."""

from __future__ import annotations

import copy
import json
import random
from pathlib import Path
from typing import Any

from ledger_client.fhir import (
    FhirError, decode_summary, emergency_view, encode_summary, load_ips)

from . import Outcome, SimpleHarness

__all__ = ["document_harness", "summary_harness", "json_edit"]

VECTORS = Path(__file__).resolve().parents[2] / "vectors" / "hl7-ips"
_ODD_VALUES: tuple[Any, ...] = (None, 0, -1, 2**70, 1e308, "", "x" * 300, [], {}, True, "2024-13-45",
                                "\u202e\u0000", {"resourceType": "Patient"}, [[[[[]]]]],
                                {"resourceType": "Nope"}, "urn:uuid:missing")


def _paths(node: Any, path: tuple = ()) -> list[tuple]:
    out = [path]
    if isinstance(node, dict):
        for key, value in node.items():
            out += _paths(value, path + (key,))
    elif isinstance(node, list):
        for i, value in enumerate(node):
            out += _paths(value, path + (i,))
    return out


def _get(node: Any, path: tuple) -> Any:
    for step in path:
        node = node[step]
    return node


def json_edit(doc: Any, rng: random.Random, edits: int) -> Any:
    """Structure-aware edits: delete a member, put an odd value, duplicate or swap subtrees."""
    doc = copy.deepcopy(doc)
    for _ in range(edits):
        paths = [p for p in _paths(doc) if p]
        if not paths:
            break
        path = rng.choice(paths)
        parent, key = _get(doc, path[:-1]), path[-1]
        op = rng.randrange(4)
        if op == 0:
            del parent[key]
        elif op == 1:
            parent[key] = copy.deepcopy(rng.choice(_ODD_VALUES))
        elif op == 2 and isinstance(parent, list):
            parent.insert(key, copy.deepcopy(parent[key]))
        else:
            parent[key] = copy.deepcopy(_get(doc, rng.choice(paths)))
    return doc


def document_harness() -> SimpleHarness:
    files = sorted(VECTORS.glob("*.json")) + sorted(VECTORS.glob("*.xml"))
    seeds = [f.read_bytes() for f in files]
    docs = [json.loads(f.read_text()) for f in files if f.suffix == ".json"]

    def check(data: bytes) -> Outcome:
        try:
            view = emergency_view(load_ips(data))
        except FhirError:
            return "rejected"
        try:
            encoded = encode_summary(view)
        except FhirError:  # too large for the band: a clear error, and nothing else
            return "accepted"
        assert decode_summary(encoded) == view, "the summary does not round-trip"
        return "accepted"

    def generate(rng: random.Random) -> bytes:
        edited = json_edit(rng.choice(docs), rng, 1 + rng.randrange(3))
        return json.dumps(edited).encode()
    return SimpleHarness(seeds, check, generate=generate)


def summary_harness() -> SimpleHarness:
    files = sorted(VECTORS.glob("*.json")) + sorted(VECTORS.glob("*.xml"))
    seeds = [encode_summary(emergency_view(load_ips(f.read_bytes()))) for f in files]

    def check(data: bytes) -> Outcome:
        try:
            view = decode_summary(data)
        except FhirError:
            return "rejected"
        assert decode_summary(encode_summary(view)) == view, "a decoded summary does not re-encode"
        return "accepted"
    return SimpleHarness(seeds, check)
