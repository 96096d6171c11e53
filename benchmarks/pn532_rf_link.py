"""Figures for the simulated PN532 pair, read through nfcpy's unmodified pn532 driver.

    .venv/bin/python benchmarks/pn532_rf_link.py [--rounds 200]

Prints, for instant and realistic timing: nfcpy init (wake-up, SAM, baud change, line test,
RF settings), tap-to-Type4Tag, and the APDU round trip (short and 600-byte chained answer),
reader -> RF -> card-mode chip -> firmware stand-in on its UART -> back. Then how a 2 s card
answer travels (number of S(WTX) frames).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import nfc  # noqa: E402
import nfc.clf.pn532  # noqa: E402
import nfc.clf.transport  # noqa: E402
import serial  # noqa: E402

from hardware.sim.nfc import CardState, SimulatedField  # noqa: E402
from hardware.sim.nfc.frames import ACK, EventKind, FrameReader, build_command  # noqa: E402

LONG = bytes(600)


class CardLoop:
    """Just enough firmware: arm, then answer each APDU (0x88: after 2 s) until stopped."""

    def __init__(self, path: str) -> None:
        self.port = serial.Serial(path, 115200, timeout=0.02)
        self.reader = FrameReader()
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self.run, daemon=True)
        self.thread.start()

    def command(self, code: int, data: bytes = b"") -> bytes:
        self.port.write(b"\x55\x55\x00\x00\x00" + build_command(code, data))
        while not self.stop.is_set():
            for event in self.reader.feed(self.port.read(max(1, self.port.in_waiting))):
                if event.kind is EventKind.FRAME:
                    return event.data
        raise EOFError

    def run(self) -> None:
        try:
            self.command(0x14, b"\x01")
            while True:
                self.command(0x8C, b"\x05\x04\x00\x12\x34\x56\x20" + bytes(28) + b"\x00\x00")
                while True:
                    got = self.command(0x86)
                    if got[0] == 0x29:
                        break
                    answer = LONG if got[2] == 0xC0 else b""
                    if got[2] == 0x88:
                        time.sleep(2)
                    while len(answer) > 260:
                        self.command(0x94, answer[:262])
                        answer = answer[262:]
                    self.command(0x8E, answer + b"\x90\x00")
        except EOFError:
            pass

    def close(self) -> None:
        self.stop.set()
        self.port.write(ACK)
        self.thread.join(timeout=5)
        self.port.close()


def measure(realistic: bool, rounds: int) -> None:
    label = "realistic" if realistic else "instant"
    with SimulatedField(realistic=realistic) as field:
        card = CardLoop(field.card_path)
        started = time.perf_counter()
        device = nfc.clf.pn532.init(nfc.clf.transport.TTY(field.reader_path))
        device._path = field.reader_path
        init_s = time.perf_counter() - started
        clf = nfc.ContactlessFrontend()
        clf.device = device
        while field.card_state is not CardState.ARMED:
            time.sleep(0.01)
        field.tap()
        started = time.perf_counter()
        tag = clf.connect(rdwr={"on-connect": lambda tag: False, "beep-on-connect": False})
        connect_s = time.perf_counter() - started
        print(f"[{label}] nfcpy init {init_s * 1e3:.1f} ms, tap to Type4Tag {connect_s * 1e3:.1f} ms")
        for name, apdu in (("short APDU", b"\x00\xb0\x00\x00\x02"),
                           ("600-byte answer", b"\x00\xc0\x00\x00\x00")):
            times = []
            for i in range(rounds):
                started = time.perf_counter()
                tag.transceive(apdu)
                times.append(time.perf_counter() - started)
                if (i + 1) % max(1, rounds // 4) == 0:
                    print(f"  {name}: {i + 1}/{rounds}", file=sys.stderr)
            print(f"[{label}] {name} round trip: median {statistics.median(times) * 1e3:.2f} ms,"
                  f" p95 {sorted(times)[int(len(times) * 0.95) - 1] * 1e3:.2f} ms")
        if not realistic:
            before = field.trace.counters["card.wtx_sent"]
            started = time.perf_counter()
            tag.transceive(b"\x00\x88\x00\x00")
            print(f"[{label}] 2 s card answer: {time.perf_counter() - started:.2f} s, "
                  f"{field.trace.counters['card.wtx_sent'] - before} S(WTX) frames")
        field.remove()
        clf.close()
        card.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=200)
    args = parser.parse_args()
    measure(False, args.rounds)
    measure(True, max(1, args.rounds // 4))


if __name__ == "__main__":
    main()
