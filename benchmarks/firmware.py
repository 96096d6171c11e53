"""Figures for the band firmware (issue 5).

    .venv/bin/python benchmarks/firmware.py [--rounds 50]

- peak heap during a release on the MicroPython unix port (-X heapsize=64k): bytes allocated
  by one whole release with the GC disabled (an upper bound on the release's peak over the
  resident heap), and the resident heap (firmware + test harness modules) before it;
- total .mpy size of the firmware compiled for the ESP32 (mpy-cross -march=xtensawin);
- the applet's own time per release (BEGIN, polls, GET RESPONSEs, two flash writes in a tmpfs
  directory), sensor time excluded (an instant fake sensor), on the unix port and on CPython;
- how long each RELEASE POLL takes against the simulated R503 with datasheet timing (capture
  0.5 s, extract 0.5 s, search 1 s), through the real driver on CPython: the protocol promises
  about 1 s per poll so the NFC link stays alive.
Targets (issue 5): heap under 16 KB, .mpy under 64 KB.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "tests" / "firmware"))

import unixport  # type: ignore[import-not-found]  # noqa: E402


def _figures(text: str) -> dict[str, int]:
    return {k: int(v) for k, v in (line.split("=") for line in text.splitlines() if "=" in line)}


def mpy_size(dest: Path) -> tuple[int, int]:
    total = count = 0
    for src in (REPO / "firmware").rglob("*.py"):
        out = dest / src.relative_to(REPO / "firmware").with_suffix(".mpy")
        out.parent.mkdir(parents=True, exist_ok=True)
        subprocess.run([str(unixport.MPY_CROSS), "-march=xtensawin", "-o", str(out), str(src)],
                       check=True)
        total += out.stat().st_size
        count += 1
    return total, count


def poll_latencies(tmp: Path) -> list[tuple[int, float]]:
    """(status word, seconds) of every POLL of one release with datasheet sensor timing."""
    import time

    from hardware.host import mpcompat
    from hardware.sim.fingerprint import SimulatedSensor, Timing
    mpcompat.install()
    sys.path[:0] = [str(REPO / "firmware")]
    import machine  # type: ignore[import-not-found]
    from applet import Applet  # type: ignore[import-not-found]
    from drivers.r30x import R30x  # type: ignore[import-not-found]
    from vault import Vault  # type: ignore[import-not-found]

    with SimulatedSensor(timing=Timing.datasheet()) as sim:
        sim.enroll("alice", 0)
        os.environ["ICEBAND_UART7"] = sim.port
        uart = machine.UART(7, 57600, timeout=0)
        try:
            vault = Vault(str(tmp / "band"))
            vault.provision(bytes(16), bytes(20), bytes(32), bytes(600), b"")
            applet = Applet(vault, R30x(uart, time), time)
            applet.process(b"\x00\xa4\x04\x00\x09\xf0ICEBAND\x01\x00")
            applet.process(b"\x80\x10\x00\x00\x20" + bytes(32))
            sim.place_finger("alice")
            out = []
            while True:
                start = time.perf_counter()
                resp = bytes(applet.process(b"\x80\x11\x00\x00\x00"))
                out.append(((resp[-2] << 8) | resp[-1], time.perf_counter() - start))
                if resp[-2] != 0x62:
                    return out
        finally:
            uart.deinit()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=50)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="iceband-fw-bench-") as tmp:
        root = Path(tmp)
        print("compiling for xtensawin ...", flush=True)
        size, files = mpy_size(root / "xtensa")
        print(f"firmware .mpy (xtensawin): {size} bytes in {files} files (target < 65536)")
        print("staging for the unix port ...", flush=True)
        unixport.stage(root / "unix")
        scratch = root / "scratch"
        scratch.mkdir()
        env = dict(os.environ, ICEBAND_FW_TMP=str(scratch),
                   MICROPYPATH=f"{root / 'unix' / 'tests'}:{root / 'unix' / 'firmware'}")
        mp = subprocess.run([str(unixport.MICROPYTHON), "-X", "heapsize=64k", "-m", "bench_release",
                             str(args.rounds)], cwd=root / "unix" / "tests", env=env,
                            capture_output=True, text=True, timeout=600)
        if mp.returncode:
            print(mp.stdout + mp.stderr)
            return 1
        figures = _figures(mp.stdout)
        print(f"unix port, 64 KB heap: resident before a release {figures['RESIDENT_BYTES']} bytes; "
              f"one release allocates {figures['RELEASE_ALLOCATED_BYTES']} bytes "
              f"(GC off: bounds the peak; target < 16384) over {figures['RELEASE_APDUS']} APDUs")
        print(f"unix port: applet time per release {figures['RELEASE_US'] / 1000:.2f} ms "
              f"(mean of {args.rounds}, sensor time excluded)")
        env["PYTHONPATH"] = os.pathsep.join([str(REPO / "firmware"), str(unixport.MP_TESTS),
                                             str(REPO / "hardware" / "host")])
        cp = subprocess.run([sys.executable, str(unixport.MP_TESTS / "bench_release.py"),
                             str(args.rounds)], env=env, capture_output=True, text=True,
                            timeout=600)
        if cp.returncode:
            print(cp.stdout + cp.stderr)
            return 1
        print(f"CPython: applet time per release {_figures(cp.stdout)['RELEASE_US'] / 1000:.2f} ms")
        print("polls against the simulated R503 (datasheet timing) ...", flush=True)
        polls = poll_latencies(root)
        print("RELEASE POLL latencies: " + ", ".join(f"{sw:04X} {s:.2f} s" for sw, s in polls)
              + f" (longest {max(s for _, s in polls):.2f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
