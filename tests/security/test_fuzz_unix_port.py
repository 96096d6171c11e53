"""The applet fuzz again on the MicroPython unix port with a 64 KB heap: the band's own
interpreter, running the compiled firmware (mp_fuzz_applet.py, staged by unix_port_fuzz.py)."""

from __future__ import annotations

from pathlib import Path

import pytest

import unix_port_fuzz


@pytest.mark.micropython
@pytest.mark.timeout(300)
def test_random_apdu_sequences_on_the_unix_port_change_nothing(tmp_path: Path) -> None:
    dest = unix_port_fuzz.stage(tmp_path)
    result = unix_port_fuzz.run(dest, seed=8, count=300)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert "SUMMARY ok=300 failures=0" in result.stdout
