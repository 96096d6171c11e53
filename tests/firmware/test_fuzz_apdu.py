"""Random and structure-aware APDUs: always a status word, never an exception, never a change
to the vault (hypothesis). The band is provisioned and no finger is on the sensor, so no APDU
can legitimately change its state."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fw_band import Band, provisioned  # type: ignore[import-not-found]

STATUS_WORDS = {0x9000, 0x6202, 0x6203, 0x6204, 0x6205, 0x6300, 0x6400, 0x6402, 0x6581,
                0x6700, 0x6982, 0x6983, 0x6985, 0x6A80, 0x6A82, 0x6A86, 0x6D00, 0x6E00, 0x6F00}
INS = [0xA4, 0xC0, 0x10, 0x11, 0x12, 0x20, 0x40, 0x41, 0x50, 0x52, 0x00, 0xFF]


def _snapshot(root: str) -> dict[str, bytes]:
    return {name: hashlib.sha256(Path(root, name).read_bytes()).digest()
            for name in sorted(os.listdir(root))}


def _valid_sw(sw: int) -> bool:
    return sw in STATUS_WORDS or (sw & 0xFF00) == 0x6100 or (sw & 0xFFF0) == 0x63C0


structured = st.builds(
    lambda cla, ins, p1, p2, data, le: bytes([cla, ins, p1, p2])
    + (bytes([len(data)]) + data if data else b"") + (bytes([le]) if le is not None else b""),
    st.sampled_from([0x00, 0x80, 0x84, 0xFF]), st.sampled_from(INS), st.integers(0, 255),
    st.integers(0, 255), st.binary(max_size=40), st.none() | st.integers(0, 255))

apdus = st.lists(st.binary(max_size=300) | structured, min_size=1, max_size=12)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(sequence=apdus, wired=st.booleans())
def test_random_apdus_get_a_status_word_and_change_nothing(sequence: list[bytes],
                                                           wired: bool) -> None:
    band = provisioned("fuzz")
    before = _snapshot(band.root)
    counters = (band.vault.release_counter, band.vault.failures, band.vault.lockout_s)
    for apdu in sequence:
        resp = bytes(band.applet.process(apdu, wired))
        assert len(resp) >= 2
        assert _valid_sw((resp[-2] << 8) | resp[-1]), (apdu.hex(), resp.hex())
        assert len(resp) <= 242
    assert _snapshot(band.root) == before
    assert (band.vault.release_counter, band.vault.failures, band.vault.lockout_s) == counters


@settings(max_examples=200, deadline=None)
@given(sequence=apdus)
def test_unprovisioned_band_over_nfc_stays_unprovisioned(sequence: list[bytes]) -> None:
    band = Band("fuzz_unprov")
    before = _snapshot(band.root)
    for apdu in sequence:
        resp = bytes(band.applet.process(apdu, False))
        assert _valid_sw((resp[-2] << 8) | resp[-1])
    assert _snapshot(band.root) == before and not band.vault.provisioned


def test_process_never_raises_even_when_the_vault_breaks() -> None:
    band = provisioned("fuzz_broken")
    band.vault._files = None  # every file operation now raises AttributeError
    band.sensor.finger = "alice"
    band.applet.process(b"\x80\x10\x00\x00\x20" + bytes(32))
    resp = b"\x62\x02"
    while resp[-2] == 0x62:
        resp = bytes(band.applet.process(b"\x80\x11\x00\x00\x00"))
    assert resp[-2:] == b"\x6f\x00"  # fails closed: no blob without the counter on flash
    assert bytes(band.applet.process(b"\x80\x11\x00\x00\x00"))[-2:] == b"\x69\x85"
