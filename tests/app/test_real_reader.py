"""With a real NFC reader (`pytest tests/app --reader usb`): the app's transport opens it and
reads a real band's public facts. Left out of CI runs (deselected, see tests/conftest.py)."""

from __future__ import annotations

import pytest

from responder_app.device import open_reader
from responder_app.protocol import BandProtocol, BandState

pytestmark = pytest.mark.reader


def test_real_reader_reads_a_band(request: pytest.FixtureRequest) -> None:
    spec = request.config.getoption("reader")
    with open_reader(spec) as reader:
        print(f"hold a provisioned band to {reader.description} (30 s)")
        with reader.wait_for_band(30.0) as device:
            facts = BandProtocol(device).select()
    assert facts.version == 1 and facts.state is not BandState.UNPROVISIONED
    assert facts.device_id != bytes(16)
