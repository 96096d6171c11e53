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


class _MatchingSensor:
    """A sensor with the patient's finger on it: every step succeeds."""
    page, score = 1, 200

    def gen_img(self) -> int:
        return 0x00

    def img2tz(self, buffer_id: int) -> int:
        return 0x00

    def search(self, buffer_id: int) -> int:
        return 0x00

    def ring(self, mode: int, color: int) -> int:
        return 0x00


@pytest.mark.xfail(strict=True, reason=(
    "firmware/release.py _step: the 15 s window of docs/protocol.md 2.2 ('6402: no usable "
    "finger within 15 s of BEGIN') is checked only when GenImg finds no finger; a first POLL "
    "sent after the window with a finger on the sensor still releases. Expected 6402."))
def test_first_poll_after_the_finger_window_gets_no_finger(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from fuzzkit.firmware import SELECT, FakeClock, firmware_modules
    fw = firmware_modules()
    vault = fw["vault"].Vault(str(tmp_path / "band"))
    vault.provision(bytes(16), bytes(20), bytes(32), b"blob" * 10, b"")
    clock = FakeClock()
    applet = fw["applet"].Applet(vault, _MatchingSensor(), clock)
    assert bytes(applet.process(SELECT))[-2:] == b"\x90\x00"
    assert bytes(applet.process(b"\x80\x10\x00\x00\x20" + bytes(32)))[-2:] == b"\x90\x00"
    clock.now += fw["proto"].FINGER_DEADLINE_MS + 1000  # a relay holds the POLL back 16 s
    answer = bytes(applet.process(b"\x80\x11\x00\x00\x00"))
    assert answer[-2:] == b"\x64\x02", answer[-2:].hex()
    assert vault.release_counter == 0
