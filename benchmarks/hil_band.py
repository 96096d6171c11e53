"""Figures for the HIL harness: the real firmware in a host process on simulated chips.

    .venv/bin/python benchmarks/hil_band.py [--rounds 10] [--heap 128k]

For CPython and the MicroPython unix port: boot to ready (first boot, then a reboot after a
power cut), provisioning over USB serial (two presses, 700-byte blob), and a release with the
patient's finger (instant sensor timing) over USB serial and over NFC through nfcpy's pn532
driver. Median and maximum of each, in milliseconds.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from hardware.hil import SimulatedBand  # noqa: E402
from hardware.hil.target import SimTarget  # noqa: E402
from tests.hil.flows import provision, release  # noqa: E402


def _ms(samples: list[float]) -> str:
    return f"median {statistics.median(samples) * 1000:7.1f} ms, max {max(samples) * 1000:7.1f} ms"


def measure(interpreter: str, heap: str | None, rounds: int) -> dict[str, list[float]]:
    figures: dict[str, list[float]] = {k: [] for k in
                                       ("first boot", "reboot", "provision", "release serial",
                                        "release nfc")}
    for round_no in range(rounds):
        print(f"  {interpreter}: round {round_no + 1}/{rounds}", file=sys.stderr, flush=True)
        start = time.perf_counter()
        band = SimulatedBand(interpreter=interpreter, heapsize=heap)  # type: ignore[arg-type]
        figures["first boot"].append(time.perf_counter() - start)
        with SimTarget(band) as target:
            start = time.perf_counter()
            target.reboot()
            figures["reboot"].append(time.perf_counter() - start)
            start = time.perf_counter()
            provision(target)
            figures["provision"].append(time.perf_counter() - start)
            with target.wired() as device:
                start = time.perf_counter()
                release(device, target, "patient")
                figures["release serial"].append(time.perf_counter() - start)
            reader = target.nfc_reader()
            target.tap()
            with reader.wait_for_band(timeout=10) as nfc_band:
                start = time.perf_counter()
                release(nfc_band, target, "patient")
                figures["release nfc"].append(time.perf_counter() - start)
            target.remove()
            band.raise_if_crashed()
    return figures


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=10)
    parser.add_argument("--heap", default="128k", help="MicroPython heap cap (default 128k)")
    args = parser.parse_args()
    if args.rounds < 1:
        parser.error("--rounds must be at least 1")
    for interpreter in ("cpython", "micropython"):
        heap = args.heap if interpreter == "micropython" else None
        figures = measure(interpreter, heap, args.rounds)
        print(f"{interpreter}" + (f" (heap {heap})" if heap else ""))
        for name, samples in figures.items():
            print(f"  {name:15s} {_ms(samples)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
