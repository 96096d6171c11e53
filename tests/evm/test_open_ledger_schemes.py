"""`open_ledger` finds the chain backends by URL alone, in a fresh interpreter."""

from __future__ import annotations

import subprocess
import sys

import pytest

from ledger_client.ledger.errors import UnknownBackend
from ledger_client.ledger.protocol import open_ledger


def test_evm_schemes_need_no_prior_import() -> None:
    # A fresh process: nothing has imported ledger_client.evm before open_ledger is called.
    code = (
        "from ledger_client.ledger.protocol import open_ledger\n"
        "ledger = open_ledger('evm+tester://')\n"
        "print(type(ledger).__module__)\n"
        "ledger.close()\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "ledger_client.evm.backend"


def test_a_bare_registered_scheme_is_a_url() -> None:
    ledger = open_ledger("evm+tester")
    try:
        assert ledger.size() == 0
    finally:
        ledger.close()


def test_an_unknown_word_is_still_refused() -> None:
    with pytest.raises(UnknownBackend, match="not a ledger URL"):
        open_ledger("evm-tester")
