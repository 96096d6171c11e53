"""HPKE suites (RFC 9180) that ICEband seals to, each with a one-byte wire id."""

from __future__ import annotations

import enum
from typing import Any

from cryptography.hazmat.primitives import hpke

from .errors import UnsupportedSuite

__all__ = ["Suite"]

_X25519_LEN = 32
_MLKEM768_PUBLIC_LEN = 1184
_MLKEM768_SEED_LEN = 64  # ML-KEM private keys are stored as their 64-byte seed (FIPS 203 d || z)
AEAD_TAG_LEN = 16


class Suite(enum.IntEnum):
    """A recipient key's HPKE suite; the value is the byte written on the wire."""

    #: DHKEM(X25519, HKDF-SHA256), HKDF-SHA256, AES-256-GCM
    X25519 = 0x01
    #: ML-KEM-768 + X25519 hybrid KEM (X-Wing style), HKDF-SHA256, AES-256-GCM
    MLKEM768_X25519 = 0x02

    @classmethod
    def from_wire(cls, wire_id: int) -> "Suite":
        try:
            return cls(wire_id)
        except ValueError:
            raise UnsupportedSuite(f"unknown suite id 0x{wire_id:02x}") from None

    @property
    def wire_id(self) -> int:
        return int(self.value)

    @property
    def hpke(self) -> hpke.Suite:
        return hpke.Suite(self._kem, hpke.KDF.HKDF_SHA256, hpke.AEAD.AES_256_GCM)

    @property
    def _kem(self) -> Any:  # hpke.KEM (a runtime alias mypy cannot name)
        return hpke.KEM.X25519 if self is Suite.X25519 else hpke.KEM.MLKEM768_X25519

    @property
    def enc_length(self) -> int:
        """Length of the HPKE encapsulated key that starts every sealed message."""
        return int(self._kem.enc_length())

    @property
    def public_key_length(self) -> int:
        """Raw public key length (hybrid: ML-KEM-768 public || X25519 public)."""
        if self is Suite.X25519:
            return _X25519_LEN
        return _MLKEM768_PUBLIC_LEN + _X25519_LEN

    @property
    def private_key_length(self) -> int:
        """Raw private key length (hybrid: ML-KEM-768 seed || X25519 private)."""
        if self is Suite.X25519:
            return _X25519_LEN
        return _MLKEM768_SEED_LEN + _X25519_LEN

    def sealed_length(self, plaintext_length: int) -> int:
        """Length of `seal()` output for a plaintext of this length (suite byte included)."""
        return 1 + self.enc_length + plaintext_length + AEAD_TAG_LEN
