"""The entry codec: round trips for every kind, and fuzzed bytes never get past it unnoticed."""

from __future__ import annotations

import dataclasses

import pytest
from hypothesis import given, settings, strategies as st

from ledger_client.crypto import SigningKey, address_bytes, patient_address
from ledger_client.ledger import (
    AgencyKeyRotated, AgencyRegistered, Approval, BreakGlass, Checkpoint, DeviceRegistered,
    DeviceRevoked, EmergencyAccess, EntryKind, HospitalGranted, HospitalRevoked, MalformedEntry,
    PatientRegistered, RecordAnchored, ResponderRegistered, ResponderRevoked, BadCheckpoint)
from ledger_client.ledger.codec import (
    BadEntrySignature, decode_entry, encode_entry, sign_entry, verify_encoded_signature,
    verify_entry_signature)
from ledger_client.ledger.rules import address_of

KEY = SigningKey.generate()
AUTHOR = KEY.verify_key.to_bytes()

addresses = st.binary(min_size=20, max_size=20)
keys = st.binary(min_size=32, max_size=32)
texts = st.text(min_size=1, max_size=60).filter(lambda t: len(t.encode()) <= 255)
blobs = st.binary(min_size=1, max_size=300)
devices = st.binary(min_size=1, max_size=32)
u32 = st.integers(0, 2**32 - 1)
u64 = st.integers(0, 2**64 - 1)
approvals = st.lists(st.builds(Approval, keys, st.binary(min_size=64, max_size=64)),
                     max_size=3).map(tuple)

bodies = st.one_of(
    st.builds(PatientRegistered, blobs), st.builds(HospitalGranted, keys),
    st.builds(HospitalRevoked, keys),
    st.builds(RecordAnchored, addresses, texts, u32, keys, blobs),
    st.builds(DeviceRegistered, addresses, devices), st.builds(DeviceRevoked, addresses, devices),
    st.builds(AgencyRegistered, texts, blobs), st.builds(AgencyKeyRotated, blobs),
    st.builds(ResponderRegistered, keys), st.builds(ResponderRevoked, keys),
    st.builds(EmergencyAccess, addresses, devices, u32, st.binary(min_size=16, max_size=16), u64,
              st.booleans()),
    st.builds(BreakGlass, addresses, texts, st.binary(min_size=16, max_size=16), approvals),
)


@settings(max_examples=120, deadline=None)
@given(body=bodies, sequence=u32, timestamp=u64)
def test_every_kind_round_trips_and_verifies(body, sequence: int, timestamp: int) -> None:  # type: ignore[no-untyped-def]
    entry = sign_entry(body, signer=KEY, author=AUTHOR, sequence=sequence, timestamp_ms=timestamp)
    data = encode_entry(entry)
    assert data[1] == body.KIND
    assert decode_entry(data) == entry
    verify_entry_signature(entry)
    verify_encoded_signature(data)


@settings(max_examples=120, deadline=None)
@given(body=bodies, position=st.integers(0, 10_000), bit=st.integers(0, 7))
def test_a_flipped_bit_never_passes_as_the_same_signed_entry(body, position: int, bit: int) -> None:  # type: ignore[no-untyped-def]
    data = bytearray(encode_entry(sign_entry(body, signer=KEY, author=AUTHOR, sequence=1,
                                             timestamp_ms=2)))
    data[position % len(data)] ^= 1 << bit
    with pytest.raises(MalformedEntry):  # BadEntrySignature is a MalformedEntry
        verify_entry_signature(decode_entry(bytes(data)))


@settings(max_examples=500, deadline=None)
@given(st.binary(max_size=400))
def test_random_bytes_are_refused_cleanly_or_reencode_identically(data: bytes) -> None:
    try:
        entry = decode_entry(data)
    except MalformedEntry:
        return
    assert encode_entry(entry) == data


def test_truncated_extended_and_unknown_entries_are_refused() -> None:
    data = encode_entry(sign_entry(HospitalGranted(bytes(32)), signer=KEY, author=AUTHOR,
                                   sequence=0, timestamp_ms=0))
    for bad, message in ((data[:-1], "truncated"), (data + b"\x00", "trailing"),
                         (b"\x02" + data[1:], "version"), (data[:1] + b"\x63" + data[2:], "kind")):
        with pytest.raises(MalformedEntry, match=message):
            decode_entry(bad)
    with pytest.raises(MalformedEntry, match="outside"):
        encode_entry(dataclasses.replace(decode_entry(data), body=DeviceRevoked(bytes(20), b"")))
    with pytest.raises(MalformedEntry, match="expected 32 bytes"):
        encode_entry(dataclasses.replace(decode_entry(data), author=b"short"))
    with pytest.raises(BadEntrySignature):
        verify_entry_signature(dataclasses.replace(decode_entry(data), sequence=1))
    assert sorted(EntryKind) == list(range(1, 13))


def test_the_ledger_derives_patient_addresses_as_the_crypto_layer_does() -> None:
    for _ in range(5):
        key = SigningKey.generate().verify_key
        assert address_of(key.to_bytes()) == address_bytes(patient_address(key))


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=300))
def test_checkpoint_parser_refuses_garbage_cleanly(text: str) -> None:
    try:
        Checkpoint.from_text(text)
    except BadCheckpoint:
        pass


def test_an_unknown_refusal_code_still_constructs() -> None:
    from ledger_client.ledger import Refusal, RefusedWrite
    assert Refusal(200) is Refusal.UNKNOWN
    assert str(RefusedWrite(Refusal(200), "from a newer backend")) == \
        "refused: unknown: from a newer backend"
