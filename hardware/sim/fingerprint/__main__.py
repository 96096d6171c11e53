"""Run a simulated fingerprint sensor until interrupted, for trying drivers by hand:

    python -m hardware.sim.fingerprint [--timing datasheet] [--tcp] [--enroll NAME:SLOT ...]

Prints the pty path (and TCP address) on stdout, one per line, then serves until Ctrl-C.
"""

from __future__ import annotations

import argparse
import signal
import sys
import threading

from .sensor import Timing
from .server import SimulatedSensor


def _enrolment(text: str) -> tuple[str, int]:
    name, sep, slot = text.rpartition(":")
    if not sep or not name or not slot.isdigit():
        raise argparse.ArgumentTypeError(f"expected NAME:SLOT, got {text!r}")
    return name, int(slot)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m hardware.sim.fingerprint",
                                     description="Serve a simulated R503 on a pty.")
    parser.add_argument("--timing", choices=Timing.NAMES, default="instant")
    parser.add_argument("--tcp", action="store_true", help="also listen on 127.0.0.1")
    parser.add_argument("--enroll", type=_enrolment, action="append", default=[],
                        metavar="NAME:SLOT", help="a finger stored before the first command")
    args = parser.parse_args(argv)
    timing = Timing.named(args.timing)
    stop = threading.Event()
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    with SimulatedSensor(timing=timing, tcp=args.tcp) as sensor:
        for name, slot in args.enroll:
            try:
                sensor.enroll(name, slot)
            except ValueError as exc:
                parser.error(str(exc))
        print(sensor.port, flush=True)
        if sensor.tcp_address:
            print("tcp:%s:%d" % sensor.tcp_address, flush=True)
        stop.wait()
        print(f"served {sensor.packets_received} packets", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
