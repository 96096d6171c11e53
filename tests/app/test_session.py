"""The responder session end to end against the simulated band (see conftest: the firmware
applet on CPython with the simulated sensor), a real SQLite ledger and a real record store."""

from __future__ import annotations

import shutil
import threading
from pathlib import Path

import pytest

from ledger_client.ledger.entries import EmergencyAccess, EntryKind
from responder_app import errors as e
from responder_app.demo import DEMO_FINGER, WRONG_FINGER
from responder_app.device import BandDevice
from responder_app.outbox import EventState
from responder_app.protocol import BandProtocol, ReleaseProgress

from .conftest import Scene


def accesses(scene: Scene) -> list[EmergencyAccess]:
    ledger = scene.ledger()
    try:
        return [logged.entry.body for logged in ledger.entries()
                if logged.entry.kind == EntryKind.EMERGENCY_ACCESS]
    finally:
        ledger.close()


def test_match_shows_the_verified_record_and_logs_the_access(scene: Scene) -> None:
    session = scene.session()
    band = session.connect()
    assert band.online and band.facts.device_id == scene.world.device_id
    scene.world.band.place_finger(DEMO_FINGER)
    seen: list[ReleaseProgress] = []
    session.release(on_status=seen.append)
    outcome = session.read_record()
    session.close()

    assert seen[0] is ReleaseProgress.STARTED and ReleaseProgress.MATCHING in seen
    assert not outcome.offline and outcome.record_version == 1
    assert outcome.view.patient.name == "Martha DeLarosa"
    assert outcome.view.allergies[0].criticality == "high"
    logged = accesses(scene)
    assert len(logged) == 1
    assert logged[0].device_id == scene.world.device_id and logged[0].release_counter == 1
    assert logged[0].nonce == outcome.event.event_id and not logged[0].offline
    assert outcome.logged_index is not None
    assert [item.state for item in scene.outbox.history()] == [EventState.SENT]


def test_wrong_finger_is_refused_with_retries_left_and_nothing_is_logged(scene: Scene) -> None:
    session = scene.session()
    session.connect()
    scene.world.band.place_finger(WRONG_FINGER)
    with pytest.raises(e.WrongFinger) as info:
        session.release()
    assert info.value.retries_left == 2 and "2 tries left" in str(info.value)
    with pytest.raises(e.SessionError, match="no successful release"):
        session.read_record()
    session.close()
    assert accesses(scene) == []
    # the right finger afterwards still works, in a new session
    session = scene.session()
    session.connect()
    scene.world.band.place_finger(DEMO_FINGER)
    session.release()
    assert not session.read_record().offline
    session.close()


def test_lockout_after_three_wrong_fingers_reports_the_time_left(scene: Scene) -> None:
    session = scene.session()
    session.connect()
    scene.world.band.place_finger(WRONG_FINGER)
    for left in (2, 1):
        with pytest.raises(e.WrongFinger) as wrong:
            session.release()
        assert wrong.value.retries_left == left
    with pytest.raises(e.LockedOut) as third:
        session.release()
    assert 0 < third.value.seconds_left <= 30
    scene.world.band.place_finger(DEMO_FINGER)  # even the right finger must wait now
    with pytest.raises(e.LockedOut) as fourth:
        session.release()
    assert 0 < fourth.value.seconds_left <= 30 and "next try in" in str(fourth.value)
    session.close()
    again = scene.session().connect()
    assert again.facts.lockout_seconds > 0


def test_a_revoked_band_is_refused_before_any_release(scene: Scene) -> None:
    scene.world.revoke_band()
    session = scene.session()
    with pytest.raises(e.DeviceRevoked, match="revoked this band"):
        session.connect()
    with pytest.raises(e.SessionError):
        session.release()  # no facts: the session never got past connect
    session.close()
    assert accesses(scene) == []


def test_a_tampered_record_is_refused(scene: Scene) -> None:
    stored = next(p for p in scene.world.profile.store_dir.rglob("*") if p.is_file())
    data = bytearray(stored.read_bytes())
    data[-5] ^= 0x01
    stored.write_bytes(bytes(data))
    session = scene.session()
    session.connect()
    scene.world.band.place_finger(DEMO_FINGER)
    session.release()
    with pytest.raises(e.RecordTampered, match="hash differs from the ledger"):
        session.read_record()
    session.close()
    assert len(accesses(scene)) == 1  # the key was released: the access is logged anyway


class Recorder(BandDevice):
    """Passes APDUs through and keeps the answers: an eavesdropper on the NFC link."""

    def __init__(self, inner: BandDevice) -> None:
        self.inner = inner
        self.answers: list[tuple[bytes, bytes]] = []

    def transceive(self, apdu: bytes, timeout: float) -> bytes:
        answer = self.inner.transceive(apdu, timeout)
        self.answers.append((apdu, answer))
        return answer

    def close(self) -> None:
        self.inner.close()


class Replayer(BandDevice):
    """A fake band answering from a recording: SELECT and the release result, whatever the
    challenge (the attacker cannot compute the proof for a new one)."""

    def __init__(self, recording: list[tuple[bytes, bytes]]) -> None:
        self.by_ins = {apdu[1]: answer for apdu, answer in recording}

    def transceive(self, apdu: bytes, timeout: float) -> bytes:
        return self.by_ins[apdu[1]]

    def close(self) -> None:
        pass


def test_a_recorded_release_replayed_to_a_new_challenge_is_refused(scene: Scene) -> None:
    recorder = Recorder(scene.world.band.wait_for_band(1.0))
    session = scene.session(recorder)
    session.connect()
    scene.world.band.place_finger(DEMO_FINGER)
    session.release()
    session.read_record()
    session.close()

    replay = scene.session(Replayer(recorder.answers))
    replay.connect()
    with pytest.raises(e.ReplayDetected, match="does not answer this challenge"):
        replay.release()
    assert len(accesses(scene)) == 1


def test_a_band_rolled_back_to_an_old_counter_is_refused(scene: Scene, tmp_path: Path) -> None:
    """A cloned or rolled-back band answers a fresh challenge correctly but with a counter the
    tablet has already seen: refused."""
    band = scene.world.band
    vault = Path(band.state_dir) / "iceband"
    snapshot = tmp_path / "vault-before"
    shutil.copytree(vault, snapshot)
    for _ in range(2):
        session = scene.session()
        session.connect()
        band.place_finger(DEMO_FINGER)
        session.release()
        session.read_record()
        session.close()
    shutil.rmtree(vault)
    shutil.copytree(snapshot, vault)
    band.reboot()
    session = scene.session()
    session.connect()
    band.place_finger(DEMO_FINGER)
    with pytest.raises(e.ReplayDetected, match="did not move forward"):
        session.release()
    session.close()


def test_cancel_during_the_finger_wait_ends_the_release_on_the_band(scene: Scene) -> None:
    cancel = threading.Event()
    session = scene.session()
    session.connect()
    scene.world.band.lift_finger()

    def on_status(status: ReleaseProgress) -> None:
        if status is ReleaseProgress.WAITING_FOR_FINGER:
            cancel.set()

    with pytest.raises(e.Cancelled):
        session.release(on_status=on_status, cancel=cancel)
    # the band has no release running any more: a POLL is refused with 6985
    device = scene.world.band.wait_for_band(1.0)
    protocol = BandProtocol(device)
    protocol.select()
    assert protocol.send(0x80, 0x11, le=256)[1] == e.StatusWord.CONDITIONS_NOT_SATISFIED
    device.close()
    session.close()


def test_band_leaving_the_field_is_reported(scene: Scene) -> None:
    session = scene.session()
    session.connect()
    scene.world.band.remove()
    with pytest.raises(e.BandLost, match="hold it to the reader again"):
        session.release()
    session.close()
