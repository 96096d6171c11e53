"""Ed25519 identities (RFC 8032): patients, hospitals and responders sign with these."""

from __future__ import annotations

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from .errors import BadSignature, InvalidKey

__all__ = ["SigningKey", "VerifyKey", "SIGNATURE_LENGTH"]

_KEY_LEN = 32
SIGNATURE_LENGTH = 64


class VerifyKey:
    """An Ed25519 public key. `verify()` returns None or raises `BadSignature`."""

    __slots__ = ("_key", "_raw")

    def __init__(self, key: Ed25519PublicKey) -> None:
        self._key = key
        self._raw = key.public_bytes_raw()

    @classmethod
    def from_bytes(cls, data: bytes) -> "VerifyKey":
        if len(data) != _KEY_LEN:
            raise InvalidKey(f"Ed25519 public key must be {_KEY_LEN} bytes, got {len(data)}")
        try:
            return cls(Ed25519PublicKey.from_public_bytes(bytes(data)))
        except ValueError as exc:
            raise InvalidKey(f"not an Ed25519 public key: {exc}") from None

    def to_bytes(self) -> bytes:
        return self._raw

    def verify(self, signature: bytes, message: bytes) -> None:
        if len(signature) != SIGNATURE_LENGTH:
            raise BadSignature(f"signature must be {SIGNATURE_LENGTH} bytes, got {len(signature)}")
        try:
            self._key.verify(bytes(signature), bytes(message))
        except InvalidSignature:
            raise BadSignature("Ed25519 signature does not verify") from None

    def __eq__(self, other: object) -> bool:
        return isinstance(other, VerifyKey) and other._raw == self._raw

    def __hash__(self) -> int:
        return hash(self._raw)

    def __repr__(self) -> str:
        return f"VerifyKey({self._raw.hex()})"


class SigningKey:
    """An Ed25519 private key; `to_bytes()` is the 32-byte RFC 8032 seed."""

    __slots__ = ("_key", "verify_key")

    def __init__(self, key: Ed25519PrivateKey) -> None:
        self._key = key
        self.verify_key = VerifyKey(key.public_key())

    @classmethod
    def generate(cls) -> "SigningKey":
        return cls(Ed25519PrivateKey.generate())

    @classmethod
    def from_bytes(cls, seed: bytes) -> "SigningKey":
        if len(seed) != _KEY_LEN:
            raise InvalidKey(f"Ed25519 private key must be {_KEY_LEN} bytes, got {len(seed)}")
        return cls(Ed25519PrivateKey.from_private_bytes(bytes(seed)))

    def to_bytes(self) -> bytes:
        return self._key.private_bytes_raw()

    def sign(self, message: bytes) -> bytes:
        return self._key.sign(bytes(message))

    def __repr__(self) -> str:  # never print the seed
        return f"SigningKey(verify_key={self.verify_key.to_bytes().hex()})"
