"""Keys shared by the crypto tests (generated once per session: key generation is not under test here)."""

from __future__ import annotations

import pytest

from ledger_client.crypto import RecipientKey, SigningKey, Suite, patient_address


@pytest.fixture(scope="session", params=list(Suite), ids=lambda s: s.name)
def suite(request: pytest.FixtureRequest) -> Suite:
    return Suite(request.param)


@pytest.fixture(scope="session")
def recipient_keys() -> dict[Suite, tuple[RecipientKey, RecipientKey]]:
    """Two unrelated keys per suite: the right one and a wrong one."""
    return {s: (RecipientKey.generate(s), RecipientKey.generate(s)) for s in Suite}


@pytest.fixture(scope="session")
def key(suite: Suite, recipient_keys: dict[Suite, tuple[RecipientKey, RecipientKey]]) -> RecipientKey:
    return recipient_keys[suite][0]


@pytest.fixture(scope="session")
def other_key(suite: Suite, recipient_keys: dict[Suite, tuple[RecipientKey, RecipientKey]]) -> RecipientKey:
    return recipient_keys[suite][1]


@pytest.fixture(scope="session")
def patient() -> str:
    return patient_address(SigningKey.generate().verify_key)


@pytest.fixture(scope="session")
def other_patient() -> str:
    return patient_address(SigningKey.generate().verify_key)


def flip(blob: bytes, index: int, mask: int = 0x01) -> bytes:
    """`blob` with the byte at `index` XORed with `mask`."""
    changed = bytearray(blob)
    changed[index] ^= mask
    return bytes(changed)
