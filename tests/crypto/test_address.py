"""Patient ledger addresses: derivation (known answer), format, validation."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ledger_client.crypto import InvalidAddress, SigningKey, VerifyKey, address_bytes, address_from_bytes, patient_address

# RFC 8032 TEST 1 public key; expected value from coreutils, independently of our code:
#   { printf 'ICEband/v1/patient-address'; printf d75a...511a | xxd -r -p; } | sha256sum | cut -c1-40
RFC8032_TEST1_PUBLIC = bytes.fromhex("d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a")
RFC8032_TEST1_ADDRESS = "0x0bbe115368ae23d054d31a30d0142fa60879da52"


def test_known_answer() -> None:
    assert patient_address(VerifyKey.from_bytes(RFC8032_TEST1_PUBLIC)) == RFC8032_TEST1_ADDRESS


def test_shape_and_determinism() -> None:
    key = SigningKey.generate().verify_key
    address = patient_address(key)
    assert address == patient_address(VerifyKey.from_bytes(key.to_bytes()))
    assert address.startswith("0x") and len(address) == 42 and address == address.lower()
    assert address != patient_address(SigningKey.generate().verify_key)


def test_address_bytes_round_trip() -> None:
    raw = address_bytes(RFC8032_TEST1_ADDRESS)
    assert raw == bytes.fromhex(RFC8032_TEST1_ADDRESS[2:])
    assert address_from_bytes(raw) == RFC8032_TEST1_ADDRESS
    assert address_bytes(RFC8032_TEST1_ADDRESS.upper().replace("0X", "0x")) == raw  # checksum-case accepted


@pytest.mark.parametrize(
    "bad",
    [
        "",
        "0x",
        RFC8032_TEST1_ADDRESS[2:],  # no prefix
        "0X" + RFC8032_TEST1_ADDRESS[2:],
        RFC8032_TEST1_ADDRESS + "00",
        RFC8032_TEST1_ADDRESS[:-1],
        RFC8032_TEST1_ADDRESS[:-1] + "g",
        " " + RFC8032_TEST1_ADDRESS[1:],
        "0x" + "１" * 40,  # full-width digits are not hex
    ],
)
def test_malformed_addresses_are_refused(bad: str) -> None:
    with pytest.raises(InvalidAddress, match="0x"):
        address_bytes(bad)


def test_non_string_and_wrong_length_bytes_are_refused() -> None:
    with pytest.raises(InvalidAddress, match="string"):
        address_bytes(b"0x" + b"00" * 20)  # type: ignore[arg-type]
    with pytest.raises(InvalidAddress, match="20 bytes"):
        address_from_bytes(b"\x00" * 19)
    assert issubclass(InvalidAddress, ValueError)


@given(st.binary(min_size=20, max_size=20))
def test_every_20_byte_value_round_trips(raw: bytes) -> None:
    assert address_bytes(address_from_bytes(raw)) == raw
