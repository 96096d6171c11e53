"""The conformance suite runs against every ledger backend named in `BACKENDS`.

The EVM engineer adds "evm-tester" and "evm-anvil" to `BACKENDS` and a branch to
`_open_backend`. Each test gets a fresh, empty ledger.
"""

from __future__ import annotations

from pathlib import Path
from typing import Iterator

import pytest

from ledger_client.ledger import Ledger, open_ledger

BACKENDS = ["sqlite"]


def _open_backend(name: str, tmp_path: Path) -> Ledger:
    if name == "sqlite":
        return open_ledger(f"sqlite:///{tmp_path / 'ledger.db'}")
    raise ValueError(f"unknown backend {name!r}")


@pytest.fixture(params=BACKENDS)
def ledger_backend(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Ledger]:
    ledger = _open_backend(request.param, tmp_path)
    try:
        yield ledger
    finally:
        ledger.close()
