"""seal_to_many / open_from_many: one payload, several agencies, nobody else."""

from __future__ import annotations

import pytest

from ledger_client.crypto import (
    DecryptError,
    MalformedBlob,
    RecipientKey,
    Suite,
    UnsupportedSuite,
    open_from_many,
    seal_to_many,
)

from .conftest import flip

INFO = b"ICEband/test/band-blob"
PAYLOAD = b"emergency key and device secret" * 3
KEY_ID, NONCE, TAG = 8, 12, 16


@pytest.fixture(scope="module")
def agencies() -> list[RecipientKey]:
    """Three agencies, mixing suites as a real deployment might."""
    return [
        RecipientKey.generate(Suite.X25519),
        RecipientKey.generate(Suite.MLKEM768_X25519),
        RecipientKey.generate(Suite.X25519),
    ]


@pytest.fixture(scope="module")
def blob(agencies: list[RecipientKey]) -> bytes:
    return seal_to_many(PAYLOAD, [a.public_key() for a in agencies], info=INFO)


def _entry_spans(agencies: list[RecipientKey]) -> list[tuple[int, int]]:
    """(start, end) of each recipient entry, from the documented layout."""
    spans, position = [], 6
    for agency in agencies:
        length = KEY_ID + agency.suite.sealed_length(32)
        spans.append((position, position + length))
        position += length
    return spans


@pytest.mark.parametrize("count", [1, 2, 3])
def test_every_recipient_opens(agencies: list[RecipientKey], count: int) -> None:
    chosen = agencies[:count]
    blob = seal_to_many(PAYLOAD, [a.public_key() for a in chosen], info=INFO)
    for agency in chosen:
        assert open_from_many(blob, agency, info=INFO) == PAYLOAD


def test_layout_matches_the_documented_sizes(agencies: list[RecipientKey], blob: bytes) -> None:
    assert blob[:6] == b"ICEm\x01\x03"
    end_of_entries = _entry_spans(agencies)[-1][1]
    assert len(blob) == end_of_entries + NONCE + len(PAYLOAD) + TAG
    for agency, (start, _end) in zip(agencies, _entry_spans(agencies)):
        assert blob[start : start + KEY_ID] == agency.public_key().key_id()
        assert blob[start + KEY_ID] == agency.suite.wire_id


@pytest.mark.parametrize("suite", list(Suite), ids=lambda s: s.name)
def test_non_recipient_fails(blob: bytes, suite: Suite) -> None:
    with pytest.raises(DecryptError, match="not sealed to this key"):
        open_from_many(blob, RecipientKey.generate(suite), info=INFO)


def test_wrong_info_fails(agencies: list[RecipientKey], blob: bytes) -> None:
    with pytest.raises(DecryptError):
        open_from_many(blob, agencies[0], info=b"another context")


def test_flipping_any_byte_fails_closed_for_every_recipient(agencies: list[RecipientKey], blob: bytes) -> None:
    spans = _entry_spans(agencies)
    for index in range(len(blob)):
        tampered = flip(blob, index)
        for agency in agencies:
            if index < 5:
                expected: type[Exception] = MalformedBlob  # magic, format version
            elif index == 5:
                expected = DecryptError  # count 3 -> 2 still parses; the payload's AAD no longer matches
            elif any(start + KEY_ID == index for start, _ in spans):
                expected = UnsupportedSuite  # a suite byte: 0x01 <-> 0x00, 0x02 <-> 0x03
            else:
                expected = DecryptError  # a key id, a wrap, the nonce, the payload or its tag
            with pytest.raises(expected):
                open_from_many(tampered, agency, info=INFO)


def test_dropping_a_recipient_breaks_the_payload_for_the_others(agencies: list[RecipientKey], blob: bytes) -> None:
    spans = _entry_spans(agencies)
    start, end = spans[2]
    edited = blob[:5] + b"\x02" + blob[6:start] + blob[end:]  # count fixed up, last entry removed
    with pytest.raises(DecryptError, match="tampered"):
        open_from_many(edited, agencies[0], info=INFO)


def test_truncation_is_malformed(blob: bytes, agencies: list[RecipientKey]) -> None:
    end_of_entries = _entry_spans(agencies)[-1][1]
    for length in (0, 3, 6, 20, end_of_entries, end_of_entries + NONCE + TAG - 1):
        with pytest.raises(MalformedBlob):
            open_from_many(blob[:length], agencies[0], info=INFO)


def test_bad_recipient_lists_are_refused(agencies: list[RecipientKey]) -> None:
    with pytest.raises(ValueError, match="1..16"):
        seal_to_many(PAYLOAD, [], info=INFO)
    with pytest.raises(ValueError, match="1..16"):
        seal_to_many(PAYLOAD, [RecipientKey.generate().public_key() for _ in range(17)], info=INFO)
    with pytest.raises(ValueError, match="twice"):
        seal_to_many(PAYLOAD, [agencies[0].public_key(), agencies[0].public_key()], info=INFO)


@pytest.mark.parametrize("count", [0, 17, 255])
def test_recipient_count_out_of_range_is_malformed(blob: bytes, agencies: list[RecipientKey], count: int) -> None:
    with pytest.raises(MalformedBlob, match="recipient count"):
        open_from_many(blob[:5] + bytes([count]) + blob[6:], agencies[0], info=INFO)
