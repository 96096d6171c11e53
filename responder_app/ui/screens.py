"""The app's screens. Each is laid out once; the app fills in text as the session moves."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from kivy.metrics import dp
from kivy.uix.anchorlayout import AnchorLayout
from kivy.uix.boxlayout import BoxLayout
from kivy.uix.progressbar import ProgressBar
from kivy.uix.screenmanager import Screen
from kivy.uix.scrollview import ScrollView
from kivy.uix.textinput import TextInput

from ..outbox import HistoryItem
from .widgets import COLORS, BigButton, Heading, Text

__all__ = ["SignInScreen", "ReadyScreen", "BandScreen", "FingerScreen", "RecordScreen",
           "ErrorScreen", "HistoryScreen", "FINGER_WINDOW_S"]

FINGER_WINDOW_S = 15.0  # the band's own finger deadline (docs/protocol.md 2.2)


def _column(screen: Screen) -> BoxLayout:
    box = BoxLayout(orientation="vertical", padding=dp(24), spacing=dp(14))
    screen.add_widget(box)
    return box


def _row(*buttons: BigButton) -> AnchorLayout:
    anchor = AnchorLayout(size_hint_y=None, height=dp(80))
    row = BoxLayout(orientation="horizontal", spacing=dp(16), size_hint=(None, None),
                    height=dp(64), width=sum(b.width for b in buttons) + dp(16) * (len(buttons) - 1))
    for button in buttons:
        row.add_widget(button)
    anchor.add_widget(row)
    return anchor


class SignInScreen(Screen):
    def __init__(self, profile_name: str, **kwargs: object) -> None:
        super().__init__(name="signin", **kwargs)  # type: ignore[arg-type]
        box = _column(self)
        box.add_widget(Text("ICEband responder", size=34, bold=True, halign="center"))
        box.add_widget(Text(f"Responder on this tablet: {profile_name}", halign="center",
                            color=COLORS["muted"]))
        self.passphrase = TextInput(password=True, multiline=False, hint_text="passphrase",
                                    size_hint=(None, None), size=(dp(480), dp(56)),
                                    font_size=dp(24), pos_hint={"center_x": 0.5})
        box.add_widget(self.passphrase)
        self.sign_in = BigButton("Unlock my keys")
        box.add_widget(_row(self.sign_in))
        self.message = Text("", color=COLORS["danger"], halign="center")
        box.add_widget(self.message)
        box.add_widget(BoxLayout())


class ReadyScreen(Screen):
    def __init__(self, **kwargs: object) -> None:
        super().__init__(name="ready", **kwargs)  # type: ignore[arg-type]
        box = _column(self)
        self.banner = Text("", bg=COLORS["warning"], bold=True, opacity=0)
        box.add_widget(self.banner)
        box.add_widget(BoxLayout())
        box.add_widget(Text("Hold the patient's band to the reader", size=34, bold=True,
                            halign="center"))
        self.reader = Text("", halign="center", color=COLORS["muted"])
        box.add_widget(self.reader)
        box.add_widget(BoxLayout())
        self.history = BigButton("History", kind="panel")
        self.sign_out = BigButton("Sign out", kind="panel")
        box.add_widget(_row(self.history, self.sign_out))

    def show_queued(self, queued: int) -> None:
        self.banner.text = (f"OFFLINE: {queued} access(es) waiting to be logged on the ledger"
                            if queued else "")
        self.banner.opacity = 1 if queued else 0


class BandScreen(Screen):
    def __init__(self, **kwargs: object) -> None:
        super().__init__(name="band", **kwargs)  # type: ignore[arg-type]
        box = _column(self)
        box.add_widget(BoxLayout())
        box.add_widget(Text("Band found", size=34, bold=True, halign="center"))
        box.add_widget(Text("Patient not yet known: the record opens after the patient's "
                            "finger matches on the band.", halign="center"))
        self.details = Text("", halign="center", color=COLORS["muted"])
        box.add_widget(self.details)
        box.add_widget(BoxLayout())
        # The band's 15 s finger window starts with the release: let the responder first take
        # hold of the patient's hand.
        self.start = BigButton("Start: patient's finger", kind="ok", size=(dp(360), dp(64)))
        self.cancel = BigButton("Cancel", kind="panel")
        box.add_widget(_row(self.start, self.cancel))


class FingerScreen(Screen):
    def __init__(self, *, demo: bool, **kwargs: object) -> None:
        super().__init__(name="finger", **kwargs)  # type: ignore[arg-type]
        box = _column(self)
        box.add_widget(Text("Place the patient's finger on the band", size=34, bold=True,
                            halign="center"))
        self.retries = Text("", halign="center", size=22)
        box.add_widget(self.retries)
        self.status = Text("", halign="center", size=24, color=COLORS["muted"])
        box.add_widget(self.status)
        self.progress = ProgressBar(max=FINGER_WINDOW_S, value=0, size_hint_y=None, height=dp(24))
        box.add_widget(self.progress)
        self.elapsed = Text("", halign="center", color=COLORS["muted"])
        box.add_widget(self.elapsed)
        box.add_widget(BoxLayout())
        self.cancel = BigButton("Cancel", kind="panel")
        buttons = [self.cancel]
        self.demo_finger: BigButton | None = None
        if demo:  # the simulated band: the patient's finger is a button
            self.demo_finger = BigButton("Simulate: patient's finger", kind="ok",
                                            size=(dp(360), dp(64)))
            buttons.insert(0, self.demo_finger)
        box.add_widget(_row(*buttons))


class RecordScreen(Screen):
    def __init__(self, **kwargs: object) -> None:
        super().__init__(name="record", **kwargs)  # type: ignore[arg-type]
        box = _column(self)
        self.scroll = ScrollView(do_scroll_x=False)
        box.add_widget(self.scroll)
        self.logged = Text("", color=COLORS["muted"], size=14)
        box.add_widget(self.logged)
        self.done = BigButton("Done: close the record")
        box.add_widget(_row(self.done))
        self.view_widget: Any = None

    def show(self, widget: object, logged: str) -> None:
        self.scroll.clear_widgets()
        self.scroll.add_widget(widget)  # type: ignore[arg-type]
        self.scroll.scroll_y = 1
        self.view_widget = widget
        self.logged.text = logged

    def clear(self) -> None:
        self.scroll.clear_widgets()
        self.view_widget = None
        self.logged.text = ""


class ErrorScreen(Screen):
    def __init__(self, **kwargs: object) -> None:
        super().__init__(name="error", **kwargs)  # type: ignore[arg-type]
        box = _column(self)
        box.add_widget(BoxLayout())
        self.title_label = Text("", size=34, bold=True, halign="center", bg=COLORS["danger"])
        box.add_widget(self.title_label)
        self.message = Text("", size=22, halign="center")
        box.add_widget(self.message)
        self.detail = Text("", size=22, halign="center", color=COLORS["muted"])
        box.add_widget(self.detail)
        box.add_widget(BoxLayout())
        self.retry = BigButton("Try again", kind="ok")
        self.back = BigButton("Back", kind="panel")
        self._buttons = BoxLayout(size_hint_y=None, height=dp(80))
        box.add_widget(self._buttons)

    def show(self, title: str, message: str, *, colour: str, can_retry: bool) -> None:
        self.title_label.text = title
        self.title_label._bg_color.rgba = COLORS[colour]
        self.message.text = message
        self.detail.text = ""
        self.retry.disabled = not can_retry
        for button in (self.retry, self.back):
            if button.parent is not None:
                button.parent.remove_widget(button)
        self._buttons.clear_widgets()
        self._buttons.add_widget(_row(self.retry, self.back) if can_retry else _row(self.back))


class HistoryScreen(Screen):
    def __init__(self, **kwargs: object) -> None:
        super().__init__(name="history", **kwargs)  # type: ignore[arg-type]
        box = _column(self)
        box.add_widget(Text("Accesses from this tablet", size=30, bold=True))
        self.scroll = ScrollView(do_scroll_x=False)
        self.rows = BoxLayout(orientation="vertical", size_hint_y=None, spacing=dp(4))
        self.rows.bind(minimum_height=self.rows.setter("height"))
        self.scroll.add_widget(self.rows)
        box.add_widget(self.scroll)
        self.sync_result = Text("", color=COLORS["muted"])
        box.add_widget(self.sync_result)
        self.sync = BigButton("Send queued now", kind="accent")
        self.back = BigButton("Back", kind="panel")
        box.add_widget(_row(self.sync, self.back))

    def fill(self, items: list[HistoryItem]) -> None:
        self.rows.clear_widgets()
        if not items:
            self.rows.add_widget(Text("No accesses yet.", color=COLORS["muted"]))
        self.rows.add_widget(Heading("when · patient · how · ledger"))
        for item in items:
            event = item.event
            when = datetime.fromtimestamp(event.occurred_at_ms / 1000).strftime("%Y-%m-%d %H:%M:%S")
            state = (f"logged #{item.ledger_index}" if item.ledger_index is not None
                     else item.state.value)
            colour = {"sent": "panel", "queued": "warning", "refused": "danger"}[item.state.value]
            self.rows.add_widget(Text(
                f"{when} · patient 0x{event.patient.hex()[:10]}… · "
                f"{'offline summary' if event.offline else 'full record'} · {state}",
                bg=COLORS[colour]))
