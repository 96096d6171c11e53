"""Byte mutations shared by the hypothesis tests and benchmarks/fuzz.py.

A mutation is a list of small edits (bit flip, interesting value, insert, delete, duplicate,
truncate, splice) applied to a seed that the real code produced, so most inputs get past the
first length check and reach the deeper parser branches. The same `Random` seed gives the same
input on every machine, which keeps both the CI run and a reported failure reproducible.
"""

from __future__ import annotations

import random
from typing import Sequence

__all__ = ["INTERESTING", "mutate", "mutated_input"]

INTERESTING = (0x00, 0x01, 0x02, 0x7F, 0x80, 0x81, 0x82, 0xFE, 0xFF)
_WIDE = (0, 1, 0x7F, 0x80, 0xFF, 0x100, 0x7FFF, 0x8000, 0xFFFF, 0x7FFFFFFF, 0xFFFFFFFF)


def _one(data: bytearray, rng: random.Random, others: Sequence[bytes]) -> None:
    op = rng.randrange(9)
    pos = rng.randrange(len(data) + 1)
    if op == 0 and data:                                   # flip one bit
        i = min(pos, len(data) - 1)
        data[i] ^= 1 << rng.randrange(8)
    elif op == 1 and data:                                 # an edge value in one byte
        data[min(pos, len(data) - 1)] = rng.choice(INTERESTING)
    elif op == 2:                                          # insert random bytes
        data[pos:pos] = bytes(rng.randrange(256) for _ in range(rng.randrange(1, 9)))
    elif op == 3 and data:                                 # delete a run
        del data[pos:pos + rng.randrange(1, 17)]
    elif op == 4 and data:                                 # duplicate a run (repeated fields)
        start = rng.randrange(len(data))
        data[pos:pos] = data[start:start + rng.randrange(1, 33)]
    elif op == 5:                                          # truncate
        del data[pos:]
    elif op == 6 and others:                               # splice another seed's tail
        other = rng.choice(others)
        cut = rng.randrange(len(other) + 1)
        data[pos:] = other[cut:]
    elif op == 7 and len(data) >= 2:                       # an edge value in a length field
        width = rng.choice((2, 4)) if len(data) >= 4 else 2
        i = min(pos, len(data) - width)
        data[i:i + width] = (rng.choice(_WIDE) & ((1 << (8 * width)) - 1)).to_bytes(width, "big")
    else:                                                  # random byte
        if data:
            data[min(pos, len(data) - 1)] = rng.randrange(256)
        else:
            data.append(rng.randrange(256))


def mutate(seed: bytes, rng: random.Random, edits: int, others: Sequence[bytes] = ()) -> bytes:
    data = bytearray(seed)
    for _ in range(edits):
        _one(data, rng, others)
    return bytes(data)


def mutated_input(seeds: Sequence[bytes], rng: random.Random, max_size: int) -> bytes:
    """One input: mostly a mutated seed, sometimes pure noise (1 in 8)."""
    if not seeds or rng.randrange(8) == 0:
        return bytes(rng.randrange(256) for _ in range(rng.randrange(max_size + 1)))
    edits = 1 + min(rng.randrange(8), rng.randrange(8))  # mostly few edits
    return mutate(rng.choice(seeds), rng, edits, seeds)[:max_size]
