"""The light radio tier: nfcpy's udp driver as the reader (kept on 127.0.0.1) and a band that
answers as an ISO-DEP card on udp (tests/app/udp_card.py) in front of the firmware applet."""

from __future__ import annotations

from typing import Iterator

import pytest

from responder_app import errors as e
from responder_app.demo import DEMO_FINGER
from responder_app.device import open_reader

from .conftest import Scene
from .udp_card import UdpCard


@pytest.fixture
def udp_card(scene: Scene) -> Iterator[UdpCard]:
    card = UdpCard(scene.world.band)  # type: ignore[arg-type]
    yield card
    card.close()


def test_session_over_nfcpy_udp(scene: Scene, udp_card: UdpCard) -> None:
    reader = open_reader(f"udp:127.0.0.1:{udp_card.port}")
    try:
        device = reader.wait_for_band(5.0)
        assert reader._clf.device.socket.getsockname()[0] == "127.0.0.1"  # type: ignore[attr-defined]
        session = scene.session(device)
        session.connect()
        scene.world.band.place_finger(DEMO_FINGER)
        session.release()
        outcome = session.read_record()
        session.close()
    finally:
        reader.close()
    assert not outcome.offline and outcome.view.allergies
    assert udp_card.apdus >= 4  # SELECT, BEGIN, POLLs, GET RESPONSEs went over the air


def test_no_band_on_the_udp_air(scene: Scene, udp_card: UdpCard) -> None:
    scene.world.band.remove()
    reader = open_reader(f"udp:127.0.0.1:{udp_card.port}")
    try:
        with pytest.raises(e.TransportError) as info:
            reader.wait_for_band(1.5)
    finally:
        reader.close()
    assert info.value.kind is e.TransportErrorKind.NO_BAND
