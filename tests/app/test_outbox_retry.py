"""The outbox against refusals: a sequence race with the same responder's other tablet (the
security review's outbox_seq.py) is retried with a fresh sequence and the access reaches the
ledger exactly once; a refusal the ledger will repeat (a revoked band) is final."""

from __future__ import annotations

import time
from typing import Callable

from ledger_client.crypto import address_bytes
from ledger_client.ledger.author import write
from ledger_client.ledger.entries import EmergencyAccess, EntryKind, SignedEntry
from ledger_client.ledger.protocol import Ledger, Receipt
from responder_app.outbox import AccessEvent, EventState, new_event_id

from .conftest import Scene


class RacingLedger:
    """The real ledger; before each of our first `races` appends, the same responder appends
    an access from another tablet, so the sequence we signed is already taken."""

    def __init__(self, inner: Ledger, other: Callable[[], object], races: int) -> None:
        self.inner, self.other, self.races = inner, other, races

    def __getattr__(self, name: str) -> object:
        return getattr(self.inner, name)

    def append(self, entry: SignedEntry) -> Receipt:
        if self.races > 0:
            self.races -= 1
            self.other()
        return self.inner.append(entry)


def _queue_offline_access(scene: Scene) -> AccessEvent:
    event = AccessEvent(new_event_id(), address_bytes(scene.world.address), scene.world.device_id,
                        7, int(time.time() * 1000), offline=True)
    scene.outbox.add(event)
    return event


def _other_tablet(scene: Scene, ledger: Ledger) -> Callable[[], object]:
    patient = address_bytes(scene.world.address)
    return lambda: write(ledger, scene.world.responder_key, EmergencyAccess(
        patient, scene.world.device_id, 8, new_event_id(), 1, False))


def _logged(ledger: Ledger, event: AccessEvent) -> int:
    return sum(1 for logged in ledger.entries() if logged.entry.kind == EntryKind.EMERGENCY_ACCESS
               and logged.entry.body.nonce == event.event_id)


def test_a_sequence_race_is_retried_in_the_same_flush_and_sent_exactly_once(scene: Scene) -> None:
    event = _queue_offline_access(scene)
    ledger = scene.ledger()
    try:
        report = scene.outbox.flush(RacingLedger(ledger, _other_tablet(scene, ledger), races=1))
        again = scene.outbox.flush(ledger)
        assert (report.sent, report.refused, report.still_queued) == (1, 0, 0)
        assert (again.sent, again.already_on_ledger) == (0, 0)
        assert _logged(ledger, event) == 1
    finally:
        ledger.close()
    [item] = scene.outbox.history()
    assert item.state is EventState.SENT and item.ledger_index is not None


def test_a_race_lost_every_time_keeps_the_event_queued_for_the_next_flush(scene: Scene) -> None:
    event = _queue_offline_access(scene)
    ledger = scene.ledger()
    try:
        report = scene.outbox.flush(RacingLedger(ledger, _other_tablet(scene, ledger), races=99))
        assert (report.sent, report.refused, report.still_queued) == (0, 0, 1)
        [item] = scene.outbox.history()
        assert item.state is EventState.QUEUED and "bad_sequence" in (item.detail or "")
        assert _logged(ledger, event) == 0
        later = scene.outbox.flush(ledger)  # the other tablet is quiet now
        assert (later.sent, later.still_queued) == (1, 0)
        assert scene.outbox.flush(ledger).sent == 0
        assert _logged(ledger, event) == 1
    finally:
        ledger.close()
    assert scene.outbox.pending() == []


def test_a_refusal_the_ledger_will_repeat_marks_the_event_refused(scene: Scene) -> None:
    event = _queue_offline_access(scene)
    scene.world.revoke_band()
    ledger = scene.ledger()
    try:
        report = scene.outbox.flush(ledger)
        assert (report.sent, report.refused, report.still_queued) == (0, 1, 0)
        assert _logged(ledger, event) == 0
    finally:
        ledger.close()
    [item] = scene.outbox.history()
    assert item.state is EventState.REFUSED and "revoked_device" in (item.detail or "")
    assert scene.outbox.pending() == []
