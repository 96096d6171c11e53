"""Break-glass: the patient's finger cannot be read, and 3 of 5 authorities release the
emergency key for one access, only once the override is on the ledger; the patient's audit
shows it first. Real ledger file, real record store, real HPKE/AES-GCM/Shamir."""

from __future__ import annotations

from pathlib import Path

import pytest

from ledger_client.breakglass import (
    AnsweredEntries, BreakGlassKit, BreakGlassRefused, make_kit, new_request,
    recover_emergency_key, release_share)
from ledger_client.crypto import RecipientKey, SigningKey, address_bytes
from ledger_client.crypto.errors import DecryptError, MalformedBlob
from ledger_client.crypto.records import decrypt_record
from ledger_client.fhir import emergency_view, load_ips
from ledger_client.ledger.author import approve_break_glass, make_entry, write
from ledger_client.ledger.entries import AgencyRegistered, BreakGlass
from ledger_client.ledger.errors import Refusal, RefusedWrite
from ledger_client.ledger.sqlite import SqliteLedger
from ledger_client.store import open_store
from ledger_client.workflows.audit import audit_ledger
from responder_app import errors as e
from responder_app.demo import WRONG_FINGER
from sec_world import Scene


class Authorities:
    """Five registered agencies acting as break-glass authorities, the demo's among them."""

    def __init__(self, scene: Scene, tmp: Path) -> None:
        world = scene.world
        self.signing = [world.agency_key] + [SigningKey.generate() for _ in range(4)]
        self.recipient = [scene.credentials.agency_key] + [RecipientKey.generate() for _ in range(4)]
        with scene.ledger() as ledger:  # type: ignore[attr-defined]
            for i in range(1, 5):
                write(ledger, self.signing[i], AgencyRegistered(
                    f"Authority {i}", self.recipient[i].public_key().to_bytes()))
            self.ledger_key = ledger.public_key
        self.pubs = [s.verify_key.to_bytes() for s in self.signing]
        self.answered = [AnsweredEntries(tmp / f"answered-{i}") for i in range(5)]
        self.kit = make_kit(world.patient_ek, address_bytes(world.address),
                            [(p, r.public_key()) for p, r in zip(self.pubs, self.recipient)], k=3)

    def release(self, ledger: SqliteLedger, i: int, index: int, request) -> bytes:  # type: ignore[no-untyped-def]
        return release_share(self.kit, ledger=ledger, ledger_key=self.ledger_key,
                             entry_index=index, requester_key=request.one_time_key.public_key(),
                             agency_signing=self.signing[i], agency_recipient=self.recipient[i],
                             answered=self.answered[i])


@pytest.fixture
def auth(scene: Scene, tmp_path: Path) -> Authorities:
    return Authorities(scene, tmp_path)


def _finger_cannot_be_read(scene: Scene) -> None:
    """Burnt finger: the band never matches it and locks out (retries 2, 1, 0)."""
    scene.world.band.place_finger(WRONG_FINGER)
    for _ in range(3):
        session = scene.session()
        session.connect()
        with pytest.raises((e.WrongFinger, e.LockedOut)):
            session.release()
        session.close()


def _log_override(scene: Scene, auth: Authorities, approvers: list[int]):  # type: ignore[no-untyped-def]
    world = scene.world
    responder = world.responder_key.verify_key.to_bytes()
    request = new_request(responder, address_bytes(world.address), "unconscious, hands burnt")
    approvals = tuple(approve_break_glass(auth.signing[i], responder, request.body) for i in approvers)
    body = BreakGlass(request.body.patient, request.body.reason, request.body.nonce, approvals)
    with scene.ledger() as ledger:  # type: ignore[attr-defined]
        receipt = write(ledger, world.responder_key, body)
        entry = ledger.entry(receipt.index)
    return request, receipt.index, entry


def test_quorum_releases_the_key_for_one_access_and_the_audit_shows_it_first(
        scene: Scene, auth: Authorities) -> None:
    world = scene.world
    _finger_cannot_be_read(scene)
    request, index, entry = _log_override(scene, auth, [0, 2, 4])
    with scene.ledger() as ledger:  # type: ignore[attr-defined]
        answers = {auth.pubs[i]: auth.release(ledger, i, index, request) for i in (0, 2, 4)}
        anchor = ledger.latest_record(address_bytes(world.address))
    ek = recover_emergency_key(auth.kit, request, entry, answers)
    assert ek.to_bytes() == world.patient_ek.to_bytes()
    blob = open_store(world.profile.store_dir).get(anchor.ciphertext_sha256)
    plain = decrypt_record(blob, emergency_key=ek, patient=world.address, record_id="ips",
                           version=anchor.version)
    assert emergency_view(load_ips(plain)).patient.name == "Martha DeLarosa"
    with scene.ledger() as ledger:  # type: ignore[attr-defined]
        # one access: the same entry is never answered twice
        with pytest.raises(BreakGlassRefused, match="answered already"):
            auth.release(ledger, 0, index, request)
        report = audit_ledger(ledger, address_bytes(world.address), ledger_key=auth.ledger_key,
                              names={world.responder_key.verify_key.to_bytes(): "Demo Responder"})
    assert [o.index for o in report.overrides] == [index]
    assert [e.index for e in report.events if e.override] == [index]
    text = report.render_text()
    assert text.splitlines()[1].startswith("!! EMERGENCY OVERRIDE (break-glass)")
    assert "Demo Responder" in text and "approved by 3 authorities" in text


def test_no_share_before_the_override_is_on_the_ledger(scene: Scene, auth: Authorities) -> None:
    world = scene.world
    request = new_request(world.responder_key.verify_key.to_bytes(),
                          address_bytes(world.address), "no entry yet")
    with scene.ledger() as ledger:  # type: ignore[attr-defined]
        size = ledger.size()
        with pytest.raises(BreakGlassRefused, match="not on the ledger"):
            auth.release(ledger, 0, size, request)
        with pytest.raises(BreakGlassRefused, match="not a break-glass entry"):
            auth.release(ledger, 0, size - 1, request)


def test_ledger_refuses_an_override_without_a_quorum(scene: Scene, auth: Authorities) -> None:
    world = scene.world
    responder = world.responder_key.verify_key.to_bytes()
    request = new_request(responder, address_bytes(world.address), "one authority only")
    stranger = SigningKey.generate()  # signs, but is not a registered agency
    for approvers in ([auth.signing[0]], [auth.signing[0], stranger]):
        approvals = tuple(approve_break_glass(a, responder, request.body) for a in approvers)
        body = BreakGlass(request.body.patient, request.body.reason, request.body.nonce, approvals)
        with scene.ledger() as ledger:  # type: ignore[attr-defined]
            size = ledger.size()
            with pytest.raises(RefusedWrite) as refused:
                ledger.append(make_entry(ledger, world.responder_key, body))
            assert refused.value.reason is Refusal.QUORUM_NOT_MET and ledger.size() == size


def test_authorities_outside_the_approval_and_other_keys_get_nothing(
        scene: Scene, auth: Authorities) -> None:
    request, index, entry = _log_override(scene, auth, [0, 1])  # the ledger's quorum: 2
    with scene.ledger() as ledger:  # type: ignore[attr-defined]
        with pytest.raises(BreakGlassRefused, match="did not approve"):
            auth.release(ledger, 3, index, request)
        thief = new_request(request.responder, request.body.patient, request.body.reason)
        with pytest.raises(BreakGlassRefused, match="does not name this requester"):
            auth.release(ledger, 0, index, thief)  # redirect the share to another key
        answers = {auth.pubs[i]: auth.release(ledger, i, index, request) for i in (0, 1)}
    with pytest.raises(DecryptError, match="2 shares, 3 needed"):
        recover_emergency_key(auth.kit, request, entry, answers)  # k = 3 in this kit


def test_kit_is_checked_and_tampering_fails_closed(auth: Authorities) -> None:
    raw = auth.kit.to_bytes()
    assert BreakGlassKit.from_bytes(raw) == auth.kit
    for bad in (raw[:-1], raw + b"\x00", b"IBgk\x01\x01\x05" + raw[7:], raw[:4] + b"\x02" + raw[5:]):
        with pytest.raises(MalformedBlob):
            BreakGlassKit.from_bytes(bad)
    flipped = bytearray(raw)
    flipped[30] ^= 1  # inside the wrapped key's nonce (header is 27 bytes)
    kit = BreakGlassKit.from_bytes(bytes(flipped))
    with pytest.raises(DecryptError):
        kit.unwrap(bytes(32))


def test_the_ledger_refuses_the_same_override_twice(scene: Scene, auth: Authorities) -> None:
    """The review's replay: the same body and approvals appended again are refused."""
    world = scene.world
    request, index, entry = _log_override(scene, auth, [0, 2, 4])
    with scene.ledger() as ledger:  # type: ignore[attr-defined]
        size = ledger.size()
        with pytest.raises(RefusedWrite) as refused:
            write(ledger, world.responder_key, entry.body)
        assert refused.value.reason is Refusal.REPLAYED_BREAK_GLASS and ledger.size() == size


def _log_pre_fix_duplicate(scene: Scene, body: BreakGlass, monkeypatch: pytest.MonkeyPatch) -> int:
    """Append `body` again as a ledger without the replay rule did (an old ledger file)."""
    from ledger_client.ledger.sqlite_schema import SqliteState
    with monkeypatch.context() as patch:
        patch.setattr(SqliteState, "break_glass_logged", lambda self, patient, nonce: False)
        patch.setattr(SqliteState, "add_break_glass", lambda self, patient, nonce, index: None)
        with scene.ledger() as ledger:  # type: ignore[attr-defined]
            return write(ledger, scene.world.responder_key, body).index


def test_an_old_ledger_holding_the_override_twice_releases_once(
        scene: Scene, auth: Authorities, monkeypatch: pytest.MonkeyPatch) -> None:
    request, first, entry = _log_override(scene, auth, [0, 2, 4])
    second = _log_pre_fix_duplicate(scene, entry.body, monkeypatch)  # type: ignore[arg-type]
    assert second != first
    with scene.ledger() as ledger:  # type: ignore[attr-defined]
        answers = {auth.pubs[i]: auth.release(ledger, i, first, request) for i in (0, 2, 4)}
        for i in (0, 2, 4):  # the duplicate entry is proven on the ledger, yet: no new decision
            with pytest.raises(BreakGlassRefused, match="answered already"):
                auth.release(ledger, i, second, request)
    assert recover_emergency_key(auth.kit, request, entry, answers).to_bytes() == \
        scene.world.patient_ek.to_bytes()


def test_an_answered_file_of_the_per_entry_format_still_refuses_the_duplicate(
        scene: Scene, auth: Authorities, monkeypatch: pytest.MonkeyPatch) -> None:
    request, first, entry = _log_override(scene, auth, [0, 2, 4])
    second = _log_pre_fix_duplicate(scene, entry.body, monkeypatch)  # type: ignore[arg-type]
    with scene.ledger() as ledger:  # type: ignore[attr-defined]
        origin = ledger.checkpoint().origin
        auth.answered[0].path.write_text(f"{origin} {first}\n")  # answered before the upgrade
        with pytest.raises(BreakGlassRefused, match="answered already"):
            auth.release(ledger, 0, second, request)
        auth.release(ledger, 2, second, request)  # another authority never answered it
