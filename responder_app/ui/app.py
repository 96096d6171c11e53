"""The responder app: screens driven by the session controller's events.

    run_app(profile, reader)            # a real reader
    run_app(profile, band, demo_band=band, demo_finger=...)   # the simulated band (demo)
"""

from __future__ import annotations

import time
from typing import Any

from kivy.config import Config

Config.set("graphics", "width", "1280")   # the reference tablet's screen
Config.set("graphics", "height", "800")
Config.set("kivy", "exit_on_escape", "0")

from kivy.app import App  # noqa: E402  (after the window size is set)
from kivy.clock import Clock  # noqa: E402
from kivy.core.window import Window  # noqa: E402
from kivy.uix.screenmanager import NoTransition, ScreenManager  # noqa: E402

from .. import errors as e  # noqa: E402
from ..device import BandReader  # noqa: E402
from ..profile import TabletProfile  # noqa: E402
from ..protocol import ReleaseProgress  # noqa: E402
from ..session import BandInfo, Outcome  # noqa: E402
from .controller import Controller  # noqa: E402
from .record_view import EmergencyViewWidget  # noqa: E402
from .screens import (  # noqa: E402
    FINGER_WINDOW_S, BandScreen, ErrorScreen, FingerScreen, HistoryScreen, ReadyScreen,
    RecordScreen, SignInScreen)
from .widgets import COLORS  # noqa: E402

__all__ = ["ResponderApp", "run_app"]

_STATUS_TEXT = {
    ReleaseProgress.STARTED: "The band's sensor ring is lit.",
    ReleaseProgress.WAITING_FOR_FINGER: "Waiting for the finger...",
    ReleaseProgress.CAPTURING: "Finger seen: reading it...",
    ReleaseProgress.MATCHING: "Matching...",
}

# How each refusal is shown: colour of the title, and whether "Try again" makes sense.
_REFUSALS: dict[type, tuple[str, bool]] = {
    e.WrongFinger: ("warning", True),
    e.LockedOut: ("warning", False),
    e.DeviceRevoked: ("danger", False),
    e.RecordTampered: ("danger", False),
    e.ReplayDetected: ("danger", False),
    e.NoReader: ("warning", False),
    e.Cancelled: ("panel", False),
}


class ResponderApp(App):
    title = "ICEband responder"

    def __init__(self, profile: TabletProfile, reader: BandReader, *, demo_band: Any = None,
                 demo_finger: str | None = None, demo_passphrase: str | None = None) -> None:
        super().__init__()
        self.profile = profile
        self.reader = reader
        self.demo_band = demo_band
        self.demo_finger = demo_finger
        self.demo_passphrase = demo_passphrase
        self.records_shown = 0
        self.controller = Controller(profile, reader, self._post, self)
        self._finger_started = 0.0
        self._finger_clock: Any = None
        self._lockout_clock: Any = None
        self._lockout_left = 0

    def _post(self, call: Any) -> None:
        Clock.schedule_once(lambda _dt: call(), 0)

    # --- building --------------------------------------------------------------------------

    def build(self) -> ScreenManager:
        Window.clearcolor = COLORS["background"]
        self.manager = ScreenManager(transition=NoTransition())
        self.signin = SignInScreen(self.profile.name)
        self.ready = ReadyScreen()
        self.band = BandScreen()
        self.finger = FingerScreen(demo=self.demo_band is not None)
        self.record = RecordScreen()
        self.error = ErrorScreen()
        self.history = HistoryScreen()
        for screen in (self.signin, self.ready, self.band, self.finger, self.record,
                       self.error, self.history):
            self.manager.add_widget(screen)
        self.signin.sign_in.bind(on_release=lambda *_: self.do_sign_in())
        self.signin.passphrase.bind(on_text_validate=lambda *_: self.do_sign_in())
        self.ready.history.bind(on_release=lambda *_: self.show_history())
        self.ready.sign_out.bind(on_release=lambda *_: self.do_sign_out())
        self.finger.cancel.bind(on_release=lambda *_: self.controller.cancel())
        self.band.start.bind(on_release=lambda *_: self.start_release())
        self.band.cancel.bind(on_release=lambda *_: self.back_to_ready())
        if self.finger.demo_finger is not None:
            self.finger.demo_finger.bind(on_release=lambda *_: self.demo_place_finger())
        self.record.done.bind(on_release=lambda *_: self.close_record())
        self.error.retry.bind(on_release=lambda *_: self.retry())
        self.error.back.bind(on_release=lambda *_: self.back_to_ready())
        self.history.back.bind(on_release=lambda *_: self.back_to_ready())
        self.history.sync.bind(on_release=lambda *_: self.controller.sync(self._synced))
        if self.demo_passphrase:
            self.signin.passphrase.text = self.demo_passphrase
        return self.manager

    def on_stop(self) -> None:
        self.controller.shutdown()

    # --- actions -------------------------------------------------------------------------------

    def do_sign_in(self) -> None:
        self.signin.message.text = "Unlocking..."
        self.controller.sign_in(self.signin.passphrase.text)

    def do_sign_out(self) -> None:
        self.controller.sign_out()
        self.signin.passphrase.text = ""
        self.manager.current = "signin"

    def demo_place_finger(self) -> None:
        self.demo_band.place_finger(self.demo_finger)

    def start_release(self) -> None:
        self._enter_finger_screen()
        self.controller.start_release()

    def retry(self) -> None:
        if self.demo_band is not None:
            self.demo_band.lift_finger()  # the simulated patient's finger comes off the sensor
        self.start_release()

    def back_to_ready(self) -> None:
        self._stop_lockout_clock()
        self.manager.current = "ready"
        self.controller.start_scan()

    def close_record(self) -> None:
        self.record.clear()  # the record leaves the screen and memory
        self.controller.finish()
        if self.demo_band is not None:
            self.demo_band.lift_finger()
        self.back_to_ready()

    def show_history(self) -> None:
        self.controller.cancel()
        self.history.fill(self.controller.history())
        self.history.sync_result.text = ""
        self.manager.current = "history"

    def _synced(self, report: Any) -> None:
        self.history.sync_result.text = (f"sent {report.sent}, already logged "
                                         f"{report.already_on_ledger}, still queued "
                                         f"{report.still_queued}")
        self.history.fill(self.controller.history())

    # --- Listener: events from the session (on the UI thread) --------------------------------

    def signed_in(self, name: str) -> None:
        self.signin.passphrase.text = ""
        self.signin.message.text = ""
        self.manager.current = "ready"
        self.controller.start_scan()

    def sign_in_failed(self, message: str) -> None:
        self.signin.message.text = message

    def scanning(self, reader: str, queued: int) -> None:
        self.ready.reader.text = f"reader: {reader}"
        self.ready.show_queued(queued)

    def no_reader(self, message: str) -> None:
        self._show_error(e.NoReader(message))

    def band_found(self, info: BandInfo) -> None:
        facts = info.facts
        self.band.details.text = (f"band {facts.device_id.hex()[:8]}…  ·  "
                                  f"{facts.attempts_left} fingerprint tries left  ·  "
                                  + ("checked on the ledger: not revoked" if info.online
                                     else "ledger unreachable: offline"))
        self.finger.retries.text = f"{facts.attempts_left} tries left before a lockout"
        self.manager.current = "band"

    def _enter_finger_screen(self) -> None:
        self.finger.status.text = "Starting the band's sensor..."
        self.finger.progress.value = 0
        self._finger_started = time.monotonic()
        if self._finger_clock is None:
            self._finger_clock = Clock.schedule_interval(self._tick_finger, 0.1)
        self.manager.current = "finger"

    def _tick_finger(self, _dt: float) -> None:
        elapsed = min(time.monotonic() - self._finger_started, FINGER_WINDOW_S)
        self.finger.progress.value = elapsed
        self.finger.elapsed.text = f"{FINGER_WINDOW_S - elapsed:.0f} s left on the band"

    def _stop_finger_clock(self) -> None:
        if self._finger_clock is not None:
            self._finger_clock.cancel()
            self._finger_clock = None

    def finger_status(self, status: ReleaseProgress) -> None:
        self.finger.status.text = _STATUS_TEXT[status]

    def record_shown(self, outcome: Outcome) -> None:
        self._stop_finger_clock()
        widget = EmergencyViewWidget(outcome.view, offline=outcome.offline)
        logged = (f"access logged on the ledger (#{outcome.logged_index})"
                  if outcome.logged_index is not None
                  else "access queued: it will be logged when the network returns")
        self.record.show(widget, logged)
        self.records_shown += 1
        self.manager.current = "record"

    def refused(self, error: e.SessionError) -> None:
        self._show_error(error)

    def _show_error(self, error: e.SessionError) -> None:
        self._stop_finger_clock()
        colour, can_retry = _REFUSALS.get(type(error), ("danger", False))
        self.error.show(error.title, str(error), colour=colour, can_retry=can_retry)
        if isinstance(error, e.WrongFinger):
            self.finger.retries.text = f"{error.retries_left} tries left before a lockout"
        if isinstance(error, e.LockedOut):
            self._lockout_left = error.seconds_left
            self._tick_lockout(0)
            self._lockout_clock = Clock.schedule_interval(self._tick_lockout, 1.0)
        self.manager.current = "error"

    def _tick_lockout(self, _dt: float) -> None:
        left = self._lockout_left
        self.error.detail.text = (f"next try possible in {left // 60}:{left % 60:02d}"
                                  if left > 0 else "the band accepts a finger again")
        self._lockout_left = max(0, left - 1)

    def _stop_lockout_clock(self) -> None:
        if self._lockout_clock is not None:
            self._lockout_clock.cancel()
            self._lockout_clock = None


def run_app(profile: TabletProfile, reader: BandReader, **demo: Any) -> int:
    """Runs the app until its window closes; 0 if a record was shown, 1 otherwise."""
    app = ResponderApp(profile, reader, **demo)
    app.run()
    return 0 if app.records_shown else 1
