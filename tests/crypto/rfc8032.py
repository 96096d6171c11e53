"""Loader for the RFC 8032 section 7.1 test-vector layout (tests/vectors/rfc8032/)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

__all__ = ["Ed25519Vector", "load_section_7_1"]

_FIELDS = ("ALGORITHM", "SECRET KEY", "PUBLIC KEY", "MESSAGE", "SIGNATURE")


@dataclass(frozen=True)
class Ed25519Vector:
    name: str
    secret_key: bytes
    public_key: bytes
    message: bytes
    signature: bytes


def load_section_7_1(path: Path) -> list[Ed25519Vector]:
    vectors = []
    for block in re.split(r"^\s*-----TEST ", path.read_text(), flags=re.M)[1:]:
        lines = [line.strip() for line in block.splitlines()]
        name, fields, current = lines[0], {}, None
        for line in lines[1:]:
            label = next((f for f in _FIELDS if line.startswith(f)), None)
            if label is not None and line.endswith(":"):
                current = label
                fields[current] = ""
                if label == "MESSAGE":
                    expected_length = int(re.search(r"length (\d+) byte", line).group(1))  # type: ignore[union-attr]
            elif current is not None:
                fields[current] += line
        assert fields["ALGORITHM"] == "Ed25519", name
        message = bytes.fromhex(fields["MESSAGE"])
        assert len(message) == expected_length, f"TEST {name}: message length"
        vectors.append(
            Ed25519Vector(
                name,
                bytes.fromhex(fields["SECRET KEY"]),
                bytes.fromhex(fields["PUBLIC KEY"]),
                message,
                bytes.fromhex(fields["SIGNATURE"]),
            )
        )
    return vectors
