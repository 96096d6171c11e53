"""Decode each format by hand from docs/crypto.md with `cryptography` alone.

This pins the documented byte layout (another implementation could follow the doc and
interoperate) and shows each binding separately: the header is the HPKE info of the sealed
data key *and* the AES-GCM associated data of the payload.
"""

from __future__ import annotations

import pytest
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hpke
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from ledger_client.crypto import RecipientKey, Suite, encrypt_record, seal_to_many

KEMS = {Suite.X25519: hpke.KEM.X25519, Suite.MLKEM768_X25519: hpke.KEM.MLKEM768_X25519}
PLAINTEXT = b"allergy: penicillin (high criticality)"


def _hpke(suite: Suite) -> hpke.Suite:
    return hpke.Suite(KEMS[suite], hpke.KDF.HKDF_SHA256, hpke.AEAD.AES_256_GCM)


def test_record_layout_and_both_bindings(key: RecipientKey, suite: Suite, patient: str) -> None:
    blob = encrypt_record(PLAINTEXT, patient=patient, record_id="ips-9", version=2, emergency_key=key.public_key())
    header_length = 4 + 1 + 1 + 1 + len("ips-9") + 4 + 20
    header = blob[:header_length]
    sealed_length = KEMS[suite].enc_length() + 32 + 16
    sealed_key = blob[header_length : header_length + sealed_length]
    nonce = blob[header_length + sealed_length : header_length + sealed_length + 12]
    ciphertext = blob[header_length + sealed_length + 12 :]

    data_key = _hpke(suite).decrypt(sealed_key, key._hpke, info=header)
    assert len(data_key) == 32
    assert AESGCM(data_key).decrypt(nonce, ciphertext, header) == PLAINTEXT

    other_version = header[:-24] + (3).to_bytes(4, "big") + header[-20:]
    with pytest.raises(InvalidTag):  # binding 1: the sealed key's HPKE info
        _hpke(suite).decrypt(sealed_key, key._hpke, info=other_version)
    with pytest.raises(InvalidTag):  # binding 2: the payload's associated data
        AESGCM(data_key).decrypt(nonce, ciphertext, other_version)


def test_multi_recipient_layout_and_binding(recipient_keys: dict[Suite, tuple[RecipientKey, RecipientKey]]) -> None:
    first, second = recipient_keys[Suite.X25519][0], recipient_keys[Suite.MLKEM768_X25519][0]
    info = b"band-blob"
    blob = seal_to_many(PLAINTEXT, [first.public_key(), second.public_key()], info=info)
    assert blob[:6] == b"ICEm\x01\x02"
    entry_1 = 8 + 1 + KEMS[Suite.X25519].enc_length() + 48
    entry_2 = 8 + 1 + KEMS[Suite.MLKEM768_X25519].enc_length() + 48
    second_entry = blob[6 + entry_1 : 6 + entry_1 + entry_2]
    assert second_entry[:8] == second.public_key().key_id()
    assert second_entry[8] == Suite.MLKEM768_X25519.wire_id
    content_key = _hpke(Suite.MLKEM768_X25519).decrypt(
        second_entry[9:], second._hpke, info=b"ICEband/v1/multi-wrap:" + info
    )
    end = 6 + entry_1 + entry_2
    nonce, ciphertext = blob[end : end + 12], blob[end + 12 :]
    assert AESGCM(content_key).decrypt(nonce, ciphertext, blob[:end] + info) == PLAINTEXT
    with pytest.raises(InvalidTag):
        AESGCM(content_key).decrypt(nonce, ciphertext, blob[:end] + b"other")
