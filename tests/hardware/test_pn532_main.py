"""`python -m hardware.sim.nfc` serves a PN532 pair by hand and follows stdin commands."""

from __future__ import annotations

import subprocess
import sys


def test_serves_two_ptys_and_follows_tap_and_remove() -> None:
    result = subprocess.run([sys.executable, "-m", "hardware.sim.nfc"],
                            input="tap\nstatus\nremove\nwave\nquit\n",
                            capture_output=True, text=True, timeout=30, check=True)
    lines = result.stdout.splitlines()
    assert lines[0].startswith("reader /dev/") and lines[1].startswith("card /dev/")
    assert lines[0].split()[1] != lines[1].split()[1]
    assert lines[2:] == [
        "band in field, carrier off, card idle",
        "band in field, carrier off, card idle",
        "band out of field, carrier off, card idle",
        "unknown command 'wave': tap, remove, status, quit",
    ]
