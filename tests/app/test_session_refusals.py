"""More refusals of the session: an unregistered band, a revoked responder, a blob sealed to
another agency, an unprovisioned band, a card without the applet."""

from __future__ import annotations

import os
from typing import Iterator

import pytest

from ledger_client.crypto import RecipientKey, address_bytes
from ledger_client.ledger.author import write
from ledger_client.ledger.entries import DeviceRegistered, ResponderRevoked
from responder_app import errors as e
from responder_app.demo import DEMO_FINGER
from responder_app.emergency_blob import EmergencyPayload, seal_emergency_blob, seal_summary
from responder_app.provisioning import provision_band
from responder_app.sim_band import SimulatedBand

from .conftest import Scene
from .fakes import ScriptedDevice


@pytest.fixture
def second_band() -> Iterator[SimulatedBand]:
    with SimulatedBand() as band:
        yield band


def _provision(band: SimulatedBand, scene: Scene, *, agency: RecipientKey | None = None,
               register: bool, emergency_key: RecipientKey | None = None) -> bytes:
    """Provisions `band` for the demo patient; the blob is sealed to `agency` (default: the
    responder's own agency key)."""
    world = scene.world
    device_id, secret = os.urandom(16), os.urandom(32)
    recipient = (agency or scene.credentials.agency_key).public_key()
    with band.wired() as wired:
        provision_band(wired, device_id=device_id, address=address_bytes(world.address),
                       secret=secret,
                       sealed_blob=seal_emergency_blob(
                           EmergencyPayload(secret, emergency_key or world.patient_ek),
                           [recipient], device_id),
                       sealed_summary=seal_summary(b"x", [recipient], device_id),
                       press=lambda _n: band.place_finger(DEMO_FINGER), lift=band.lift_finger)
    band.lift_finger()
    if register:
        ledger = scene.ledger()
        try:
            write(ledger, world.hospital_key, DeviceRegistered(address_bytes(world.address),
                                                               device_id))
        finally:
            ledger.close()
    return device_id


def test_a_band_the_ledger_does_not_know_is_refused(scene: Scene,
                                                    second_band: SimulatedBand) -> None:
    _provision(second_band, scene, register=False)
    session = scene.session(second_band.wait_for_band(1.0))
    with pytest.raises(e.DeviceUnknown, match="not registered"):
        session.connect()
    session.close()


def test_a_blob_sealed_to_another_agency_is_refused(scene: Scene,
                                                    second_band: SimulatedBand) -> None:
    _provision(second_band, scene, agency=RecipientKey.generate(), register=True)
    session = scene.session(second_band.wait_for_band(1.0))
    session.connect()
    second_band.place_finger(DEMO_FINGER)
    with pytest.raises(e.ReleaseRefused, match="not sealed to your agency"):
        session.release()
    session.close()


def test_a_band_carrying_another_patients_key_is_refused(scene: Scene,
                                                         second_band: SimulatedBand) -> None:
    _provision(second_band, scene, register=True, emergency_key=RecipientKey.generate())
    session = scene.session(second_band.wait_for_band(1.0))
    session.connect()
    second_band.place_finger(DEMO_FINGER)
    with pytest.raises(e.ReleaseRefused, match="not the one registered"):
        session.release()
    session.close()


def test_a_revoked_responder_is_refused_before_the_release(scene: Scene) -> None:
    world = scene.world
    ledger = scene.ledger()
    try:
        write(ledger, world.agency_key,
              ResponderRevoked(world.responder_key.verify_key.to_bytes()))
    finally:
        ledger.close()
    session = scene.session()
    with pytest.raises(e.ReleaseRefused, match="not active"):
        session.connect()
    session.close()


def test_an_unprovisioned_band_is_refused(scene: Scene, second_band: SimulatedBand) -> None:
    session = scene.session(second_band.wait_for_band(1.0))
    with pytest.raises(e.NotProvisioned):
        session.connect()
    session.close()


def test_a_card_without_the_applet_is_refused(scene: Scene) -> None:
    device = ScriptedDevice([("00A4040009F049434542414E440100", "6A82")])
    session = scene.session(device)
    with pytest.raises(e.NotProvisioned, match="not an ICEband"):
        session.connect()
    session.close()
    assert device.closed
