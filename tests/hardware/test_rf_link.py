"""nfcpy's unmodified pn532 driver reads the simulated band through the RF link.

The band's firmware is played by `pn532_card_script`: a few lines speaking PN532 frames over
the card pty (TgInitAsTarget, TgGetData, TgSetData), nothing reaching into the simulator.
"""

from __future__ import annotations

import threading

import nfc
import nfc.clf
import nfc.tag.tt4
import pytest

from hardware.sim.nfc import RF, CardState, SimulatedField
from hardware.sim.nfc.trace import TO_CARD, TO_READER

SELECT_ICEBAND = bytes.fromhex("00A4040007F0494345424E4400")


def _echo(apdu: bytes) -> bytes:
    """SELECT of anything answers 6A82 (as the firmware does for NDEF), else the data reversed."""
    if apdu[1] == 0xA4:
        return b"\x6a\x82"
    return apdu[::-1] + b"\x90\x00"


def _connect(reader: nfc.ContactlessFrontend) -> nfc.tag.tt4.Type4Tag:
    tag = reader.connect(rdwr={"on-connect": lambda tag: False, "iterations": 20,
                               "interval": 0.05, "beep-on-connect": False})
    assert isinstance(tag, nfc.tag.tt4.Type4ATag), tag
    return tag


def _armed(field: SimulatedField) -> None:
    assert field.wait_until(lambda: field.card_state is CardState.ARMED, 5), \
        "the card script never sent TgInitAsTarget"


def test_tap_activates_a_type_4a_tag_with_a_random_uid(
        nfc_field: SimulatedField, nfc_reader, pn532_card_script) -> None:  # type: ignore[no-untyped-def]
    script = pn532_card_script(_echo)
    _armed(nfc_field)
    nfc_field.tap()
    tag = _connect(nfc_reader)
    assert tag.identifier == bytes.fromhex("08123456")     # 08: a random NFCID1
    assert tag.target.sel_res == b"\x20"                   # ISO 14443-4 compliant
    assert tag._dep.miu == 61 and tag._dep.fwt == pytest.approx(0.0773, abs=1e-4)  # from ATS
    assert nfc_field.trace.frames(RF, TO_CARD)[0] == b"\xe0\x80"
    assert tag.transceive(SELECT_ICEBAND) == b"\x6a\x82"   # the script has seen its activation
    assert script.activations == [b"\x08\xe0\x80"]          # TgInitAsTarget: PICC mode + RATS


def test_apdus_reach_the_card_and_answers_come_back(
        nfc_field: SimulatedField, nfc_reader, pn532_card_script) -> None:  # type: ignore[no-untyped-def]
    script = pn532_card_script(_echo)
    _armed(nfc_field)
    nfc_field.tap()
    tag = _connect(nfc_reader)
    assert tag.transceive(SELECT_ICEBAND) == b"\x6a\x82"
    assert tag.transceive(b"\x00\xb0\x00\x00\x04") == b"\x04\x00\x00\xb0\x00\x90\x00"
    assert script.apdus == [SELECT_ICEBAND, b"\x00\xb0\x00\x00\x04"]


def test_nfcpy_ndef_discovery_selects_the_ndef_application_and_gets_6a82(
        nfc_field: SimulatedField, nfc_reader, pn532_card_script) -> None:  # type: ignore[no-untyped-def]
    script = pn532_card_script(_echo)
    _armed(nfc_field)
    nfc_field.tap()
    tag = _connect(nfc_reader)
    assert tag.ndef is None
    # Type4Tag tries the NDEF application v2 then v1 (D2760000850101 / D2760000850100)
    assert [apdu[5:12].hex() for apdu in script.apdus] == ["d2760000850101", "d2760000850100"]


def test_long_apdus_chain_both_ways(
        nfc_field: SimulatedField, nfc_reader, pn532_card_script) -> None:  # type: ignore[no-untyped-def]
    big_answer = bytes(range(256)) * 2 + bytes(100)        # 612 bytes: TgSetMetaData + chaining
    script = pn532_card_script(lambda apdu: big_answer + b"\x90\x00" if apdu[1] == 0xC0
                               else _echo(apdu))
    _armed(nfc_field)
    nfc_field.tap()
    tag = _connect(nfc_reader)
    command = b"\x80\x10\x00\x00\xc8" + bytes(range(200))  # 205 bytes: four 61-byte I-blocks
    assert tag.transceive(command) == command[::-1] + b"\x90\x00"
    assert script.apdus[-1] == command
    assert tag.transceive(b"\x00\xc0\x00\x00\x00") == big_answer + b"\x90\x00"
    chained_to_card = [f for f in nfc_field.trace.frames(RF, TO_CARD) if f[0] & 0xF2 == 0x12]
    chained_to_reader = [f for f in nfc_field.trace.frames(RF, TO_READER) if f[0] & 0xF2 == 0x12]
    assert len(chained_to_card) == 3 and len(chained_to_reader) == 2


def test_a_slow_answer_arrives_through_waiting_time_extensions(
        nfc_field: SimulatedField, nfc_reader, pn532_card_script) -> None:  # type: ignore[no-untyped-def]
    release = threading.Event()

    def slow(apdu: bytes) -> bytes:
        if apdu[1] == 0x88:               # "wait for the finger": 2 s
            release.wait(2.0)
            return b"\x61\x00"
        return _echo(apdu)

    pn532_card_script(slow)
    _armed(nfc_field)
    nfc_field.tap()
    tag = _connect(nfc_reader)
    assert tag.transceive(b"\x00\x88\x00\x00") == b"\x61\x00"
    wtx = [f for f in nfc_field.trace.frames(RF, TO_READER) if f[0] == 0xF2]
    assert len(wtx) >= 3 and nfc_field.trace.counters["card.wtx_sent"] == len(wtx)
    granted = [f for f in nfc_field.trace.frames(RF, TO_CARD) if f[0] == 0xF2]
    assert granted == wtx                  # nfcpy answered every S(WTX) with the same WTXM


def test_removal_mid_exchange_fails_cleanly_and_a_new_tap_works(
        nfc_field: SimulatedField, nfc_reader, pn532_card_script) -> None:  # type: ignore[no-untyped-def]
    def leave_during(apdu: bytes) -> bytes:
        if apdu[1] == 0x88:
            nfc_field.remove()            # the band is pulled away before it can answer
        return _echo(apdu)

    script = pn532_card_script(leave_during)
    _armed(nfc_field)
    nfc_field.tap()
    tag = _connect(nfc_reader)
    with pytest.raises(nfc.tag.tt4.Type4TagCommandError) as failure:
        tag.transceive(b"\x00\x88\x00\x00")
    assert failure.value.errno == nfc.tag.TIMEOUT_ERROR
    assert not tag.is_present
    _armed(nfc_field)                     # firmware got 0x29 and listens again
    assert script.releases == 1
    nfc_field.tap()
    tag = _connect(nfc_reader)
    assert tag.transceive(b"\x00\xb0\x00\x00\x01") == b"\x01\x00\x00\xb0\x00\x90\x00"
    assert len(script.activations) == 2


def test_reader_field_off_releases_the_card(
        nfc_field: SimulatedField, nfc_reader, pn532_card_script) -> None:  # type: ignore[no-untyped-def]
    script = pn532_card_script(_echo)
    _armed(nfc_field)
    nfc_field.tap()
    _connect(nfc_reader)
    nfc_reader.device.mute()              # RFConfiguration: RF off
    _armed(nfc_field)
    assert script.releases == 1 and nfc_field.band_in_field


def test_chip_run_iso_dep_through_in_data_exchange(
        nfc_field: SimulatedField, pn532_raw_reader, pn532_card_script) -> None:  # type: ignore[no-untyped-def]
    """Drivers other than nfcpy let the chip do RATS and ISO-DEP (InDataExchange)."""
    pn532_card_script(_echo)
    reader = pn532_raw_reader
    reader.command(0x14, b"\x01", wake=True)
    reader.command(0x12, b"\x14")                         # fAutomaticRATS | fAutomaticATR_RES
    _armed(nfc_field)
    nfc_field.tap()
    listed = reader.command(0x4A, b"\x01\x00", timeout=2)
    assert listed == bytes.fromhex("01010004200408123456") + bytes.fromhex("0575008000")
    assert reader.command(0x40, b"\x01" + SELECT_ICEBAND, timeout=2) == b"\x00\x6a\x82"
    long_command = b"\x80\x10\x00\x00\x64" + bytes(100)
    assert reader.command(0x40, b"\x01" + long_command, timeout=2) == \
        b"\x00" + long_command[::-1] + b"\x90\x00"
    assert reader.command(0x52, b"\x01") == b"\x00"       # InRelease: S(DESELECT)
    assert nfc_field.trace.frames(RF, TO_CARD)[-1] == b"\xc2"


@pytest.mark.parametrize("nfc_field", [{"realistic": True}], indirect=True)
def test_realistic_timing_still_reads_the_band(
        nfc_field: SimulatedField, nfc_reader, pn532_card_script) -> None:  # type: ignore[no-untyped-def]
    pn532_card_script(_echo)
    _armed(nfc_field)
    nfc_field.tap()
    tag = _connect(nfc_reader)
    assert tag.transceive(b"\x00\xb0\x00\x00\x02") == b"\x02\x00\x00\xb0\x00\x90\x00"
    assert nfc_field.link.realistic


def test_closing_the_field_stops_its_threads() -> None:
    def ours() -> list[str]:
        return sorted(t.name for t in threading.enumerate() if t.name.startswith("pn532-"))

    before = ours()
    field = SimulatedField()
    assert {"pn532-reader-rx", "pn532-reader-cmd", "pn532-card-rx", "pn532-card-cmd"} <= \
        {t.name for t in threading.enumerate()}
    field.close()
    assert ours() == before


def test_trace_keeps_the_latest_frames_and_every_count() -> None:
    from hardware.sim.nfc import Trace

    trace = Trace(limit=3)
    for i in range(5):
        trace.record(RF, TO_CARD, bytes([i]))
        trace.count("frames")
    assert trace.frames(RF, TO_CARD) == [b"\x02", b"\x03", b"\x04"]
    assert trace.counters["frames"] == 5


def test_in_data_exchange_grants_wtx_and_gathers_chained_answers(
        nfc_field: SimulatedField, pn532_raw_reader, pn532_card_script) -> None:  # type: ignore[no-untyped-def]
    def answer(apdu: bytes) -> bytes:
        if apdu[1] == 0x88:
            threading.Event().wait(0.3)       # longer than half the FWT: the card asks for WTX
            return b"\x90\x00"
        return bytes(apdu[4]) + b"\x90\x00"  # Le zero bytes
    pn532_card_script(answer)
    reader = pn532_raw_reader
    reader.command(0x14, b"\x01", wake=True)
    reader.command(0x12, b"\x10")                         # fAutomaticRATS
    _armed(nfc_field)
    nfc_field.tap()
    assert reader.command(0x4A, b"\x01\x00", timeout=2)[0] == 1
    assert reader.command(0x40, b"\x01\x00\x88\x00\x00", timeout=3) == b"\x00\x90\x00"
    assert nfc_field.trace.counters["card.wtx_sent"] >= 1
    assert reader.command(0x40, b"\x01\x00\xb0\x00\x00\xff", timeout=3) == \
        b"\x00" + bytes(255) + b"\x90\x00"                # 257 bytes: two I-blocks from the card
    assert [f[0] & 0xF2 for f in nfc_field.trace.frames(RF, TO_READER)].count(0x12) == 1
