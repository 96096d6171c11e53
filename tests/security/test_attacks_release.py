"""Attacks on the release (DESIGN.md, Security): replay of a recorded release, relay with a
delayed answer, a stolen band with a wrong finger until lockout, a forged band offline. The band is the unmodified
firmware applet with the simulated R503; the app is the real responder session."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from ledger_client.crypto import RecipientKey, RecipientPublicKey
from ledger_client.crypto.address import address_bytes
from ledger_client.fhir import emergency_view, encode_summary, load_ips
from ledger_client.ledger.errors import LedgerUnavailable
from ledger_client.ledger.protocol import Ledger
from responder_app import errors as e
from responder_app import protocol as app_protocol
from responder_app import session as app_session
from responder_app.demo import DEMO_FINGER, WRONG_FINGER
from responder_app.device import BandDevice
from responder_app.emergency_blob import EmergencyPayload, seal_emergency_blob, seal_summary
from responder_app.outbox import Outbox

from sec_world import Scene

VECTORS = Path(__file__).resolve().parents[1] / "vectors" / "hl7-ips"


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


def _tlv(tag: int, value: bytes) -> bytes:
    n = len(value)
    head = (bytes([tag, n]) if n < 0x80 else bytes([tag, 0x81, n]) if n < 0x100
            else bytes([tag, 0x82, n >> 8, n & 0xFF]))
    return head + value


class ForgedBand(BandDevice):
    """An emulator card that names the real patient and band id but carries the forger's own
    device secret and a fake EK, sealed to the agency's public key (public on the ledger), and
    answers every release with counter 4,000,000,000 (the security review's forged_band.py)."""

    COUNTER = 4_000_000_000

    def __init__(self, device_id: bytes, address: bytes, agency: RecipientPublicKey) -> None:
        self.device_id, self.address = device_id, address
        self.secret = os.urandom(32)
        self.blob = seal_emergency_blob(EmergencyPayload(self.secret, RecipientKey.generate()),
                                        [agency], device_id)
        view = emergency_view(load_ips((VECTORS / "IPS-bundle-01.xml").read_bytes()))
        self.summary = seal_summary(encode_summary(view), [agency], device_id)
        self.pending, self.challenge = b"", b""

    def _out(self, body: bytes) -> bytes:
        head, self.pending = body[:240], body[240:]
        left = len(self.pending)
        sw = 0x9000 if not left else 0x6100 | (left if left < 256 else 0)
        return head + sw.to_bytes(2, "big")

    def transceive(self, apdu: bytes, timeout: float) -> bytes:
        ins = apdu[1]
        if ins == 0xA4:  # SELECT: provisioned, the real band's id and patient
            return self._out(_tlv(0x80, b"\1") + _tlv(0x81, self.device_id)
                             + _tlv(0x82, self.address) + _tlv(0x83, b"\1") + _tlv(0x84, b"\3")
                             + _tlv(0x85, bytes(4))
                             + _tlv(0x86, len(self.summary).to_bytes(2, "big")))
        if ins == 0xC0:
            return self._out(self.pending)
        if ins == 0x10:  # BEGIN
            self.challenge = apdu[5:37]
            return b"\x90\x00"
        if ins == 0x11:  # POLL: "matched" at once
            counter = self.COUNTER.to_bytes(4, "big")
            proof = app_session.release_proof(self.secret, self.challenge, self.blob, self.COUNTER)
            return self._out(_tlv(0x90, counter) + _tlv(0x91, proof) + _tlv(0x92, self.blob))
        if ins == 0x20:  # READ SUMMARY
            offset, le = (apdu[2] << 8) | apdu[3], apdu[4] or 256
            return self.summary[offset:offset + min(le, 240)] + b"\x90\x00"
        if ins == 0x12:
            return b"\x90\x00"
        return b"\x6d\x00"

    def close(self) -> None:
        pass


def _offline() -> Ledger:
    raise LedgerUnavailable("network down")


def _real_release(scene: Scene, outbox: Outbox, device: BandDevice | None = None) -> int:
    """An online release of the real band on the tablet of `outbox`; its logged counter."""
    session = scene.session(device, outbox=outbox)
    assert session.connect().online
    scene.world.band.place_finger(DEMO_FINGER)
    try:
        session.release()
        outcome = session.read_record()
    finally:
        session.close()
        scene.world.band.lift_finger()
    assert not outcome.offline and outcome.logged_index is not None
    return outcome.event.release_counter


def test_forged_band_offline_does_not_lock_the_real_band_out(scene: Scene, tmp_path: Path) -> None:
    """Offline nothing authenticates the band (threat model T28): the forged band's summary is
    shown, marked offline, and its access is queued and logged as offline. But its counter
    raises no replay floor, on this tablet or on the ledger, so the real band still releases
    online here and on a fresh tablet."""
    agency = scene.credentials.agency_key.public_key()
    forged = ForgedBand(scene.world.device_id, address_bytes(scene.world.address), agency)
    session = scene.session(forged, ledger=_offline)
    assert not session.connect().online
    session.release()
    outcome = session.read_record()
    session.close()
    assert outcome.offline and outcome.event.offline
    assert outcome.event.release_counter == ForgedBand.COUNTER
    assert scene.outbox.last_counter(scene.world.device_id) == 0  # the floor did not move
    assert scene.outbox.sync(scene.world.profile.open_ledger).sent == 1
    logged = [a for a in scene.accesses() if a.release_counter == ForgedBand.COUNTER]
    assert len(logged) == 1 and logged[0].offline  # on the ledger, as an offline access

    first = _real_release(scene, scene.outbox)
    assert scene.outbox.last_counter(scene.world.device_id) == first  # authenticated: floor
    fresh = Outbox(tmp_path / "fresh-tablet.db", scene.credentials.signing_key)
    try:
        assert _real_release(scene, fresh) > first
    finally:
        fresh.close()


def test_after_a_forged_offline_band_a_replayed_online_release_is_still_refused(
        scene: Scene, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Leaving offline accesses out of the floor keeps the online replay check: a recorded
    online release, replayed with the same challenge on a fresh tablet, is refused by the
    counter the ledger logged online."""
    agency = scene.credentials.agency_key.public_key()
    forged = ForgedBand(scene.world.device_id, address_bytes(scene.world.address), agency)
    session = scene.session(forged, ledger=_offline)
    session.connect()
    session.release()
    session.close()
    scene.outbox.sync(scene.world.profile.open_ledger)
    recorder, challenge = _record_a_release(scene)
    monkeypatch.setattr(app_session.os, "urandom",
                        lambda n: challenge if n == 32 else bytes(n))
    fresh = Outbox(tmp_path / "fresh-tablet.db", scene.credentials.signing_key)
    replay = scene.session(Replayer(recorder.log), outbox=fresh)
    replay.connect()
    with pytest.raises(e.ReplayDetected, match="did not move forward"):
        replay.release()
    replay.close()
    fresh.close()
    assert len(scene.accesses()) == 2  # the forged offline access and the real one


def test_forged_band_online_is_refused_and_nothing_is_logged(scene: Scene) -> None:
    """Online the same forgery fails: the blob's EK is not the patient's registered one."""
    agency = scene.credentials.agency_key.public_key()
    forged = ForgedBand(scene.world.device_id, address_bytes(scene.world.address), agency)
    session = scene.session(forged)
    assert session.connect().online
    with pytest.raises(e.ReleaseRefused, match="emergency key is not the one registered"):
        session.release()
    session.close()
    assert scene.accesses() == []
    assert scene.outbox.last_counter(scene.world.device_id) == 0
