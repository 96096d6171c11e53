"""What the band carries, sealed: the emergency blob and the offline summary.

Both are sealed at provisioning with `ledger_client.crypto.seal_to_many` to the agencies'
HPKE keys, bound (HPKE `info`) to the band's device id, so a blob copied to another band does
not open there.

    emergency blob payload = "ICEb" | 0x01 | device secret (32) | EK private key (crypto encoding)
    offline summary payload = `ledger_client.fhir.encode_summary(view)` bytes
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

from ledger_client.crypto import RecipientKey, RecipientPublicKey, open_from_many, seal_to_many
from ledger_client.crypto.errors import CryptoError, MalformedBlob

__all__ = ["EmergencyPayload", "seal_emergency_blob", "open_emergency_blob", "seal_summary",
           "open_summary", "DEVICE_SECRET_LENGTH"]

_MAGIC = b"ICEb\x01"
DEVICE_SECRET_LENGTH = 32
_BLOB_INFO = b"ICEband/v1/emergency-blob:"
_SUMMARY_INFO = b"ICEband/v1/offline-summary:"


@dataclass(frozen=True)
class EmergencyPayload:
    device_secret: bytes
    emergency_key: RecipientKey

    def __repr__(self) -> str:  # never print secrets
        return "EmergencyPayload(<secret>)"


def seal_emergency_blob(payload: EmergencyPayload, agencies: Sequence[RecipientPublicKey],
                        device_id: bytes) -> bytes:
    if len(payload.device_secret) != DEVICE_SECRET_LENGTH:
        raise ValueError(f"the device secret is {DEVICE_SECRET_LENGTH} bytes")
    plain = _MAGIC + payload.device_secret + payload.emergency_key.to_bytes()
    return seal_to_many(plain, agencies, info=_BLOB_INFO + device_id)


def open_emergency_blob(blob: bytes, agency_key: RecipientKey, device_id: bytes) -> EmergencyPayload:
    """Raises `ledger_client.crypto.CryptoError` (DecryptError, MalformedBlob) on any failure."""
    plain = open_from_many(blob, agency_key, info=_BLOB_INFO + device_id)
    if not plain.startswith(_MAGIC) or len(plain) <= len(_MAGIC) + DEVICE_SECRET_LENGTH:
        raise MalformedBlob("the emergency blob's payload is not an ICEband v1 payload")
    secret = plain[len(_MAGIC):len(_MAGIC) + DEVICE_SECRET_LENGTH]
    try:
        key = RecipientKey.from_bytes(plain[len(_MAGIC) + DEVICE_SECRET_LENGTH:])
    except (CryptoError, ValueError) as exc:
        raise MalformedBlob(f"the emergency key in the blob does not parse: {exc}") from None
    return EmergencyPayload(secret, key)


def seal_summary(encoded_summary: bytes, agencies: Sequence[RecipientPublicKey],
                 device_id: bytes) -> bytes:
    return seal_to_many(encoded_summary, agencies, info=_SUMMARY_INFO + device_id)


def open_summary(sealed: bytes, agency_key: RecipientKey, device_id: bytes) -> bytes:
    return open_from_many(sealed, agency_key, info=_SUMMARY_INFO + device_id)
