"""Patient ledger addresses: pseudonymous, derived from the patient's identity key.

address = "0x" + hex(SHA-256(b"ICEband/v1/patient-address" || Ed25519 public key)[:20])

20 bytes so that the EVM backend can use it as an address-sized key. It is not an
Ethereum account: nobody holds a secp256k1 key for it; the patient proves ownership by
signing with the Ed25519 key that hashes to it.
"""

from __future__ import annotations

import hashlib

from .errors import InvalidAddress
from .signing import VerifyKey

__all__ = ["patient_address", "address_bytes", "address_from_bytes", "ADDRESS_LENGTH"]

ADDRESS_LENGTH = 20
_ADDRESS_LABEL = b"ICEband/v1/patient-address"
_HEX_DIGITS = frozenset("0123456789abcdefABCDEF")


def patient_address(verify_key: VerifyKey) -> str:
    """The patient's ledger address: lowercase "0x" + 40 hex digits."""
    digest = hashlib.sha256(_ADDRESS_LABEL + verify_key.to_bytes()).digest()
    return address_from_bytes(digest[:ADDRESS_LENGTH])


def address_from_bytes(raw: bytes) -> str:
    if len(raw) != ADDRESS_LENGTH:
        raise InvalidAddress(f"an address is {ADDRESS_LENGTH} bytes, got {len(raw)}")
    return "0x" + bytes(raw).hex()


def address_bytes(addr: str) -> bytes:
    """The 20 bytes of an address string; raises `InvalidAddress` unless it is "0x" + 40 hex digits."""
    if not isinstance(addr, str):
        raise InvalidAddress(f"address must be a string, got {type(addr).__name__}")
    if len(addr) != 2 + 2 * ADDRESS_LENGTH or not addr.startswith("0x") or not set(addr[2:]) <= _HEX_DIGITS:
        raise InvalidAddress(f"not a patient address (want 0x + 40 hex digits): {addr[:60]!r}")
    return bytes.fromhex(addr[2:])
