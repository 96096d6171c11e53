"""Make CPython look like the MicroPython unix port to the band firmware.

`install()` adds MicroPython's tick and sleep functions to the `time` module and puts this
folder first on `sys.path`, so `import machine` and `import micropython` find the host
stand-ins. Call it before importing any firmware module. On MicroPython nothing is needed:
run with `MICROPYPATH=<repo>/hardware/host:<repo>/firmware:.frozen`.

The firmware may use only these MicroPython APIs beyond the common Python subset:
`machine.UART/Pin/reset/unique_id/freq/idle/lightsleep/reset_cause/disable_irq/enable_irq`,
`micropython.const`, `time.ticks_ms/ticks_us/ticks_diff/ticks_add/sleep_ms/sleep_us`.
"""

from __future__ import annotations

import os
import sys
import time

__all__ = ["HOST_DIR", "TICKS_PERIOD", "install", "ticks_add", "ticks_diff", "ticks_ms",
           "ticks_us"]

HOST_DIR = os.path.dirname(os.path.abspath(__file__))
# The ESP32's MICROPY_PY_TIME_TICKS_PERIOD (the 64-bit unix port wraps at 2**62): using the
# board's period makes wrap-around bugs show up on CPython within minutes of ticks, not never.
TICKS_PERIOD = 1 << 30
_HALF = TICKS_PERIOD // 2


def ticks_ms() -> int:
    return time.monotonic_ns() // 1_000_000 % TICKS_PERIOD


def ticks_us() -> int:
    return time.monotonic_ns() // 1_000 % TICKS_PERIOD


def ticks_cpu() -> int:
    return time.perf_counter_ns() % TICKS_PERIOD


def ticks_add(ticks: int, delta: int) -> int:
    return (ticks + delta) % TICKS_PERIOD


def ticks_diff(end: int, start: int) -> int:
    """Signed difference that survives one wrap, as MicroPython computes it."""
    return (end - start + _HALF) % TICKS_PERIOD - _HALF


def sleep_ms(ms: int) -> None:
    time.sleep(max(0, ms) / 1000)


def sleep_us(us: int) -> None:
    time.sleep(max(0, us) / 1_000_000)


def install() -> None:
    for name, function in (("ticks_ms", ticks_ms), ("ticks_us", ticks_us),
                           ("ticks_cpu", ticks_cpu), ("ticks_add", ticks_add),
                           ("ticks_diff", ticks_diff), ("sleep_ms", sleep_ms),
                           ("sleep_us", sleep_us)):
        if not hasattr(time, name):
            setattr(time, name, function)
    if HOST_DIR not in sys.path:
        sys.path.insert(0, HOST_DIR)
