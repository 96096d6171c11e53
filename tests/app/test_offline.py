"""Offline reads and the outbox: the band's sealed summary is shown when the ledger or the
record store cannot be reached, the access is queued encrypted, and reaches the ledger exactly
once when the network returns. Nothing of the record is left on the tablet in clear."""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

from ledger_client.fhir import emergency_view, load_ips
from ledger_client.ledger.author import make_entry
from ledger_client.ledger.entries import EntryKind
from responder_app.demo import DEMO_FINGER
from responder_app.outbox import EventState

from .conftest import RECORD, Scene


def _access_nonces(scene: Scene) -> list[bytes]:
    ledger = scene.ledger()
    try:
        return [logged.entry.body.nonce for logged in ledger.entries()
                if logged.entry.kind == EntryKind.EMERGENCY_ACCESS]
    finally:
        ledger.close()


def _read_band(scene: Scene):  # type: ignore[no-untyped-def]
    session = scene.session()
    info = session.connect()
    scene.world.band.place_finger(DEMO_FINGER)
    session.release()
    outcome = session.read_record()
    session.close()
    return info, outcome


def _ledger_away(scene: Scene) -> tuple[Path, Path]:
    """Moves the ledger file away, as if the network share holding it were unreachable."""
    db = Path(scene.world.ledger_url.removeprefix("sqlite://"))
    away = db.with_name("elsewhere")
    away.mkdir()
    for path in db.parent.glob(db.name + "*"):
        path.rename(away / path.name)
    return db, away


def _ledger_back(db: Path, away: Path) -> None:
    for path in away.iterdir():
        path.rename(db.parent / path.name)


def test_offline_read_then_sync_reaches_the_ledger_exactly_once(scene: Scene) -> None:
    db, away = _ledger_away(scene)
    info, outcome = _read_band(scene)
    assert not info.online
    assert outcome.offline and outcome.logged_index is None
    assert outcome.view == emergency_view(load_ips(RECORD.read_bytes()))  # the band's summary
    assert any("queued" in note for note in outcome.notes)
    assert [event.event_id for event in scene.outbox.pending()] == [outcome.event.event_id]

    _ledger_back(db, away)
    ledger = scene.ledger()
    try:
        first = scene.outbox.flush(ledger)
        second = scene.outbox.flush(ledger)
    finally:
        ledger.close()
    assert (first.sent, first.still_queued) == (1, 0)
    assert (second.sent, second.already_on_ledger) == (0, 0)
    assert _access_nonces(scene) == [outcome.event.event_id]
    history = scene.outbox.history()
    assert history[0].state is EventState.SENT and history[0].event.offline


def test_a_sync_interrupted_after_the_append_does_not_send_twice(scene: Scene) -> None:
    """The tablet crashed after the ledger took the entry but before the row was marked."""
    db, away = _ledger_away(scene)
    _info, outcome = _read_band(scene)
    _ledger_back(db, away)
    ledger = scene.ledger()
    try:
        ledger.append(make_entry(ledger, scene.credentials.signing_key, outcome.event.body()))
        report = scene.outbox.flush(ledger)
    finally:
        ledger.close()
    assert (report.sent, report.already_on_ledger) == (0, 1)
    assert _access_nonces(scene) == [outcome.event.event_id]


def test_record_store_unreachable_falls_back_to_the_summary_but_logs_online(scene: Scene) -> None:
    store = scene.world.profile.store_dir
    store.rename(store.with_name("store-away"))
    info, outcome = _read_band(scene)
    assert info.online and outcome.offline
    assert outcome.logged_index is not None  # the ledger was there: logged at once
    assert _access_nonces(scene) == [outcome.event.event_id]


def test_a_flush_with_the_ledger_still_away_keeps_the_event(scene: Scene) -> None:
    db, away = _ledger_away(scene)
    _read_band(scene)
    report = scene.outbox.sync(scene.world.profile.open_ledger)
    assert (report.sent, report.still_queued) == (0, 1)
    assert len(scene.outbox.pending()) == 1
    _ledger_back(db, away)
    assert scene.outbox.sync(scene.world.profile.open_ledger).sent == 1
    assert scene.outbox.pending() == []


def test_nothing_of_the_record_stays_on_the_tablet_in_clear(scene: Scene, private_tmp: Path) -> None:
    _read_band(scene)                       # online
    db, away = _ledger_away(scene)
    _read_band(scene)                       # offline: summary
    _ledger_back(db, away)
    view = emergency_view(load_ips(RECORD.read_bytes()))
    needles = [view.patient.name, view.allergies[0].substance, view.contacts[0].name,
               "penicillin", "Martha", "anastrozole"]
    tablet = scene.world.profile.folder
    scene.outbox.close()
    files = [p for p in tablet.rglob("*") if p.is_file()]
    assert any(p.name.startswith("outbox.db") for p in files)
    for path in files:
        data = path.read_bytes()
        for needle in needles:
            assert needle.encode() not in data, f"{needle!r} in clear in {path}"
            assert needle.encode("utf-16-le") not in data
    assert list(private_tmp.iterdir()) == []          # no temporary files
    # the outbox rows themselves are ciphertext: no JSON, no patient address in clear
    rows = sqlite3.connect(tablet / "outbox.db").execute("SELECT sealed FROM events").fetchall()
    assert len(rows) == 2
    address = bytes.fromhex(scene.world.address[2:])
    for (sealed,) in rows:
        assert b"patient" not in sealed and address.hex().encode() not in sealed
    assert os.stat(tablet / "outbox.db").st_mode & 0o077 == 0
