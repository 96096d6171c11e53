"""HPKE recipient keys: the patient's emergency key and agency keys.

Serialised forms start with the suite's wire id, so a key says which suite it belongs to:
public  = suite id || X25519 public            (X25519)
        = suite id || ML-KEM-768 public || X25519 public   (hybrid)
private = suite id || X25519 private           (X25519)
        = suite id || ML-KEM-768 seed (64) || X25519 private   (hybrid)
"""

from __future__ import annotations

import hashlib
from typing import Union

from cryptography.hazmat.primitives import hpke
from cryptography.hazmat.primitives.asymmetric import mlkem, x25519

from .errors import InvalidKey
from .suites import Suite

__all__ = ["RecipientKey", "RecipientPublicKey", "KEY_ID_LENGTH"]

KEY_ID_LENGTH = 8
_KEY_ID_LABEL = b"ICEband/v1/key-id"
_X25519_LEN = 32

HpkePublic = Union[x25519.X25519PublicKey, hpke.MLKEM768X25519PublicKey]
HpkePrivate = Union[x25519.X25519PrivateKey, hpke.MLKEM768X25519PrivateKey]


def _split_tagged(data: bytes, *, private: bool) -> tuple[Suite, bytes]:
    what = "recipient private key" if private else "recipient public key"
    if len(data) < 1:
        raise InvalidKey(f"empty {what}")
    suite = Suite.from_wire(data[0])
    body = bytes(data[1:])
    expected = suite.private_key_length if private else suite.public_key_length
    if len(body) != expected:
        raise InvalidKey(f"{what} for suite {suite.name} must be {1 + expected} bytes, got {len(data)}")
    return suite, body


class RecipientPublicKey:
    """A suite-tagged HPKE public key that `seal()` encrypts to."""

    __slots__ = ("suite", "_raw", "_hpke")

    def __init__(self, suite: Suite, raw: bytes, hpke_key: HpkePublic) -> None:
        self.suite = suite
        self._raw = raw
        self._hpke = hpke_key

    @classmethod
    def from_bytes(cls, data: bytes) -> "RecipientPublicKey":
        suite, body = _split_tagged(data, private=False)
        try:
            if suite is Suite.X25519:
                key: HpkePublic = x25519.X25519PublicKey.from_public_bytes(body)
            else:
                key = hpke.MLKEM768X25519PublicKey(
                    mlkem.MLKEM768PublicKey.from_public_bytes(body[:-_X25519_LEN]),
                    x25519.X25519PublicKey.from_public_bytes(body[-_X25519_LEN:]),
                )
        except ValueError as exc:
            raise InvalidKey(f"not a {suite.name} public key: {exc}") from None
        return cls(suite, body, key)

    def to_bytes(self) -> bytes:
        return bytes([self.suite]) + self._raw

    def key_id(self) -> bytes:
        """Short id naming this key in multi-recipient blobs: SHA-256(label || to_bytes())[:8]."""
        return hashlib.sha256(_KEY_ID_LABEL + self.to_bytes()).digest()[:KEY_ID_LENGTH]

    def __eq__(self, other: object) -> bool:
        return isinstance(other, RecipientPublicKey) and other.to_bytes() == self.to_bytes()

    def __hash__(self) -> int:
        return hash(self.to_bytes())

    def __repr__(self) -> str:
        return f"RecipientPublicKey({self.suite.name}, key_id={self.key_id().hex()})"


class RecipientKey:
    """An HPKE private key; `open_sealed()` decrypts with it."""

    __slots__ = ("suite", "_raw", "_hpke", "_public")

    def __init__(self, suite: Suite, raw: bytes, hpke_key: HpkePrivate, public: RecipientPublicKey) -> None:
        self.suite = suite
        self._raw = raw
        self._hpke = hpke_key
        self._public = public

    @classmethod
    def generate(cls, suite: Suite = Suite.X25519) -> "RecipientKey":
        suite = Suite(suite)
        x_key = x25519.X25519PrivateKey.generate()
        if suite is Suite.X25519:
            return cls._from_parts(suite, None, x_key)
        return cls._from_parts(suite, mlkem.MLKEM768PrivateKey.generate(), x_key)

    @classmethod
    def from_bytes(cls, data: bytes) -> "RecipientKey":
        suite, body = _split_tagged(data, private=True)
        x_key = x25519.X25519PrivateKey.from_private_bytes(body[-_X25519_LEN:])
        if suite is Suite.X25519:
            return cls._from_parts(suite, None, x_key)
        try:
            m_key = mlkem.MLKEM768PrivateKey.from_seed_bytes(body[:-_X25519_LEN])
        except ValueError as exc:
            raise InvalidKey(f"not an ML-KEM-768 seed: {exc}") from None
        return cls._from_parts(suite, m_key, x_key)

    @classmethod
    def _from_parts(
        cls, suite: Suite, m_key: mlkem.MLKEM768PrivateKey | None, x_key: x25519.X25519PrivateKey
    ) -> "RecipientKey":
        x_raw = x_key.private_bytes_raw()
        x_pub = x_key.public_key()
        if m_key is None:
            public = RecipientPublicKey(suite, x_pub.public_bytes_raw(), x_pub)
            return cls(suite, x_raw, x_key, public)
        m_pub = m_key.public_key()
        public = RecipientPublicKey(
            suite,
            m_pub.public_bytes_raw() + x_pub.public_bytes_raw(),
            hpke.MLKEM768X25519PublicKey(m_pub, x_pub),
        )
        return cls(suite, m_key.private_bytes_raw() + x_raw, hpke.MLKEM768X25519PrivateKey(m_key, x_key), public)

    def public_key(self) -> RecipientPublicKey:
        return self._public

    def to_bytes(self) -> bytes:
        return bytes([self.suite]) + self._raw

    def __repr__(self) -> str:  # never print the private key
        return f"RecipientKey({self.suite.name}, key_id={self._public.key_id().hex()})"
