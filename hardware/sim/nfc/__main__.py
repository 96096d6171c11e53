"""`python -m hardware.sim.nfc`: serve a simulated PN532 pair by hand.

Prints the reader pty (for nfcpy: `nfc.clf.pn532.init(nfc.clf.transport.TTY(path))`) and the
card pty (for the band's UART), then reads `tap`, `remove`, `status` or `quit` from stdin.
"""

from __future__ import annotations

import argparse
import sys

from .field import SimulatedField


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m hardware.sim.nfc", description=__doc__)
    parser.add_argument("--realistic", action="store_true",
                        help="wire time at the chips' baud rates and air time at 106 kbit/s")
    args = parser.parse_args(argv)
    with SimulatedField(realistic=args.realistic) as field:
        print(f"reader {field.reader_path}", flush=True)
        print(f"card {field.card_path}", flush=True)
        actions = {"tap": field.tap, "remove": field.remove}
        try:
            for line in sys.stdin:
                word = line.strip()
                if word in ("quit", "exit"):
                    break
                if word in actions:
                    actions[word]()
                elif word and word != "status":
                    print(f"unknown command {word!r}: tap, remove, status, quit", flush=True)
                    continue
                print(f"band {'in' if field.band_in_field else 'out of'} field, "
                      f"carrier {'on' if field.carrier_on else 'off'}, "
                      f"card {field.card_state.value}", flush=True)
        except KeyboardInterrupt:
            pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
