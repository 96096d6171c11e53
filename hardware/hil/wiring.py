"""Which UART and pin ids the firmware uses, read from firmware/board.py (the one place the
pin map lives), so the harness joins each id to the right simulator.

board.py is MicroPython source; it is read as text (its top-level integer constants), never
imported, so a board file that imports `machine` costs nothing here.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from pathlib import Path

__all__ = ["Wiring", "read_wiring", "DEFAULT_WIRING"]


@dataclass(frozen=True)
class Wiring:
    """machine ids on the band: the sensor's UART, the PN532's UART, the USB-serial UART,
    and the factory-reset button (active low)."""

    sensor_uart: int
    nfc_uart: int
    usb_uart: int
    reset_button: int


# The reference build (hardware/README.md): UART1 sensor, UART2 PN532, UART0 = USB-serial
# REPL, GPIO0 = the BOOT button used as the reset button.
DEFAULT_WIRING = Wiring(sensor_uart=1, nfc_uart=2, usb_uart=0, reset_button=0)

# Names board.py may use for each id, first match wins.
_NAMES = {
    "sensor_uart": ("SENSOR_UART", "FINGERPRINT_UART", "FP_UART", "R503_UART"),
    "nfc_uart": ("NFC_UART", "PN532_UART"),
    "usb_uart": ("USB_UART", "SERIAL_UART", "HOST_UART", "REPL_UART"),
    "reset_button": ("RESET_BUTTON", "RESET_PIN", "BUTTON_PIN", "BUTTON"),
}


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
    """The ids board.py names; the reference build's for any it does not name."""
    try:
        constants = _int_constants(board_py.read_text())
    except (OSError, SyntaxError):
        return DEFAULT_WIRING
    chosen = {}
    for field, names in _NAMES.items():
        chosen[field] = next((constants[n] for n in names if n in constants),
                             getattr(DEFAULT_WIRING, field))
    return Wiring(**chosen)
