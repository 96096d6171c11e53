"""Runs the real app in a real window (the display comes from the test's Xvfb) and clicks
through one scenario, as a script in its own process (Kivy's window is process-global).

    python tests/ui/driver.py SCENARIO RESULT.json SCREENSHOT_DIR

Each scenario is a generator: it yields a float (seconds to let frames render) or a predicate
to wait for (20 s at most); clicks are real touch events at the widget's window position, so
they go through the window's dispatch like a finger on the tablet. The result file lists
every check with its outcome and every screenshot taken.
"""

from __future__ import annotations

import gc
import json
import os
import shutil
import sys
import tempfile
import time
import traceback
import weakref
from pathlib import Path
from typing import Any, Callable, Iterator

SCENARIO, RESULT, SHOTS = sys.argv[1], Path(sys.argv[2]), Path(sys.argv[3])
STARTED = time.monotonic()

from responder_app.ui.app import ResponderApp  # noqa: E402  (first: it sizes the window)
from responder_app.ui.widgets import COLORS  # noqa: E402

from kivy.clock import Clock  # noqa: E402
from kivy.core.window import Window  # noqa: E402
from kivy.tests.common import UnitTestTouch  # noqa: E402

from responder_app.demo import DEMO_FINGER, WRONG_FINGER, build_demo_world  # noqa: E402
from responder_app.device import open_reader  # noqa: E402
from responder_app.hil_band import FirmwareBand  # noqa: E402
from responder_app.sim_band import SimulatedBand  # noqa: E402

RECORD = Path(__file__).resolve().parent.parent / "vectors" / "hl7-ips" / "bundle-minimal.json"
checks: list[dict[str, Any]] = []
shots: list[str] = []
timings: dict[str, float] = {}


def check(name: str, ok: bool, detail: object = "") -> None:
    checks.append({"name": name, "ok": bool(ok), "detail": str(detail)})


def click(widget: Any) -> None:
    x, y = widget.to_window(*widget.center)
    touch = UnitTestTouch(x, y)
    touch.touch_down()
    touch.touch_up()


def shot(name: str) -> None:
    saved = Window.screenshot(name=str(SHOTS / f"{SCENARIO}-{name}.png"))
    final = SHOTS / f"{SCENARIO}-{name}.png"
    os.replace(saved, final)
    shots.append(str(final))


def on(app: ResponderApp, screen: str) -> Callable[[], bool]:
    return lambda: app.manager.current == screen


def sign_in(app: ResponderApp, passphrase: str) -> Iterator[Any]:
    yield on(app, "signin")
    app.signin.passphrase.text = passphrase
    click(app.signin.sign_in)


def scenario_match(app: ResponderApp, world: Any) -> Iterator[Any]:
    yield from sign_in(app, "not the passphrase")
    yield lambda: app.signin.message.text not in ("", "Unlocking...")
    check("wrong passphrase is refused on screen", "passphrase" in app.signin.message.text,
          app.signin.message.text)
    yield 0.2
    shot("signin-error")
    world.band.remove()  # the band comes later: the ready screen waits
    yield from sign_in(app, world.passphrase)
    yield on(app, "ready")
    timings["cold_start_to_ready_s"] = time.monotonic() - STARTED
    yield 0.3
    shot("ready")
    world.band.tap()
    yield on(app, "band")
    yield 0.2
    check("band found shows tries left and the ledger check",
          "3 fingerprint tries left" in app.band.details.text
          and "not revoked" in app.band.details.text, app.band.details.text)
    shot("band-found")
    click(app.band.start)
    yield on(app, "finger")
    yield lambda: "Waiting" in app.finger.status.text
    yield 0.5
    check("finger screen shows tries left", "3 tries left" in app.finger.retries.text,
          app.finger.retries.text)
    check("finger screen shows a live wait", app.finger.progress.value > 0,
          app.finger.progress.value)
    shot("finger")
    click(app.finger.demo_finger)
    yield on(app, "record")
    yield 0.3
    widget = app.record.view_widget
    check("allergies come first", widget.section_order[0] == "allergies", widget.section_order)
    red = [tuple(label.background) for label in widget.high_criticality_labels]
    check("high criticality on red", red and all(c == COLORS["danger"] for c in red), red)
    check("access logged", "logged on the ledger" in app.record.logged.text, app.record.logged.text)
    shot("record")
    shown = weakref.ref(app.record.view_widget)
    del widget  # the scenario's own reference
    world.band.remove()  # the responder puts the band down
    click(app.record.done)
    yield on(app, "ready")
    yield 0.3
    gc.collect()
    check("record cleared from the screen", app.record.view_widget is None)
    check("no reference to the record's widgets is left", shown() is None)
    click(app.ready.history)
    yield on(app, "history")
    yield 0.3
    check("history lists the access", len(app.controller.history()) == 1)
    shot("history")


def start(app: ResponderApp) -> Iterator[Any]:
    yield on(app, "band")
    click(app.band.start)
    yield on(app, "finger")


def scenario_wrong(app: ResponderApp, world: Any) -> Iterator[Any]:
    yield from sign_in(app, world.passphrase)
    yield from start(app)
    click(app.finger.demo_finger)
    yield on(app, "error")
    yield 0.3
    check("wrong finger shown with retries", "2 tries left" in app.error.message.text,
          app.error.message.text)
    check("try again offered", not app.error.retry.disabled)
    shot("wrong-finger")
    click(app.error.retry)
    yield on(app, "finger")
    click(app.finger.demo_finger)
    yield on(app, "error")
    click(app.error.retry)
    yield on(app, "finger")
    click(app.finger.demo_finger)
    yield lambda: app.manager.current == "error" and app.error.title_label.text == "Locked out"
    yield 1.2
    check("lockout shows the time left", "next try possible in 0:" in app.error.detail.text,
          app.error.detail.text)
    check("no retry while locked out", app.error.retry.disabled)
    shot("locked-out")


def scenario_revoked(app: ResponderApp, world: Any) -> Iterator[Any]:
    world.revoke_band()
    yield from sign_in(app, world.passphrase)
    yield on(app, "error")
    yield 0.3
    check("revoked band refused", app.error.title_label.text == "Revoked band",
          app.error.title_label.text)
    shot("revoked")


def scenario_tampered(app: ResponderApp, world: Any) -> Iterator[Any]:
    stored = next(p for p in world.profile.store_dir.rglob("*") if p.is_file())
    data = bytearray(stored.read_bytes())
    data[-3] ^= 0x40
    stored.write_bytes(bytes(data))
    yield from sign_in(app, world.passphrase)
    yield from start(app)
    click(app.finger.demo_finger)
    yield on(app, "error")
    yield 0.3
    check("tampered record refused", app.error.title_label.text == "Tampered record",
          app.error.title_label.text)
    shot("tampered")


def scenario_offline(app: ResponderApp, world: Any) -> Iterator[Any]:
    db = Path(world.ledger_url.removeprefix("sqlite://"))
    away = db.parent / "away"
    away.mkdir()
    for path in list(db.parent.glob(db.name + "*")):
        path.rename(away / path.name)
    yield from sign_in(app, world.passphrase)
    yield from start(app)
    click(app.finger.demo_finger)
    yield on(app, "record")
    yield 0.3
    check("offline banner on the record", "OFFLINE" in app.record.view_widget.children[-1].text)
    check("access queued", "queued" in app.record.logged.text, app.record.logged.text)
    shot("record-offline")
    world.band.remove()
    click(app.record.done)
    yield lambda: app.manager.current == "ready" and app.ready.banner.opacity == 1
    yield 0.3
    check("ready screen shows the queued access", "1 access" in app.ready.banner.text,
          app.ready.banner.text)
    shot("ready-offline")
    for path in list(away.iterdir()):
        path.rename(db.parent / path.name)
    click(app.ready.history)
    yield on(app, "history")
    click(app.history.sync)
    yield lambda: app.history.sync_result.text.startswith("sent 1")
    yield 0.3
    check("queued access sent once", app.history.sync_result.text.startswith("sent 1,"),
          app.history.sync_result.text)
    shot("history-synced")


def scenario_radio(app: ResponderApp, world: Any) -> Iterator[Any]:
    """The whole stack: the firmware in its own process, the PN532 pair, nfcpy."""
    yield from sign_in(app, world.passphrase)
    yield from start(app)
    check("reader is the simulated PN532", "PN532" in app.ready.reader.text, app.ready.reader.text)
    click(app.finger.demo_finger)
    yield on(app, "record")
    yield 0.3
    check("record over the radio, logged", "logged on the ledger" in app.record.logged.text,
          app.record.logged.text)
    shot("record")


def scenario_no_reader(app: ResponderApp, world: Any) -> Iterator[Any]:
    yield from sign_in(app, world.passphrase)
    yield on(app, "error")
    yield 0.3
    check("no reader shown", app.error.title_label.text == "No reader", app.error.title_label.text)
    shot("no-reader")


SCENARIOS = {"match": scenario_match, "wrong": scenario_wrong, "revoked": scenario_revoked,
             "tampered": scenario_tampered, "offline": scenario_offline,
             "no_reader": scenario_no_reader, "radio": scenario_radio}


def main() -> int:
    SHOTS.mkdir(parents=True, exist_ok=True)
    home = Path(tempfile.mkdtemp(prefix="iceband-ui-"))
    band: Any = FirmwareBand() if SCENARIO == "radio" else SimulatedBand()
    world = build_demo_world(home, band=band, record=RECORD)
    band.tap()
    reader = open_reader("serial:/dev/no-such-reader") if SCENARIO == "no_reader" else band
    app = ResponderApp(world.profile, reader, demo_band=band,
                       demo_finger=WRONG_FINGER if SCENARIO == "wrong" else DEMO_FINGER)
    steps = SCENARIOS[SCENARIO](app, world)
    state: dict[str, Any] = {"wait": None, "until": 0.0, "deadline": 0.0}

    def advance(_dt: float) -> None:
        now = time.monotonic()
        try:
            if state["wait"] is not None:
                if not state["wait"]():
                    if now > state["deadline"]:
                        raise TimeoutError(f"waited 20 s; screen is {app.manager.current!r}")
                    return
                state["wait"] = None
                state["until"] = now + 0.15  # let the new screen lay out before touching it
            if now < state["until"]:
                return
            step = next(steps)
            if callable(step):
                state["wait"], state["deadline"] = step, now + 20
            else:
                state["until"] = now + float(step)
        except StopIteration:
            app.stop()
        except Exception:
            check("scenario ran to the end", False, traceback.format_exc())
            app.stop()

    Clock.schedule_interval(advance, 0.05)
    try:
        app.run()
    except BaseException:
        check("the app ran without an exception", False, traceback.format_exc())
        raise
    finally:
        band.close()
        shutil.rmtree(home, ignore_errors=True)
        RESULT.write_text(json.dumps({"checks": checks, "shots": shots, "timings": timings}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
