"""HPKE recipient keys: suite-tagged encodings, lengths, key ids, bad input."""

from __future__ import annotations

import pytest

from ledger_client.crypto import InvalidKey, RecipientKey, RecipientPublicKey, Suite, UnsupportedSuite

# Published sizes: X25519 keys are 32 bytes (RFC 7748); ML-KEM-768 public keys are 1184
# bytes and its seed 64 bytes (FIPS 203).
PUBLIC_LENGTHS = {Suite.X25519: 1 + 32, Suite.MLKEM768_X25519: 1 + 1184 + 32}
PRIVATE_LENGTHS = {Suite.X25519: 1 + 32, Suite.MLKEM768_X25519: 1 + 64 + 32}


def test_wire_ids_are_stable() -> None:
    assert Suite.X25519.wire_id == 0x01
    assert Suite.MLKEM768_X25519.wire_id == 0x02
    assert Suite.from_wire(0x02) is Suite.MLKEM768_X25519


@pytest.mark.parametrize("wire_id", [0x00, 0x03, 0x7F, 0xFF])
def test_unknown_wire_id_is_unsupported(wire_id: int) -> None:
    with pytest.raises(UnsupportedSuite, match=f"0x{wire_id:02x}"):
        Suite.from_wire(wire_id)


def test_encodings_are_tagged_and_sized(key: RecipientKey, suite: Suite) -> None:
    public = key.public_key().to_bytes()
    private = key.to_bytes()
    assert public[0] == private[0] == suite.wire_id
    assert len(public) == PUBLIC_LENGTHS[suite]
    assert len(private) == PRIVATE_LENGTHS[suite]


def test_private_key_round_trip_keeps_the_public_key(key: RecipientKey) -> None:
    again = RecipientKey.from_bytes(key.to_bytes())
    assert again.suite is key.suite
    assert again.public_key() == key.public_key()
    assert again.to_bytes() == key.to_bytes()


def test_public_key_round_trip(key: RecipientKey) -> None:
    public = RecipientPublicKey.from_bytes(key.public_key().to_bytes())
    assert public == key.public_key()
    assert public.key_id() == key.public_key().key_id()


def test_hybrid_public_key_is_mlkem_then_x25519() -> None:
    key = RecipientKey.generate(Suite.MLKEM768_X25519)
    from cryptography.hazmat.primitives.asymmetric import mlkem, x25519

    raw_private = key.to_bytes()[1:]
    mlkem_public = mlkem.MLKEM768PrivateKey.from_seed_bytes(raw_private[:64]).public_key().public_bytes_raw()
    x_public = x25519.X25519PrivateKey.from_private_bytes(raw_private[64:]).public_key().public_bytes_raw()
    assert key.public_key().to_bytes() == bytes([0x02]) + mlkem_public + x_public


def test_key_ids_are_short_and_distinct(recipient_keys: dict[Suite, tuple[RecipientKey, RecipientKey]]) -> None:
    ids = {k.public_key().key_id() for pair in recipient_keys.values() for k in pair}
    assert len(ids) == 4
    assert all(len(i) == 8 for i in ids)


@pytest.mark.parametrize("cls", [RecipientKey, RecipientPublicKey])
def test_wrong_lengths_are_invalid_keys(cls: type[RecipientKey] | type[RecipientPublicKey], suite: Suite) -> None:
    good = PUBLIC_LENGTHS[suite] if cls is RecipientPublicKey else PRIVATE_LENGTHS[suite]
    for length in (1, good - 1, good + 1):
        with pytest.raises(InvalidKey, match=suite.name):
            cls.from_bytes(bytes([suite.wire_id]) + b"\x07" * (length - 1))
    with pytest.raises(InvalidKey, match="empty"):
        cls.from_bytes(b"")


@pytest.mark.parametrize("cls", [RecipientKey, RecipientPublicKey])
def test_unknown_suite_tag_is_unsupported(cls: type[RecipientKey] | type[RecipientPublicKey]) -> None:
    with pytest.raises(UnsupportedSuite):
        cls.from_bytes(b"\x09" + b"\x00" * 32)


def test_repr_never_shows_private_bytes(key: RecipientKey) -> None:
    assert key.to_bytes()[1:].hex()[:16] not in repr(key)
    assert key.public_key().key_id().hex() in repr(key)
