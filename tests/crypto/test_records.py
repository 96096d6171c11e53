"""Encrypted records: round trips, header parsing, AAD binding, and every tamper case."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ledger_client.crypto import (
    DecryptError,
    InvalidAddress,
    MalformedBlob,
    RecipientKey,
    RecordHeader,
    Suite,
    UnsupportedSuite,
    decrypt_record,
    encrypt_record,
    read_record_header,
)

from .conftest import flip

RECORD_ID = "ips-1"
PLAINTEXT = b'{"resourceType": "Bundle", "type": "document"}' * 4


def _encrypt(key: RecipientKey, patient: str, record_id: str = RECORD_ID, version: int = 3) -> bytes:
    return encrypt_record(PLAINTEXT, patient=patient, record_id=record_id, version=version, emergency_key=key.public_key())


def _decrypt(blob: bytes, key: RecipientKey, patient: str, record_id: str = RECORD_ID, version: int = 3) -> bytes:
    return decrypt_record(blob, emergency_key=key, patient=patient, record_id=record_id, version=version)


def _fields(suite: Suite, record_id: str = RECORD_ID) -> dict[str, range]:
    """Byte ranges of each field, from the layout in docs/crypto.md."""
    spans, position = {}, 0
    for name, length in (
        ("magic", 4),
        ("format", 1),
        ("suite", 1),
        ("id length", 1),
        ("record id", len(record_id.encode())),
        ("version", 4),
        ("patient", 20),
        ("sealed key", suite.enc_length + 32 + 16),
        ("nonce", 12),
    ):
        spans[name] = range(position, position + length)
        position += length
    spans["ciphertext"] = range(position, position + len(PLAINTEXT))
    spans["tag"] = range(position + len(PLAINTEXT), position + len(PLAINTEXT) + 16)
    return spans


def test_round_trip(key: RecipientKey, patient: str) -> None:
    assert _decrypt(_encrypt(key, patient), key, patient) == PLAINTEXT


def test_layout_matches_the_documented_fields(key: RecipientKey, suite: Suite, patient: str) -> None:
    blob = _encrypt(key, patient)
    fields = _fields(suite)
    assert len(blob) == fields["tag"].stop
    assert blob[: fields["suite"].stop] == b"ICEr\x01" + bytes([suite.wire_id])
    assert blob[fields["record id"].start : fields["record id"].stop] == RECORD_ID.encode()
    assert blob[fields["version"].start : fields["version"].stop] == (3).to_bytes(4, "big")
    assert "0x" + blob[fields["patient"].start : fields["patient"].stop].hex() == patient


def test_header_reads_without_a_key(key: RecipientKey, suite: Suite, patient: str) -> None:
    header = read_record_header(_encrypt(key, patient, record_id="ïps/ünïcode", version=7))
    assert header == RecordHeader(suite=suite, record_id="ïps/ünïcode", version=7, patient=patient)
    assert header.format_version == 1


def test_each_version_gets_a_fresh_data_key(key: RecipientKey, suite: Suite, patient: str) -> None:
    first, second = _encrypt(key, patient), _encrypt(key, patient)
    sealed = _fields(suite)["sealed key"]
    assert first[sealed.start : sealed.stop] != second[sealed.start : sealed.stop]
    assert first[sealed.stop :] != second[sealed.stop :]


def test_wrong_emergency_key_fails(key: RecipientKey, other_key: RecipientKey, patient: str) -> None:
    with pytest.raises(DecryptError, match="does not open"):
        _decrypt(_encrypt(key, patient), other_key, patient)


def test_key_of_the_other_suite_fails(recipient_keys: dict[Suite, tuple[RecipientKey, RecipientKey]], patient: str) -> None:
    blob = _encrypt(recipient_keys[Suite.X25519][0], patient)
    with pytest.raises(DecryptError, match="suite"):
        _decrypt(blob, recipient_keys[Suite.MLKEM768_X25519][0], patient)


class TestMovedCiphertext:
    """AAD binding: the same ciphertext presented as another patient's, record's or version's."""

    def test_as_is_it_is_refused_by_the_header_check(self, key: RecipientKey, patient: str, other_patient: str) -> None:
        blob = _encrypt(key, patient)
        with pytest.raises(DecryptError, match="patient"):
            _decrypt(blob, key, other_patient)
        with pytest.raises(DecryptError, match="version"):
            _decrypt(blob, key, patient, version=4)
        with pytest.raises(DecryptError, match="ips-2"):
            _decrypt(blob, key, patient, record_id="ips-2")

    @pytest.mark.parametrize(
        "change", ["patient", "record id", "version", "record id and length"],
    )
    def test_with_the_header_rewritten_it_fails_authentication(
        self, key: RecipientKey, suite: Suite, patient: str, other_patient: str, change: str
    ) -> None:
        """An attacker rewrites the clear header so the header check passes; the crypto must still refuse."""
        blob = _encrypt(key, patient)
        fields = _fields(suite)
        header_end = fields["patient"].stop
        to_patient, to_record, to_version = {
            "patient": (other_patient, RECORD_ID, 3),
            "record id": (patient, "ips-2", 3),
            "version": (patient, RECORD_ID, 4),
            "record id and length": (patient, "ips-1-longer", 3),
        }[change]
        forged = RecordHeader(suite, to_record, to_version, to_patient).to_bytes() + blob[header_end:]
        assert read_record_header(forged).record_id == to_record
        with pytest.raises(DecryptError, match="does not open"):
            _decrypt(forged, key, to_patient, to_record, to_version)


def test_flipping_any_byte_fails_closed(key: RecipientKey, suite: Suite, patient: str) -> None:
    blob = _encrypt(key, patient)
    expected: dict[str, tuple[type[Exception], ...]] = {
        "magic": (MalformedBlob,),
        "format": (MalformedBlob,),
        "suite": (UnsupportedSuite,),  # 0x01 <-> 0x00 and 0x02 <-> 0x03 are unknown ids
        # a new length re-frames the header: either it no longer parses or it names another record
        "id length": (MalformedBlob, DecryptError),
        "record id": (DecryptError,),  # XOR 0x01 keeps these ASCII letters printable
        "version": (DecryptError,),
        "patient": (DecryptError,),
        "sealed key": (DecryptError,),
        "nonce": (DecryptError,),
        "ciphertext": (DecryptError,),
        "tag": (DecryptError,),
    }
    seen = set()
    for field, positions in _fields(suite).items():
        for index in positions:
            with pytest.raises(expected[field]):
                _decrypt(flip(blob, index), key, patient)
            seen.add(index)
    assert seen == set(range(len(blob)))


def test_high_bit_flips_anywhere_fail_closed(key: RecipientKey, patient: str) -> None:
    blob = _encrypt(key, patient)
    for index in range(len(blob)):
        with pytest.raises((MalformedBlob, UnsupportedSuite, DecryptError)):
            _decrypt(flip(blob, index, 0x80), key, patient)


def test_truncated_or_extended_blobs_fail(key: RecipientKey, suite: Suite, patient: str) -> None:
    blob = _encrypt(key, patient)
    fields = _fields(suite)
    for cut in (0, 3, 6, fields["patient"].stop - 1, fields["nonce"].stop, fields["nonce"].stop + 15):
        with pytest.raises(MalformedBlob, match="truncated|magic"):
            read_record_header(blob[:cut])
        with pytest.raises(MalformedBlob):
            _decrypt(blob[:cut], key, patient)
    with pytest.raises(DecryptError):
        _decrypt(blob[:-1], key, patient)
    with pytest.raises(DecryptError):
        _decrypt(blob + b"\x00", key, patient)


@pytest.mark.parametrize(
    "junk, message",
    [
        (b"ICEr\x02\x01", "format version 2"),
        (b"ICEq\x01\x01", "bad magic"),
        (b"ICEr\x01\x01\x00", "empty"),
        (b"ICEr\x01\x01\x01\xff" + b"\x00" * 200, "not UTF-8"),
        (b"ICEr\x01\x01\x01\x07" + b"\x00" * 200, "control"),
    ],
)
def test_header_parser_names_the_problem(junk: bytes, message: str) -> None:
    with pytest.raises(MalformedBlob, match=message):
        read_record_header(junk)


@settings(max_examples=300, deadline=None)
@given(junk=st.binary(max_size=200) | st.binary(max_size=200).map(lambda b: b"ICEr\x01\x01" + b))
def test_header_parser_only_raises_its_own_errors(junk: bytes) -> None:
    try:
        header = read_record_header(junk)
    except (MalformedBlob, UnsupportedSuite):
        return
    assert junk.startswith(header.to_bytes())  # whatever parses re-encodes to the same bytes


@pytest.mark.parametrize(
    "kwargs, error",
    [
        ({"record_id": ""}, ValueError),
        ({"record_id": "x" * 256}, ValueError),
        ({"record_id": "tab\there"}, ValueError),
        ({"version": -1}, ValueError),
        ({"version": 2**32}, ValueError),
        ({"version": True}, ValueError),
        ({"patient": "0x1234"}, InvalidAddress),
    ],
)
def test_bad_arguments_are_refused(key: RecipientKey, patient: str, kwargs: dict[str, object], error: type[Exception]) -> None:
    args: dict[str, object] = {"patient": patient, "record_id": RECORD_ID, "version": 1, **kwargs}
    with pytest.raises(error):
        encrypt_record(PLAINTEXT, emergency_key=key.public_key(), **args)  # type: ignore[arg-type]
    with pytest.raises(error):
        decrypt_record(_encrypt(key, patient), emergency_key=key, **args)  # type: ignore[arg-type]


@settings(max_examples=30, deadline=None)
@given(
    plaintext=st.binary(max_size=4096),
    record_id=st.text(st.characters(blacklist_categories=("Cc", "Cs", "Zl", "Zp", "Cf", "Co", "Cn", "Zs")), min_size=1, max_size=60),
    version=st.integers(0, 2**32 - 1),
)
def test_round_trip_property(plaintext: bytes, record_id: str, version: int) -> None:
    key = RecipientKey.generate(Suite.X25519)
    patient = "0x" + "ab" * 20
    blob = encrypt_record(plaintext, patient=patient, record_id=record_id, version=version, emergency_key=key.public_key())
    assert read_record_header(blob) == RecordHeader(Suite.X25519, record_id, version, patient)
    assert decrypt_record(blob, emergency_key=key, patient=patient, record_id=record_id, version=version) == plaintext
