"""HMAC-SHA256 (RFC 2104) on hashlib.sha256: the ESP32 port has no hmac module."""

import hashlib

__all__ = ["hmac_sha256", "BLOCK"]

BLOCK = 64


def hmac_sha256(key: bytes, *parts: bytes) -> bytes:
    """HMAC-SHA256 of the concatenation of `parts` under `key` (any length)."""
    if len(key) > BLOCK:
        key = hashlib.sha256(key).digest()
    padded = bytearray(BLOCK)
    padded[: len(key)] = key
    inner_pad = bytearray(BLOCK)
    outer_pad = bytearray(BLOCK)
    for i in range(BLOCK):
        inner_pad[i] = padded[i] ^ 0x36
        outer_pad[i] = padded[i] ^ 0x5C
    inner = hashlib.sha256(inner_pad)
    for part in parts:
        inner.update(part)
    outer = hashlib.sha256(outer_pad)
    outer.update(inner.digest())
    return outer.digest()
