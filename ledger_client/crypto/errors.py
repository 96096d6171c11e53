"""Errors of the crypto layer: one base class, one subclass per way things fail.

Every error here fails closed: no partial plaintext, no half-written file.
"""

from __future__ import annotations

__all__ = [
    "CryptoError",
    "DecryptError",
    "BadSignature",
    "WrongPassphrase",
    "KeyFileError",
    "MalformedBlob",
    "UnsupportedSuite",
    "InvalidKey",
    "InvalidAddress",
]


class CryptoError(Exception):
    """Base of every error raised by `ledger_client.crypto`."""


class DecryptError(CryptoError):
    """A ciphertext did not open: tampered, wrong key, or bound to other data."""


class BadSignature(CryptoError):
    """An Ed25519 signature did not verify."""


class WrongPassphrase(CryptoError):
    """A key file's passphrase was wrong."""


class KeyFileError(CryptoError):
    """A key file is corrupt, unsafe (permissions), or cannot be read or written."""


class MalformedBlob(CryptoError):
    """Bytes that do not parse as the expected format (truncated, bad magic, bad field)."""


class UnsupportedSuite(CryptoError):
    """A suite id that this version does not know."""


class InvalidKey(CryptoError, ValueError):
    """Key bytes of the wrong length or shape."""


class InvalidAddress(CryptoError, ValueError):
    """A patient address that is not "0x" followed by 40 hex digits."""
