"""Factory reset: only the physical button held while the band boots (docs/protocol.md 2.4).

No APDU can reach this; nothing but a hand on the band erases it.
"""

from micropython import const

TYPE_CHECKING = False  # mypy reads the block below; MicroPython never runs it
if TYPE_CHECKING:
    from fwtypes import InputPin, Sensor, Ticks
    from vault import Vault

__all__ = ["button_held", "button_at_boot", "factory_reset", "NOT_PRESSED", "SHORT_PRESS",
           "HELD"]

_SAMPLE_MS = const(50)
NOT_PRESSED = const(0)
SHORT_PRESS = const(1)  # pressed at boot, released before the hold time: maintenance (REPL)
HELD = const(2)  # held for the whole hold time: factory reset


def button_held(pin: "InputPin", clock: "Ticks", hold_ms: int) -> bool:
    """True when the active-low button reads pressed for the whole of `hold_ms`."""
    start = clock.ticks_ms()
    while clock.ticks_diff(clock.ticks_ms(), start) < hold_ms:
        if pin.value():
            return False
        clock.sleep_ms(_SAMPLE_MS)
    return not pin.value()


def button_at_boot(pin: "InputPin", clock: "Ticks", hold_ms: int) -> int:
    """NOT_PRESSED, SHORT_PRESS or HELD (active low)."""
    if pin.value():
        return NOT_PRESSED
    return HELD if button_held(pin, clock, hold_ms) else SHORT_PRESS


def factory_reset(vault: "Vault", sensor: "Sensor") -> bool:
    """Erases the vault, then the sensor's templates; False if the sensor did not answer (the
    vault is erased anyway: an unprovisioned band ignores any template left on the sensor,
    since enrolment empties the library first)."""
    vault.erase()
    try:
        sensor.empty()
        for _ in range(3):
            sensor.ring(2, 1)  # flashing red: "erased"
    except OSError:
        return False
    return True
