"""One payload readable by any of several recipients (the band's blob, sealed to agencies).

A fresh 256-bit content key encrypts the payload with AES-256-GCM; the content key is
sealed (HPKE) to each recipient. Format (all lengths fixed by the suites, no length fields):

    magic "ICEm" (4) | format 0x01 (1) | count n (1, 1..16)
    n x [ key id (8) | seal() of the content key: suite (1) | enc | 32 + 16 ]
    nonce (12) | payload ciphertext and tag

The payload's associated data is every byte before the nonce followed by `info`, so the
recipient list cannot be edited without the payload failing to open. Any recipient can
read the content key and so could re-encrypt for the others: authenticity of the payload
comes from elsewhere (the band's HMAC, the ledger), not from this format.
"""

from __future__ import annotations

import os
from typing import Sequence

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from ._reader import Reader
from .errors import DecryptError, MalformedBlob
from .recipients import KEY_ID_LENGTH, RecipientKey, RecipientPublicKey
from .seal import open_sealed, seal
from .suites import Suite

__all__ = ["seal_to_many", "open_from_many", "MAX_RECIPIENTS"]

MAGIC = b"ICEm"
FORMAT_VERSION = 1
MAX_RECIPIENTS = 16
_CONTENT_KEY_LEN = 32
_NONCE_LEN = 12
_WRAP_LABEL = b"ICEband/v1/multi-wrap:"


def seal_to_many(plaintext: bytes, recipients: Sequence[RecipientPublicKey], *, info: bytes) -> bytes:
    """Encrypt once for every recipient in `recipients` (1..16, no duplicates)."""
    if not 1 <= len(recipients) <= MAX_RECIPIENTS:
        raise ValueError(f"need 1..{MAX_RECIPIENTS} recipients, got {len(recipients)}")
    key_ids = [r.key_id() for r in recipients]
    if len(set(key_ids)) != len(key_ids):
        raise ValueError("the same recipient appears twice")
    content_key = AESGCM.generate_key(bit_length=256)
    header = bytearray(MAGIC + bytes([FORMAT_VERSION, len(recipients)]))
    for key_id, recipient in zip(key_ids, recipients):
        header += key_id + seal(content_key, recipient, info=_WRAP_LABEL + bytes(info))
    nonce = os.urandom(_NONCE_LEN)
    ciphertext = AESGCM(content_key).encrypt(nonce, bytes(plaintext), bytes(header) + bytes(info))
    return bytes(header) + nonce + ciphertext


def open_from_many(blob: bytes, key: RecipientKey, *, info: bytes) -> bytes:
    """Decrypt a `seal_to_many()` blob with one recipient's key; `DecryptError` if not for it."""
    reader = Reader(blob, "multi-recipient blob")
    if reader.take(len(MAGIC), "magic") != MAGIC:
        raise MalformedBlob("not a multi-recipient blob (bad magic)")
    version = reader.byte("format version")
    if version != FORMAT_VERSION:
        raise MalformedBlob(f"unsupported multi-recipient format version {version}")
    count = reader.byte("recipient count")
    if not 1 <= count <= MAX_RECIPIENTS:
        raise MalformedBlob(f"recipient count {count} outside 1..{MAX_RECIPIENTS}")
    wraps: list[tuple[bytes, bytes]] = []
    for index in range(count):
        key_id = reader.take(KEY_ID_LENGTH, f"key id of recipient {index}")
        suite_byte = reader.take(1, f"suite of recipient {index}")
        suite = Suite.from_wire(suite_byte[0])
        rest = reader.take(suite.sealed_length(_CONTENT_KEY_LEN) - 1, f"sealed key of recipient {index}")
        wraps.append((key_id, suite_byte + rest))
    associated = reader.prefix() + bytes(info)
    nonce = reader.take(_NONCE_LEN, "nonce")
    ciphertext = reader.rest()
    if len(ciphertext) < 16:
        raise MalformedBlob("multi-recipient blob truncated in payload tag")

    my_id = key.public_key().key_id()
    candidates = [wrapped for key_id, wrapped in wraps if key_id == my_id]
    if not candidates:
        raise DecryptError(f"blob is not sealed to this key (key id {my_id.hex()})")
    for wrapped in candidates:  # more than one only on a key-id collision
        try:
            content_key = open_sealed(wrapped, key, info=_WRAP_LABEL + bytes(info))
        except DecryptError:
            continue
        try:
            return AESGCM(content_key).decrypt(nonce, ciphertext, associated)
        except InvalidTag:
            raise DecryptError("multi-recipient payload does not open (tampered)") from None
    raise DecryptError("sealed content key does not open with this key and info (tampered or wrong key)")
