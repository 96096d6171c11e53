"""Bugs the security campaign found in areas other sessions are still editing. Each test states
the expected behaviour and is xfail(strict): it flips to a failure (XPASS) when the bug is
fixed, so whoever fixes it removes the mark and the fuzz exclusion it names."""

from __future__ import annotations

import base64

import pytest

from ledger_client.ledger.checkpoint import Checkpoint
from ledger_client.ledger.errors import BadCheckpoint


def _checkpoint_text(size: str, root: str) -> str:
    sig = base64.b64encode(bytes(68)).decode()
    return f"o\n{size}\n{root}\n1\n\n\u2014 o {sig}\n"


@pytest.mark.xfail(strict=True, raises=ValueError, reason=(
    "ledger_client/ledger/checkpoint.py from_text: str.isdigit() accepts '\u00b2' and int() "
    "then raises ValueError instead of BadCheckpoint (fix: isascii() and isdigit())"))
def test_checkpoint_with_unicode_digit_is_a_bad_checkpoint() -> None:
    with pytest.raises(BadCheckpoint):
        Checkpoint.from_text(_checkpoint_text("\u00b2", base64.b64encode(bytes(32)).decode()))


@pytest.mark.xfail(strict=True, raises=ValueError, reason=(
    "ledger_client/ledger/checkpoint.py from_text: base64.b64decode raises ValueError (not "
    "binascii.Error) on non-ASCII text; it escapes instead of BadCheckpoint"))
def test_checkpoint_with_non_ascii_root_is_a_bad_checkpoint() -> None:
    with pytest.raises(BadCheckpoint):
        Checkpoint.from_text(_checkpoint_text("1", "\u00e9" * 44))

