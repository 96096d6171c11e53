"""The band over NFC, through nfcpy's real pn532 driver on the (simulated) reader: tap,
select, release, read the summary, take the band away; a release at the sensor's real speed."""

from __future__ import annotations

import os

import pytest

from hardware.hil.target import NoReader, SimTarget, Target
from responder_app.errors import ApduError, StatusWord, TransportError
from responder_app.protocol import BandProtocol, BandState, ReleaseProgress

from .flows import BLOB, DEVICE_ID, SUMMARY, expected_proof, provision, release

WRITE_DEVICE_ID = bytes.fromhex("8050010012") + bytes(18)


def _reader(target: Target):  # type: ignore[no-untyped-def]
    try:
        return target.nfc_reader()
    except NoReader as exc:
        pytest.skip(str(exc))


@pytest.mark.micropython
def test_tap_select_release_and_summary_over_nfc(target: Target) -> None:
    provision(target)
    reader = _reader(target)
    target.tap()
    band = reader.wait_for_band(timeout=10)
    challenge, result = release(band, target, "patient")
    assert result.sealed_blob == BLOB
    assert result.proof == expected_proof(challenge, result.counter)
    protocol = BandProtocol(band)
    assert protocol.read_summary(len(SUMMARY)) == SUMMARY
    target.remove()
    with pytest.raises(TransportError):
        protocol.select()
    band.close()


def test_over_nfc_the_band_shows_its_facts_and_refuses_provisioning(target: Target) -> None:
    provision(target)
    reader = _reader(target)
    target.tap()
    band = reader.wait_for_band(timeout=10)
    protocol = BandProtocol(band)
    facts = protocol.select()
    assert facts.state is BandState.READY and facts.device_id == DEVICE_ID
    answer = band.transceive(WRITE_DEVICE_ID, timeout=3)
    assert int.from_bytes(answer[-2:], "big") == StatusWord.SECURITY_NOT_SATISFIED
    with pytest.raises(ApduError) as no_release:  # no summary before a release
        protocol.read_summary(len(SUMMARY))
    assert no_release.value.sw == StatusWord.CONDITIONS_NOT_SATISFIED
    target.remove()
    band.close()


def test_a_release_at_the_sensors_real_speed_keeps_the_nfc_link_alive(
        datasheet_target: Target) -> None:
    target = datasheet_target
    provision(target)
    reader = _reader(target)
    target.tap()
    band = reader.wait_for_band(timeout=10)
    protocol = BandProtocol(band)
    protocol.select()
    seen: list[ReleaseProgress] = []
    challenge = os.urandom(32)
    target.place_finger("patient")
    result = protocol.release(challenge, on_status=seen.append, deadline=25)
    target.lift_finger()
    assert result.proof == expected_proof(challenge, result.counter)
    assert seen == [ReleaseProgress.STARTED, ReleaseProgress.CAPTURING,
                    ReleaseProgress.MATCHING]  # each change reported once, in order
    if isinstance(target, SimTarget):  # the 1 s search travelled as waiting-time extensions
        assert target.band.field is not None
        assert target.band.field.trace.counters["card.wtx_sent"] > 0
    target.remove()
    band.close()
