"""Single-shot HPKE sealing (RFC 9180 base mode) to one recipient.

Wire format: suite id (1) || HPKE enc || AES-256-GCM ciphertext and tag.
The suite byte is also bound by HPKE itself (its key schedule mixes in the KEM, KDF and
AEAD ids), so changing it can never open under another suite.
"""

from __future__ import annotations

from cryptography.exceptions import InvalidTag

from .errors import DecryptError, MalformedBlob
from .recipients import RecipientKey, RecipientPublicKey
from .suites import AEAD_TAG_LEN, Suite

__all__ = ["seal", "open_sealed"]


def seal(plaintext: bytes, recipient: RecipientPublicKey, *, info: bytes) -> bytes:
    """Encrypt `plaintext` so that only `recipient`'s private key opens it; `info` binds context."""
    body = recipient.suite.hpke.encrypt(bytes(plaintext), recipient._hpke, info=bytes(info))
    return bytes([recipient.suite]) + body


def open_sealed(blob: bytes, key: RecipientKey, *, info: bytes) -> bytes:
    """Decrypt a `seal()` blob; raises `DecryptError` if tampered, wrong key or wrong `info`."""
    blob = bytes(blob)
    if not blob:
        raise MalformedBlob("sealed blob is empty")
    suite = Suite.from_wire(blob[0])
    if len(blob) < 1 + suite.enc_length + AEAD_TAG_LEN:
        raise MalformedBlob(
            f"sealed blob too short for suite {suite.name}: {len(blob)} bytes, "
            f"need at least {1 + suite.enc_length + AEAD_TAG_LEN}"
        )
    if suite is not key.suite:
        raise DecryptError(f"blob is sealed with suite {suite.name}, key is {key.suite.name}")
    try:
        return suite.hpke.decrypt(blob[1:], key._hpke, info=bytes(info))
    except (InvalidTag, ValueError):
        # ValueError: an encapsulated key that is not a valid point (tampered enc)
        raise DecryptError("sealed blob does not open with this key and info (tampered or wrong key)") from None
