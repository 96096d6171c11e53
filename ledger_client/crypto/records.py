"""Encrypted emergency records: one fresh AES-256-GCM data key per record version.

    header  = magic "ICEr" (4) | format 0x01 (1) | suite (1) | id length (1) | record id (UTF-8)
              | version (4, big-endian) | patient address (20)
    blob    = header | sealed data key: HPKE enc | 32 + 16 | nonce (12) | ciphertext and tag

The data key is sealed to the patient's emergency key with the header as HPKE `info`, and
the header is the AES-GCM associated data: a blob moved to another patient, record id or
version, or with any header byte changed, does not open.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from ._reader import Reader
from .address import ADDRESS_LENGTH, address_bytes, address_from_bytes
from .errors import DecryptError, MalformedBlob
from .recipients import RecipientKey, RecipientPublicKey
from .suites import AEAD_TAG_LEN, Suite

__all__ = ["RecordHeader", "encrypt_record", "decrypt_record", "read_record_header", "MAX_VERSION"]

MAGIC = b"ICEr"
FORMAT_VERSION = 1
MAX_VERSION = 2**32 - 1
_MAX_ID_BYTES = 255
_DATA_KEY_LEN = 32
_NONCE_LEN = 12


def _check_record_id(record_id: str) -> bytes:
    if not isinstance(record_id, str) or not record_id:
        raise ValueError("record id must be a non-empty string")
    if not record_id.isprintable():
        raise ValueError(f"record id has control characters: {record_id!r}")
    encoded = record_id.encode("utf-8")
    if len(encoded) > _MAX_ID_BYTES:
        raise ValueError(f"record id is {len(encoded)} bytes in UTF-8, at most {_MAX_ID_BYTES}")
    return encoded


def _check_version(version: int) -> int:
    if isinstance(version, bool) or not isinstance(version, int) or not 0 <= version <= MAX_VERSION:
        raise ValueError(f"record version must be an integer in 0..{MAX_VERSION}, got {version!r}")
    return version


@dataclass(frozen=True)
class RecordHeader:
    """The clear, authenticated header of an encrypted record."""

    suite: Suite
    record_id: str
    version: int
    patient: str
    format_version: int = FORMAT_VERSION

    def to_bytes(self) -> bytes:
        record_id = _check_record_id(self.record_id)
        return (
            MAGIC
            + bytes([self.format_version, self.suite, len(record_id)])
            + record_id
            + _check_version(self.version).to_bytes(4, "big")
            + address_bytes(self.patient)
        )


def _parse(blob: bytes) -> tuple[RecordHeader, bytes, bytes, bytes, bytes]:
    """Split a record blob into (header, header bytes, sealed key, nonce, ciphertext)."""
    reader = Reader(blob, "record")
    if reader.take(len(MAGIC), "magic") != MAGIC:
        raise MalformedBlob("not an ICEband record (bad magic)")
    format_version = reader.byte("format version")
    if format_version != FORMAT_VERSION:
        raise MalformedBlob(f"unsupported record format version {format_version}")
    suite = Suite.from_wire(reader.byte("suite"))
    id_length = reader.byte("record id length")
    if id_length == 0:
        raise MalformedBlob("record id is empty")
    try:
        record_id = reader.take(id_length, "record id").decode("utf-8")
    except UnicodeDecodeError:
        raise MalformedBlob("record id is not UTF-8") from None
    if not record_id.isprintable():
        raise MalformedBlob("record id has control characters")
    version = reader.uint(4, "version")
    patient = address_from_bytes(reader.take(ADDRESS_LENGTH, "patient address"))
    header_bytes = reader.prefix()
    sealed_key = reader.take(suite.enc_length + _DATA_KEY_LEN + AEAD_TAG_LEN, "sealed data key")
    nonce = reader.take(_NONCE_LEN, "nonce")
    ciphertext = reader.rest()
    if len(ciphertext) < AEAD_TAG_LEN:
        raise MalformedBlob("record truncated in ciphertext tag")
    header = RecordHeader(suite, record_id, version, patient, format_version)
    return header, header_bytes, sealed_key, nonce, ciphertext


def read_record_header(blob: bytes) -> RecordHeader:
    """Parse a record's header without decrypting; `MalformedBlob` on anything but a whole record."""
    return _parse(blob)[0]


def encrypt_record(
    plaintext: bytes,
    *,
    patient: str,
    record_id: str,
    version: int,
    emergency_key: RecipientPublicKey,
) -> bytes:
    """Encrypt one version of a record for the patient whose emergency key is given."""
    header = RecordHeader(emergency_key.suite, record_id, version, patient).to_bytes()
    data_key = AESGCM.generate_key(bit_length=256)
    sealed_key = emergency_key.suite.hpke.encrypt(data_key, emergency_key._hpke, info=header)
    nonce = os.urandom(_NONCE_LEN)  # one message per fresh key: a random nonce cannot repeat
    return header + sealed_key + nonce + AESGCM(data_key).encrypt(nonce, bytes(plaintext), header)


def decrypt_record(
    blob: bytes,
    *,
    emergency_key: RecipientKey,
    patient: str,
    record_id: str,
    version: int,
) -> bytes:
    """Decrypt a record, checking it is the expected patient's record id and version."""
    patient_raw = address_bytes(patient)
    _check_record_id(record_id)
    _check_version(version)
    header, header_bytes, sealed_key, nonce, ciphertext = _parse(blob)
    if address_bytes(header.patient) != patient_raw:
        raise DecryptError(f"record belongs to patient {header.patient}, expected {patient.lower()}")
    if header.record_id != record_id or header.version != version:
        raise DecryptError(
            f"record is {header.record_id!r} version {header.version}, expected {record_id!r} version {version}"
        )
    if header.suite is not emergency_key.suite:
        raise DecryptError(f"record is sealed with suite {header.suite.name}, key is {emergency_key.suite.name}")
    try:
        data_key = header.suite.hpke.decrypt(sealed_key, emergency_key._hpke, info=header_bytes)
        return AESGCM(data_key).decrypt(nonce, ciphertext, header_bytes)
    except (InvalidTag, ValueError):
        raise DecryptError("record does not open with this emergency key (tampered or wrong key)") from None
