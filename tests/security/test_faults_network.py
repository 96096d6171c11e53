"""The network dropping mid-sync: the tablet's outbox sends queued access events while the
connection to the ledger fails at every call in turn, either before the call reaches the
ledger or after the ledger applied it but before the answer came back (a lost
acknowledgement). After the network returns, every event is on the ledger exactly once."""

from __future__ import annotations

from typing import Any

import pytest

from ledger_client.crypto import address_bytes
from ledger_client.ledger.entries import EntryKind
from ledger_client.ledger.errors import LedgerUnavailable
from ledger_client.ledger.protocol import Ledger
from responder_app.outbox import AccessEvent, EventState, Outbox, new_event_id
from sec_world import Scene

_CALLS = ("entries", "next_sequence", "append")


class DroppingLink:
    """The ledger behind a link that drops at call number `drop_at` (counting `_CALLS`)."""

    def __init__(self, ledger: Ledger, drop_at: int, after: bool) -> None:
        self._ledger, self.drop_at, self.after, self.calls = ledger, drop_at, after, 0

    def __getattr__(self, name: str) -> Any:
        real = getattr(self._ledger, name)
        if name not in _CALLS:
            return real

        def call(*args: Any, **kw: Any) -> Any:
            self.calls += 1
            if self.calls - 1 == self.drop_at and not self.after:
                raise LedgerUnavailable("connection reset (request lost)")
            result = real(*args, **kw)
            if name == "entries":
                result = list(result)  # the whole answer crosses the link
            if self.calls - 1 == self.drop_at and self.after:
                raise LedgerUnavailable("connection reset (answer lost)")
            return result
        return call


def _on_ledger(ledger: Ledger, event_ids: set[bytes]) -> list[bytes]:
    return [logged.entry.body.nonce for logged in ledger.entries()
            if logged.entry.kind == EntryKind.EMERGENCY_ACCESS
            and logged.entry.body.nonce in event_ids]


@pytest.mark.parametrize("after", [False, True], ids=["request-lost", "answer-lost"])
def test_every_queued_event_reaches_the_ledger_exactly_once(scene: Scene, after: bool) -> None:
    world = scene.world
    patient = address_bytes(world.address)
    counter = 100
    drops = 0
    with scene.ledger() as ledger:  # type: ignore[attr-defined]
        for drop_at in range(3 * 3 + 2):  # every call of a three-event flush, and beyond
            outbox = Outbox(scene.world.profile.outbox_path.with_name(f"outbox-{after}-{drop_at}"),
                            scene.credentials.signing_key)
            try:
                events = []
                for _ in range(3):
                    counter += 1
                    events.append(AccessEvent(new_event_id(), patient, world.device_id, counter,
                                              1_764_000_000_000 + counter, True))
                    outbox.add(events[-1])
                link = DroppingLink(ledger, drop_at, after)
                first = outbox.flush(link)  # type: ignore[arg-type]
                drops += link.calls > drop_at
                second = outbox.flush(ledger)
                assert second.still_queued == 0 and first.sent + second.sent + second.already_on_ledger == 3
                ids = {e.event_id for e in events}
                assert sorted(_on_ledger(ledger, ids)) == sorted(ids)  # once each, none lost
                assert {item.state for item in outbox.history()} == {EventState.SENT}
            finally:
                outbox.close()
    assert drops >= 9
