"""`iceband sim ...`: simulated hardware from the command line.

`iceband sim band` starts a whole simulated band (the firmware in a host process, the
simulated fingerprint sensor, the simulated PN532 reader/card pair, a USB-serial pty pair),
prints the reader's device path (for nfcpy, or the responder app as `pty:PATH`) and the band's
USB-serial path (for `iceband band ... --port PATH`), and runs until Ctrl-C or `quit`. Lines
typed on its input act on the band (see hardware/hil/console.py).
"""

from __future__ import annotations

import argparse
import signal
import sys
from pathlib import Path
from types import FrameType

__all__ = ["register", "sim_subparsers"]

# The `sim` group's subparser action, for other areas to add simulators to.
sim_subparsers: argparse._SubParsersAction | None = None  # type: ignore[type-arg]


def _heap(text: str) -> str:
    digits = text[:-1] if text[-1:].lower() in ("k", "m") else text
    if not digits.isdigit() or int(digits) == 0:
        raise argparse.ArgumentTypeError(f"{text!r} is not a heap size like 64k, 1m or 131072")
    return text


def _band(args: argparse.Namespace) -> int:
    from ledger_client.cli import CliError

    from hardware.hil import FirmwareError, SimulatedBand
    from hardware.hil.console import HELP, Console
    from hardware.sim.fingerprint import Timing

    if args.heap and args.interpreter != "micropython":
        raise CliError("--heap caps the MicroPython heap: use it with --interpreter micropython")

    def progress(message: str) -> None:
        print(f"[sim band] {message}", file=sys.stderr, flush=True)

    def stop_on_term(signum: int, frame: FrameType | None) -> None:
        raise KeyboardInterrupt  # SIGTERM stops the band as Ctrl-C does: firmware killed

    previous = signal.signal(signal.SIGTERM, stop_on_term)
    band = None
    try:
        try:
            band = SimulatedBand(
                interpreter=args.interpreter, heapsize=args.heap,
                timing=Timing.named(args.timing),
                state_dir=args.state_dir, log_path=args.log, on_progress=progress,
                button_held=args.button_held)
        except (FirmwareError, OSError) as exc:
            raise CliError(f"the simulated band did not start: {exc}") from None
        print(f"reader: {band.reader_path}")
        print(f"serial: {band.serial_path}")
        print(f"state:  {band.state_dir}")
        print(f"log:    {band.log_path}")
        print(f"firmware pid: {band.pid} ({band.interpreter})")
        print(HELP, flush=True)
        console = Console(band, sys.stdin, sys.stdout)
        console.start()
        while not console.stopped.wait(0.2):
            pass
    except KeyboardInterrupt:
        pass
    finally:
        signal.signal(signal.SIGTERM, previous)
        if band is not None:
            band.close()
            progress("stopped")
    return 0


def register(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    from hardware.sim.fingerprint.sensor import Timing  # light: no simulator starts

    global sim_subparsers
    group = subparsers.add_parser(
        "sim", help="simulated hardware: a whole band with its sensor and NFC chips",
        description="Simulated hardware for development and the HIL tests.")
    sim_subparsers = group.add_subparsers(title="actions", required=True)
    band = sim_subparsers.add_parser(
        "band", help="start a simulated band and print its reader and USB-serial paths",
        description="Start the band firmware on this machine with a simulated fingerprint "
        "sensor, a simulated PN532 reader/card pair and a USB-serial pty; print the reader "
        "path (nfcpy's pn532 driver, or the responder app's pty:PATH) and the band's serial "
        "path (iceband band ... --port PATH); run until Ctrl-C. Lines on standard input act "
        "on the band: finger NAME, lift, tap, remove, silent, resume, cut, boot [held], status, "
        "quit.")
    band.add_argument("--interpreter", choices=("cpython", "micropython"), default="cpython",
                      help="run the firmware on CPython or on the MicroPython unix port "
                      "(default cpython)")
    band.add_argument("--heap", type=_heap, default=None, metavar="SIZE",
                      help="cap the MicroPython heap (e.g. 128k), as on the band")
    band.add_argument("--state-dir", type=Path, default=None, metavar="DIR",
                      help="the band's flash; kept between runs (default: a temporary folder)")
    band.add_argument("--log", type=Path, default=None, metavar="FILE",
                      help="write the firmware's output here (default: in the temporary folder)")
    band.add_argument("--timing", choices=Timing.NAMES, default="datasheet",
                      help="sensor timing: datasheet (R30x worst cases, the default), r503 (the R503 manual's figures) or instant")
    band.add_argument("--button-held", action="store_true",
                      help="boot with the reset button held (factory reset)")
    band.set_defaults(func=_band)
