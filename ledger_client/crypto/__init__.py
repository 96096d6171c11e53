"""ICEband's crypto core: identities, HPKE sealing, record encryption, key files.

Everything here is built on `cryptography` (no hand-written ciphers); formats are
described byte by byte in docs/crypto.md.
"""

from __future__ import annotations

from .address import ADDRESS_LENGTH, address_bytes, address_from_bytes, patient_address
from .errors import (
    BadSignature,
    CryptoError,
    DecryptError,
    InvalidAddress,
    InvalidKey,
    KeyFileError,
    MalformedBlob,
    UnsupportedSuite,
    WrongPassphrase,
)
from .keyfile import SCRYPT_DEFAULT, SCRYPT_FLOOR, KeyFile, load_key_file, save_key_file
from .multi import open_from_many, seal_to_many
from .recipients import RecipientKey, RecipientPublicKey
from .records import RecordHeader, decrypt_record, encrypt_record, read_record_header
from .seal import open_sealed, seal
from .signing import SigningKey, VerifyKey
from .suites import Suite

__all__ = [
    "Suite",
    "SigningKey",
    "VerifyKey",
    "RecipientKey",
    "RecipientPublicKey",
    "seal",
    "open_sealed",
    "seal_to_many",
    "open_from_many",
    "encrypt_record",
    "decrypt_record",
    "read_record_header",
    "RecordHeader",
    "save_key_file",
    "load_key_file",
    "KeyFile",
    "SCRYPT_DEFAULT",
    "SCRYPT_FLOOR",
    "patient_address",
    "address_bytes",
    "address_from_bytes",
    "ADDRESS_LENGTH",
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
