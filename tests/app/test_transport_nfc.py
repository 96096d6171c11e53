"""The session over the radio: the HIL harness's simulated band (the firmware in its own
process, wired to the simulated R503 and to the card side of the simulated PN532 pair) read
through nfcpy's unmodified pn532 driver on the simulated reader's pty."""

from __future__ import annotations

import threading
import time
from pathlib import Path
from typing import Iterator

import pytest

from responder_app import errors as e
from responder_app.demo import DEMO_FINGER, WRONG_FINGER, DemoWorld, build_demo_world
from responder_app.device import open_reader
from responder_app.hil_band import FirmwareBand
from responder_app.protocol import ReleaseProgress

from .conftest import RECORD, Scene


@pytest.fixture
def radio_scene(tmp_path: Path) -> Iterator[Scene]:
    band = FirmwareBand()
    try:
        world: DemoWorld = build_demo_world(tmp_path / "home", band=band, record=RECORD)
        band.tap()
        scene = Scene(world)
        yield scene
        scene.close()
    finally:
        band.close()


def test_match_over_nfc(radio_scene: Scene) -> None:
    band = radio_scene.world.band
    device = band.wait_for_band(5.0)  # type: ignore[attr-defined]
    assert "PN532" in device.description
    session = radio_scene.session(device)
    assert session.connect().online
    band.place_finger(DEMO_FINGER)
    session.release()
    outcome = session.read_record()
    session.close()
    assert not outcome.offline and outcome.view.patient.name == "Martha DeLarosa"
    assert outcome.event.release_counter == 1


def test_wrong_finger_over_nfc(radio_scene: Scene) -> None:
    session = radio_scene.session(radio_scene.world.band.wait_for_band(5.0))  # type: ignore[attr-defined]
    session.connect()
    radio_scene.world.band.place_finger(WRONG_FINGER)
    with pytest.raises(e.WrongFinger) as info:
        session.release()
    assert info.value.retries_left == 2
    session.close()


def test_offline_summary_is_read_over_nfc(radio_scene: Scene) -> None:
    store = radio_scene.world.profile.store_dir
    store.rename(store.with_name("away"))
    session = radio_scene.session(radio_scene.world.band.wait_for_band(5.0))  # type: ignore[attr-defined]
    session.connect()
    radio_scene.world.band.place_finger(DEMO_FINGER)
    session.release()
    outcome = session.read_record()
    session.close()
    assert outcome.offline and outcome.view.allergies[0].criticality == "high"


def test_band_taken_away_during_the_finger_wait_is_band_lost(radio_scene: Scene) -> None:
    band = radio_scene.world.band
    session = radio_scene.session(band.wait_for_band(5.0))  # type: ignore[attr-defined]
    session.connect()

    def take_away(status: ReleaseProgress) -> None:
        if status is ReleaseProgress.WAITING_FOR_FINGER:
            band.remove()

    started = time.monotonic()
    with pytest.raises(e.BandLost):
        session.release(on_status=take_away)
    assert time.monotonic() - started < 10  # noticed long before the band's 15 s window
    session.close()


def test_no_band_in_the_field(radio_scene: Scene) -> None:
    band = radio_scene.world.band
    band.remove()
    cancel = threading.Event()
    with pytest.raises(e.TransportError) as info:
        band.wait_for_band(0.5, cancel)  # type: ignore[attr-defined]
    assert info.value.kind is e.TransportErrorKind.NO_BAND


def test_a_path_without_a_pn532_is_no_device(tmp_path: Path) -> None:
    from hardware.sim.pty_port import PtyPort
    with PtyPort() as silent:  # a serial port where nothing answers
        with pytest.raises(e.TransportError) as info:
            open_reader("pty:" + silent.path)
    assert info.value.kind is e.TransportErrorKind.NO_DEVICE
    assert "no PN532 reader answers" in str(info.value)


def test_a_reader_that_stops_answering_is_reported_not_hidden(radio_scene: Scene) -> None:
    band = radio_scene.world.band
    band.remove()
    band.hil.field.close()  # type: ignore[attr-defined]  # the reader chip goes silent
    started = time.monotonic()
    with pytest.raises(e.TransportError) as info:
        band.wait_for_band(5.0)  # type: ignore[attr-defined]
    assert info.value.kind is e.TransportErrorKind.NO_DEVICE and "reader failed" in str(info.value)
    assert time.monotonic() - started < 5.0  # not a silent wait to the deadline
