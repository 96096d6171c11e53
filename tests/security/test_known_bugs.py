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



_FULL_DISK = r"""
import os, resource, signal, sys
from ledger_client.crypto import RecipientKey, SigningKey
from ledger_client.ledger.author import write
from ledger_client.ledger.entries import HospitalGranted, PatientRegistered
from ledger_client.ledger.errors import LedgerError
from ledger_client.ledger.sqlite import SqliteLedger
signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
resource.setrlimit(resource.RLIMIT_FSIZE, (512 * 1024, 512 * 1024))  # the disk fills up
patient = SigningKey.generate()
ledger = SqliteLedger(sys.argv[1])
write(ledger, patient, PatientRegistered(RecipientKey.generate().public_key().to_bytes()))
try:
    for _ in range(10000):
        write(ledger, patient, HospitalGranted(os.urandom(32)))
except LedgerError as exc:
    print("LedgerError", ledger.size(), exc)
except Exception as exc:
    print(type(exc).__name__, ledger.size(), exc)
"""


@pytest.mark.xfail(strict=True, reason=(
    "ledger_client/ledger/sqlite.py _append_all: when COMMIT fails because the disk is full "
    "(ENOSPC on a 256 KiB tmpfs, or EFBIG under RLIMIT_FSIZE), SQLite has already rolled back "
    "and the unconditional ROLLBACK raises sqlite3.OperationalError 'cannot rollback - no "
    "transaction is active': an sqlite3 error escapes the Ledger API and hides 'disk full'. "
    "Expected a LedgerError (e.g. LedgerUnavailable) naming the cause; the state is intact."))
def test_ledger_on_a_full_disk_raises_a_ledger_error(tmp_path) -> None:  # type: ignore[no-untyped-def]
    import subprocess
    import sys
    result = subprocess.run([sys.executable, "-c", _FULL_DISK, str(tmp_path / "l.db")],
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    kind, size, message = result.stdout.split(" ", 2)
    assert kind == "LedgerError", result.stdout
    assert int(size) > 1  # some entries fitted before the disk was full
