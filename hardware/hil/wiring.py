"""Which UART and pin ids the firmware uses, read from firmware/board.py (the one place the
pin map lives), so the harness joins each id to the right simulator.

board.py is MicroPython source; it is read as text (its top-level integer constants), never
imported, so a board file that imports `machine` costs nothing here.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from pathlib import Path

__all__ = ["Wiring", "WiringError", "read_wiring"]


@dataclass(frozen=True)
class Wiring:
    """machine ids on the band: the sensor's UART, the PN532's UART, the USB-serial UART,
    and the factory-reset button (active low)."""

    sensor_uart: int
    nfc_uart: int
    usb_uart: int
    reset_button: int


# board.py's names for each id.
_NAMES = {
    "sensor_uart": "SENSOR_UART",
    "nfc_uart": "NFC_UART",
    "usb_uart": "USB_UART",
    "reset_button": "RESET_BUTTON",
}


class WiringError(Exception):
    """board.py is missing, unreadable, or does not name an id the harness needs."""


def _int_constants(source: str) -> dict[str, int]:
    """NAME = 3 and NAME = const(3) at module level."""
    found: dict[str, int] = {}
    for node in ast.parse(source).body:
        if not isinstance(node, ast.Assign) or len(node.targets) != 1:
            continue
        target, value = node.targets[0], node.value
        if isinstance(value, ast.Call) and getattr(value.func, "id", "") == "const" \
                and len(value.args) == 1:
            value = value.args[0]
        if isinstance(target, ast.Name) and isinstance(value, ast.Constant) \
                and isinstance(value.value, int) and not isinstance(value.value, bool):
            found[target.id] = value.value
    return found


def read_wiring(board_py: Path) -> Wiring:
    """The ids board.py names; a board file without one of them is an error, not a guess."""
    try:
        constants = _int_constants(board_py.read_text())
    except (OSError, SyntaxError) as exc:
        raise WiringError(f"cannot read the pin map {board_py}: {exc}") from exc
    missing = [name for name in _NAMES.values() if name not in constants]
    if missing:
        raise WiringError(f"{board_py} does not name {', '.join(missing)}")
    return Wiring(**{field: constants[name] for field, name in _NAMES.items()})
