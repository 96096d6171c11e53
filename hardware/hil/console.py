"""A line console for a running simulated band: the developer's hand at the bench.

    finger NAME [wet|dry|partial]   place a finger on the sensor (any name; the same name
                                    that was enrolled matches)
    lift                            lift it
    tap / remove                    bring the band into the reader's field / take it away
    silent / resume                 the sensor stops / starts answering
    cut                             pull the battery (kill -9 the firmware)
    boot [held]                     power on again, optionally with the reset button held
    status                          firmware process, field, sensor library
    quit                            stop the band
"""

from __future__ import annotations

import threading
from typing import IO

from .band import SimulatedBand

__all__ = ["HELP", "Console"]

HELP = ("commands: finger NAME [wet|dry|partial] | lift | tap | remove | silent | resume | "
        "cut | boot [held] | status | quit")


class Console:
    """Reads commands from `source` in a thread; `stopped` is set on `quit` (never on EOF:
    a band started with no input keeps running until it is interrupted)."""

    def __init__(self, band: SimulatedBand, source: IO[str], out: IO[str]) -> None:
        self.band = band
        self._source = source
        self._out = out
        self.stopped = threading.Event()
        self._thread = threading.Thread(target=self._run, name="band-console", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def _say(self, text: str) -> None:
        self._out.write(text + "\n")
        self._out.flush()

    def _run(self) -> None:
        for line in self._source:
            words = line.split()
            if not words:
                continue
            try:
                reply = self.execute(words)
            except Exception as exc:  # a bad command must not end the band
                reply = f"error: {exc}"
            self._say(reply)
            if self.stopped.is_set():
                return

    def execute(self, words: list[str]) -> str:
        """Runs one command; returns what to print."""
        band, (verb, *args) = self.band, words
        assert band.sensor and band.field
        if verb == "finger" and 1 <= len(args) <= 2:
            band.sensor.place_finger(args[0], args[1] if len(args) == 2 else "good")
            return f"finger {args[0]} on the sensor"
        if verb == "lift" and not args:
            band.sensor.lift_finger()
            return "finger lifted"
        if verb in ("tap", "remove") and not args:
            getattr(band.field, verb)()
            return "band in the field" if verb == "tap" else "band out of the field"
        if verb in ("silent", "resume") and not args:
            (band.sensor.go_silent if verb == "silent" else band.sensor.resume)()
            return "sensor silent" if verb == "silent" else "sensor answering"
        if verb == "cut" and not args:
            band.power_cut()
            return "power cut"
        if verb == "boot" and args in ([], ["held"]):
            band.boot(button_held=bool(args))
            return f"firmware ready (pid {band.pid})"
        if verb == "status" and not args:
            state = f"running, pid {band.pid}" if band.running else "off"
            return (f"firmware {state}; band {'in' if band.field.band_in_field else 'out of'} "
                    f"the field; sensor library {band.sensor.enrolled()}")
        if verb == "quit" and not args:
            self.stopped.set()
            return "stopping"
        return f"unknown command {' '.join(words)!r}; {HELP}"
