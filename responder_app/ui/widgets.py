"""Small Kivy building blocks: a wrapping label with a background, headings, buttons."""

from __future__ import annotations

from typing import Any

from kivy.graphics import Color, Rectangle
from kivy.metrics import dp, sp
from kivy.uix.button import Button
from kivy.uix.label import Label

__all__ = ["Text", "Heading", "BigButton", "COLORS"]

COLORS = {
    "background": (0.10, 0.11, 0.13, 1),
    "text": (0.95, 0.95, 0.95, 1),
    "muted": (0.70, 0.72, 0.75, 1),
    "danger": (0.80, 0.08, 0.08, 1),       # high-criticality allergies, revoked, tampered
    "warning": (0.95, 0.55, 0.05, 1),      # offline banner, wrong finger
    "ok": (0.10, 0.55, 0.25, 1),
    "panel": (0.17, 0.18, 0.21, 1),
    "accent": (0.15, 0.40, 0.75, 1),
}


class Text(Label):
    """A label that wraps to its width and grows to its text, with an optional background."""

    def __init__(self, text: str = "", *, bg: tuple[float, ...] | None = None,
                 size: float = 18, bold: bool = False, color: tuple[float, ...] | None = None,
                 halign: str = "left", **kwargs: Any) -> None:
        super().__init__(text=text, font_size=sp(size), bold=bold, halign=halign,
                         valign="middle", color=color or COLORS["text"], size_hint_y=None,
                         padding=(dp(10), dp(6)), markup=True, **kwargs)
        self.bind(width=self._rewrap, texture_size=self._grow)
        self._bg = None
        if bg is not None:
            with self.canvas.before:
                self._bg_color = Color(*bg)
                self._bg = Rectangle(pos=self.pos, size=self.size)
            self.bind(pos=self._move_bg, size=self._move_bg)

    def _rewrap(self, *_: object) -> None:
        self.text_size = (self.width, None)

    def _grow(self, *_: object) -> None:
        self.height = max(self.texture_size[1], dp(30))

    def _move_bg(self, *_: object) -> None:
        if self._bg is not None:
            self._bg.pos, self._bg.size = self.pos, self.size

    @property
    def background(self) -> tuple[float, ...] | None:
        return tuple(self._bg_color.rgba) if self._bg is not None else None


class Heading(Text):
    def __init__(self, text: str, **kwargs: Any) -> None:
        kwargs.setdefault("size", 20)
        super().__init__(text.upper(), bold=True, color=COLORS["muted"], **kwargs)


class BigButton(Button):
    def __init__(self, text: str, *, kind: str = "accent", **kwargs: Any) -> None:
        kwargs.setdefault("size_hint", (None, None))
        kwargs.setdefault("size", (dp(260), dp(64)))
        super().__init__(text=text, font_size=sp(22), background_normal="",
                         background_color=COLORS[kind], **kwargs)
