"""Ed25519 identities: RFC 8032 known answers through our wrapper, and every way to fail."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ledger_client.crypto import BadSignature, InvalidKey, SigningKey, VerifyKey

from .rfc8032 import Ed25519Vector, load_section_7_1

VECTORS = load_section_7_1(Path(__file__).parents[1] / "vectors" / "rfc8032" / "section-7.1-ed25519.txt")


def test_all_five_rfc8032_vectors_are_loaded() -> None:
    assert [v.name for v in VECTORS] == ["1", "2", "3", "1024", "SHA(abc)"]


@pytest.mark.parametrize("vector", VECTORS, ids=lambda v: f"TEST-{v.name}")
def test_rfc8032_known_answer(vector: Ed25519Vector) -> None:
    signing_key = SigningKey.from_bytes(vector.secret_key)
    assert signing_key.verify_key.to_bytes() == vector.public_key
    assert signing_key.sign(vector.message) == vector.signature  # Ed25519 is deterministic
    assert signing_key.to_bytes() == vector.secret_key
    VerifyKey.from_bytes(vector.public_key).verify(vector.signature, vector.message)


@pytest.mark.parametrize("vector", VECTORS, ids=lambda v: f"TEST-{v.name}")
def test_rfc8032_signature_with_any_byte_flipped_is_rejected(vector: Ed25519Vector) -> None:
    verify_key = VerifyKey.from_bytes(vector.public_key)
    for index in range(len(vector.signature)):
        bad = bytearray(vector.signature)
        bad[index] ^= 0x01
        with pytest.raises(BadSignature):
            verify_key.verify(bytes(bad), vector.message)


@pytest.mark.parametrize("vector", VECTORS[1:], ids=lambda v: f"TEST-{v.name}")
def test_rfc8032_signature_on_changed_message_is_rejected(vector: Ed25519Vector) -> None:
    message = bytearray(vector.message)
    message[-1] ^= 0x80
    with pytest.raises(BadSignature):
        VerifyKey.from_bytes(vector.public_key).verify(vector.signature, bytes(message))


def test_signature_under_another_key_is_rejected() -> None:
    signature = SigningKey.generate().sign(b"access event")
    with pytest.raises(BadSignature):
        SigningKey.generate().verify_key.verify(signature, b"access event")


@pytest.mark.parametrize("length", [0, 63, 65, 128])
def test_signature_of_wrong_length_is_bad_signature(length: int) -> None:
    key = SigningKey.generate()
    with pytest.raises(BadSignature, match="64 bytes"):
        key.verify_key.verify(b"\x00" * length, b"m")


@pytest.mark.parametrize("length", [0, 31, 33, 64])
def test_key_bytes_of_wrong_length_are_invalid(length: int) -> None:
    with pytest.raises(InvalidKey):
        VerifyKey.from_bytes(b"\x01" * length)
    with pytest.raises(InvalidKey):
        SigningKey.from_bytes(b"\x01" * length)


def test_key_round_trip_and_equality() -> None:
    key = SigningKey.generate()
    again = SigningKey.from_bytes(key.to_bytes())
    assert again.verify_key == key.verify_key
    assert VerifyKey.from_bytes(key.verify_key.to_bytes()) == key.verify_key
    assert len({key.verify_key, again.verify_key}) == 1
    assert key.verify_key != SigningKey.generate().verify_key


def test_repr_never_shows_the_seed() -> None:
    key = SigningKey.generate()
    assert key.to_bytes().hex() not in repr(key)
    assert key.verify_key.to_bytes().hex() in repr(key)


@settings(max_examples=50, deadline=None)
@given(message=st.binary(max_size=2048))
def test_sign_verify_round_trip_for_any_message(message: bytes) -> None:
    key = SigningKey.generate()
    key.verify_key.verify(key.sign(message), message)
    with pytest.raises(BadSignature):
        key.verify_key.verify(key.sign(message), message + b"\x00")
