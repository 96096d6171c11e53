"""The app's controller without Kivy: the session in its worker thread, events to a listener
(here recorded; `post` runs them at once in the worker), against the in-process band."""

from __future__ import annotations

import queue
from pathlib import Path
from typing import Any, Callable

from responder_app import errors as e
from responder_app.demo import DEMO_FINGER, DemoWorld
from responder_app.ui.controller import Controller

from .conftest import Scene
from .test_offline import _ledger_away, _ledger_back


class Recorder:
    """Every listener call lands in a queue as (name, argument)."""

    def __init__(self) -> None:
        self.events: queue.Queue[tuple[str, Any]] = queue.Queue()

    def __getattr__(self, name: str) -> Callable[..., None]:
        return lambda *args: self.events.put((name, args[0] if len(args) == 1 else args))

    def next(self, name: str, timeout: float = 10.0) -> Any:
        while True:
            got, value = self.events.get(timeout=timeout)
            if got == name:
                return value


def _controller(world: DemoWorld) -> tuple[Controller, Recorder]:
    listener = Recorder()
    controller = Controller(world.profile, world.band, lambda call: call(), listener)  # type: ignore[arg-type]
    return controller, listener


def test_sign_in_scan_release_and_record(world: DemoWorld) -> None:
    controller, listener = _controller(world)
    try:
        controller.sign_in("wrong")
        assert "passphrase" in listener.next("sign_in_failed")
        controller.sign_in(world.passphrase)
        assert listener.next("signed_in") == "Demo Responder"
        controller.start_scan()
        info = listener.next("band_found")
        assert info.online and info.facts.device_id == world.device_id
        world.band.place_finger(DEMO_FINGER)
        controller.start_release()
        outcome = listener.next("record_shown")
        assert not outcome.offline and outcome.logged_index is not None
        assert len(controller.history()) == 1
    finally:
        controller.shutdown()


def test_revoked_band_is_refused(world: DemoWorld) -> None:
    world.revoke_band()
    controller, listener = _controller(world)
    try:
        controller.sign_in(world.passphrase)
        controller.start_scan()
        assert isinstance(listener.next("refused"), e.DeviceRevoked)
    finally:
        controller.shutdown()


def test_queued_access_is_sent_while_waiting_for_the_next_band(world: DemoWorld) -> None:
    scene = Scene(world)  # for the ledger helpers
    db, away = _ledger_away(scene)
    controller, listener = _controller(world)
    controller.sync_every_s = 0.2
    try:
        controller.sign_in(world.passphrase)
        controller.start_scan()
        assert not listener.next("band_found").online
        world.band.place_finger(DEMO_FINGER)
        controller.start_release()
        assert listener.next("record_shown").offline
        world.band.remove()
        controller.finish()
        controller.start_scan()
        assert listener.next("scanning")[1] == 1       # one access queued
        _ledger_back(db, away)
        while listener.next("scanning")[1] != 0:       # the network is back: sent
            pass
        assert [item.state.value for item in controller.history()] == ["sent"]
    finally:
        controller.shutdown()
        scene.close()


def test_cancel_stops_the_scan(world: DemoWorld, tmp_path: Path) -> None:
    world.band.remove()
    controller, listener = _controller(world)
    controller.sign_in(world.passphrase)
    controller.start_scan()
    listener.next("scanning")
    controller.cancel()
    controller.shutdown()  # returns: the scan loop saw the cancel
