"""Attacks on the release (DESIGN.md, Security): replay of a recorded release, relay with a
delayed answer, a stolen band with a wrong finger until lockout. The band is the unmodified
firmware applet with the simulated R503; the app is the real responder session."""

from __future__ import annotations

import pytest

from responder_app import errors as e
from responder_app import protocol as app_protocol
from responder_app import session as app_session
from responder_app.demo import DEMO_FINGER, WRONG_FINGER
from responder_app.device import BandDevice

from sec_world import Scene


class Recorder(BandDevice):
    """An NFC sniffer next to the patient: passes APDUs through and keeps both directions."""

    def __init__(self, inner: BandDevice) -> None:
        self.inner = inner
        self.log: list[tuple[bytes, bytes]] = []

    def transceive(self, apdu: bytes, timeout: float) -> bytes:
        response = self.inner.transceive(apdu, timeout)
        self.log.append((bytes(apdu), bytes(response)))
        return response

    def close(self) -> None:
        self.inner.close()


class Replayer(BandDevice):
    """A fake band (an emulator card) that answers with a recorded session, in order."""

    def __init__(self, log: list[tuple[bytes, bytes]]) -> None:
        self.answers = [response for _, response in log]

    def transceive(self, apdu: bytes, timeout: float) -> bytes:
        if not self.answers:
            raise e.TransportError(e.TransportErrorKind.LINK_LOST, "replay exhausted")
        return self.answers.pop(0)

    def close(self) -> None:
        pass


def _record_a_release(scene: Scene) -> tuple[Recorder, bytes]:
    """A legitimate access, sniffed; returns the recording and the challenge the app sent."""
    recorder = Recorder(scene.world.band.wait_for_band(1.0))
    session = scene.session(recorder)
    session.connect()
    scene.world.band.place_finger(DEMO_FINGER)
    session.release()
    session.read_record()
    session.close()
    scene.world.band.lift_finger()
    begin = next(apdu for apdu, _ in recorder.log if apdu[1] == 0x10)
    return recorder, begin[5:5 + 32]


def test_replayed_release_is_refused_by_the_hmac_and_nothing_is_logged(scene: Scene) -> None:
    recorder, _ = _record_a_release(scene)
    assert len(scene.accesses()) == 1
    session = scene.session(Replayer(recorder.log))
    session.connect()  # public facts replay fine: they are public
    with pytest.raises(e.ReplayDetected, match="does not answer this challenge"):
        session.release()
    with pytest.raises(e.SessionError, match="no successful release"):
        session.read_record()
    session.close()
    assert len(scene.accesses()) == 1


def test_replay_with_the_same_challenge_is_refused_by_the_counter(
        scene: Scene, monkeypatch: pytest.MonkeyPatch) -> None:
    """Even if the app drew the recorded challenge again (it draws 32 random bytes), the
    release counter must move forward: the HMAC matches, the counter gives the replay away."""
    recorder, challenge = _record_a_release(scene)
    monkeypatch.setattr(app_session.os, "urandom",
                        lambda n: challenge if n == 32 else bytes(n))
    session = scene.session(Replayer(recorder.log))
    session.connect()
    with pytest.raises(e.ReplayDetected, match="did not move forward"):
        session.release()
    session.close()
    assert len(scene.accesses()) == 1


class DelayingRelay(BandDevice):
    """A relay (two radios and a network between them) that adds `delay_s` per exchange."""

    def __init__(self, inner: BandDevice, clock: list[float], delay_s: float) -> None:
        self.inner, self.clock, self.delay_s = inner, clock, delay_s

    def transceive(self, apdu: bytes, timeout: float) -> bytes:
        self.clock[0] += self.delay_s
        return self.inner.transceive(apdu, timeout)

    def close(self) -> None:
        self.inner.close()


def test_relayed_release_that_answers_late_is_abandoned_and_not_logged(
        scene: Scene, monkeypatch: pytest.MonkeyPatch) -> None:
    """What bounds a relay: the app's release deadline (20 s, protocol.release) and the band's
    own 15 s finger window. A relay slow enough to wait out a distant patient's finger is cut
    off by the deadline; there is no distance bounding, so a fast relay is bounded only by
    needing the patient's finger on the band within the window, and is logged (T26)."""
    fake_now = [1000.0]
    monkeypatch.setattr(app_protocol.time, "monotonic", lambda: fake_now[0])
    relay = DelayingRelay(scene.world.band.wait_for_band(1.0), fake_now, delay_s=7.0)
    session = scene.session(relay)
    session.connect()
    # no finger yet: each POLL answers "waiting", each exchange costs the relay 7 s
    with pytest.raises(e.SessionError, match="no final answer within 20 s"):
        session.release()
    session.close()
    assert scene.accesses() == []


def test_stolen_band_locks_out_and_a_power_cycle_does_not_reset_it(scene: Scene) -> None:
    band = scene.world.band
    band.place_finger(WRONG_FINGER)
    retries = []
    for _ in range(3):
        session = scene.session()
        session.connect()
        with pytest.raises((e.WrongFinger, e.LockedOut)) as info:
            session.release()
        retries.append(getattr(info.value, "retries_left", 0))
        session.close()
    assert retries == [2, 1, 0]
    band.reboot()  # the thief pulls the battery
    session = scene.session()
    facts = session.connect().facts
    assert facts.attempts_left == 0 and 0 < facts.lockout_seconds <= 30
    band.place_finger(DEMO_FINGER)  # even the right finger waits out the lockout
    with pytest.raises(e.LockedOut) as locked:
        session.release()
    assert locked.value.seconds_left > 0
    session.close()
    assert scene.accesses() == []
