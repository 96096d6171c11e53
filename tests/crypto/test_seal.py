"""seal / open_sealed: round trips in both suites and every tamper case, which must fail closed."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ledger_client.crypto import (
    DecryptError,
    MalformedBlob,
    RecipientKey,
    Suite,
    UnsupportedSuite,
    open_sealed,
    seal,
)

from .conftest import flip

INFO = b"ICEband/test/band-blob"
SECRET = bytes(range(48))


def test_round_trip(key: RecipientKey, suite: Suite) -> None:
    blob = seal(SECRET, key.public_key(), info=INFO)
    assert blob[0] == suite.wire_id
    assert len(blob) == suite.sealed_length(len(SECRET))
    assert open_sealed(blob, key, info=INFO) == SECRET


def test_sealing_is_randomised(key: RecipientKey) -> None:
    assert seal(SECRET, key.public_key(), info=INFO) != seal(SECRET, key.public_key(), info=INFO)


def test_key_restored_from_bytes_opens(key: RecipientKey) -> None:
    blob = seal(SECRET, key.public_key(), info=INFO)
    assert open_sealed(blob, RecipientKey.from_bytes(key.to_bytes()), info=INFO) == SECRET


def test_wrong_recipient_fails(key: RecipientKey, other_key: RecipientKey) -> None:
    blob = seal(SECRET, key.public_key(), info=INFO)
    with pytest.raises(DecryptError):
        open_sealed(blob, other_key, info=INFO)


def test_wrong_info_fails(key: RecipientKey) -> None:
    blob = seal(SECRET, key.public_key(), info=INFO)
    with pytest.raises(DecryptError):
        open_sealed(blob, key, info=INFO + b"x")
    with pytest.raises(DecryptError):
        open_sealed(blob, key, info=b"")


def test_key_of_the_other_suite_fails(recipient_keys: dict[Suite, tuple[RecipientKey, RecipientKey]]) -> None:
    blob = seal(SECRET, recipient_keys[Suite.X25519][0].public_key(), info=INFO)
    with pytest.raises(DecryptError, match="suite"):
        open_sealed(blob, recipient_keys[Suite.MLKEM768_X25519][0], info=INFO)


def test_flipping_any_byte_fails_closed(key: RecipientKey, suite: Suite) -> None:
    blob = seal(SECRET, key.public_key(), info=INFO)
    # every byte of every field: suite | HPKE enc | ciphertext | tag
    for index in range(len(blob)):
        for mask in (0x01, 0x80):
            tampered = flip(blob, index, mask)
            expected = UnsupportedSuite if index == 0 else DecryptError  # 0x01/0x02 -> unknown ids
            with pytest.raises(expected):
                open_sealed(tampered, key, info=INFO)


def test_suite_byte_changed_to_the_other_known_suite_fails(key: RecipientKey, suite: Suite) -> None:
    blob = seal(SECRET, key.public_key(), info=INFO)
    other = Suite.MLKEM768_X25519 if suite is Suite.X25519 else Suite.X25519
    with pytest.raises((DecryptError, MalformedBlob)):
        open_sealed(bytes([other]) + blob[1:], key, info=INFO)


def test_truncated_blobs_fail(key: RecipientKey, suite: Suite) -> None:
    blob = seal(SECRET, key.public_key(), info=INFO)
    with pytest.raises(MalformedBlob, match="empty"):
        open_sealed(b"", key, info=INFO)
    for length in (1, suite.enc_length, 1 + suite.enc_length + 15):
        with pytest.raises(MalformedBlob, match="too short"):
            open_sealed(blob[:length], key, info=INFO)
    for length in (1 + suite.enc_length + 16, len(blob) - 1):
        with pytest.raises(DecryptError):
            open_sealed(blob[:length], key, info=INFO)
    with pytest.raises(DecryptError):
        open_sealed(blob + b"\x00", key, info=INFO)


@settings(max_examples=40, deadline=None)
@given(plaintext=st.binary(max_size=4096), info=st.binary(max_size=64))
def test_round_trip_property(plaintext: bytes, info: bytes) -> None:
    key = RecipientKey.generate(Suite.X25519)
    blob = seal(plaintext, key.public_key(), info=info)
    assert open_sealed(blob, key, info=info) == plaintext
    with pytest.raises(DecryptError):
        open_sealed(blob, key, info=info + b"\x00")
