"""Nightly-size fuzzing of every outside-facing parser (issue 8).

    .venv/bin/python benchmarks/fuzz.py --inputs 1000000          # the nightly run
    .venv/bin/python benchmarks/fuzz.py --inputs 2000 --target apdu-into-applet

The targets are the ones tests/security/test_fuzz_parsers.py runs at CI size (fuzzkit/). Each
input is a byte-edited seed, pure noise, or a structure-aware input; a failure is any property
break (see fuzzkit/__init__.py) or an input that runs longer than --hang seconds. Failing
inputs are written to --out as hex, one file per failure, to replay with `--replay FILE`.
Prints progress, then per target: inputs tried, accepted, refused, failures, inputs/s.
"""

from __future__ import annotations

import argparse
import random
import signal
import sys
import time
import traceback
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests" / "security"))
sys.path.insert(0, str(REPO))

from fuzzkit import TARGETS, harness  # noqa: E402
from fuzzkit.mutate import mutated_input  # noqa: E402


class Hang(Exception):
    pass


def _alarm(signum: int, frame: object) -> None:
    raise Hang()


def fuzz(name: str, inputs: int, seed: int, hang_s: float, out: Path) -> tuple[int, int, int, int, float]:
    built = harness(name)
    rng = random.Random(f"{seed}:{name}")
    size = TARGETS[name].max_size
    generate = getattr(built, "generate", None)
    counts = {"accepted": 0, "rejected": 0}
    failures = 0
    started = last = time.monotonic()
    try:
        for i in range(inputs):
            pick = rng.randrange(8)
            if generate is not None and pick < 3:
                data = generate(rng)
            elif pick == 7:
                data = bytes(rng.randrange(256) for _ in range(rng.randrange(min(size, 512) + 1)))
            else:
                data = mutated_input(built.seeds, rng, size)
            signal.setitimer(signal.ITIMER_REAL, hang_s)
            try:
                counts[built.check(data)] += 1
            except Exception as exc:  # a property broke: keep the input and go on
                failures += 1
                kind = "hang" if isinstance(exc, Hang) else type(exc).__name__
                out.mkdir(parents=True, exist_ok=True)
                path = out / f"{name}-{i}.hex"
                path.write_text(data.hex() + "\n")
                if failures <= 5:
                    print(f"  FAIL {name} input {i} ({kind}): {exc!s:.200} -> {path}")
                    traceback.print_exc(limit=3, file=sys.stdout)
            finally:
                signal.setitimer(signal.ITIMER_REAL, 0)
            now = time.monotonic()
            if now - last >= 10:
                last = now
                print(f"  {name}: {i + 1}/{inputs} ({(i + 1) / (now - started):,.0f}/s), "
                      f"{failures} failures", flush=True)
    finally:
        built.close()
    return inputs, counts["accepted"], counts["rejected"], failures, time.monotonic() - started


def _unix_port(count: int, seed: int) -> int:
    import re
    import tempfile

    import unix_port_fuzz
    ok = failures = 0
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="iceband-mp-fuzz-") as folder:
        dest = unix_port_fuzz.stage(Path(folder))
        for chunk, first in enumerate(range(0, count, 10_000)):
            result = unix_port_fuzz.run(dest, seed + chunk, min(10_000, count - first), timeout=3600)
            found = re.search(r"SUMMARY ok=(\d+) failures=(\d+)", result.stdout)
            if found is None:
                print(result.stdout[-2000:], result.stderr[-2000:])
                return 1
            ok, failures = ok + int(found[1]), failures + int(found[2])
            for line in result.stdout.splitlines():
                if line.startswith("FAIL"):
                    print("  unix port", line)
            print(f"  unix port: {ok + failures}/{count}, {failures} failures", flush=True)
    seconds = time.monotonic() - started
    print(f"{'apdu-into-applet (unix port)':26} {ok + failures:9d} {'':9} {'':9} {failures:8d} "
          f"{(ok + failures) / seconds:9,.0f}")
    return failures


def replay(name: str, path: Path) -> int:
    built = harness(name)
    try:
        print(built.check(bytes.fromhex(path.read_text().strip())))
    finally:
        built.close()
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--inputs", type=int, default=5000, help="inputs per target (nightly: 1000000)")
    parser.add_argument("--target", action="append", choices=sorted(TARGETS),
                        help="only these targets (repeatable); default all")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--hang", type=float, default=10.0, help="seconds before an input counts as a hang")
    parser.add_argument("--out", type=Path, default=REPO / "test-output" / "fuzz")
    parser.add_argument("--replay", type=Path, help="run one saved input (needs one --target)")
    parser.add_argument("--unix-port", type=int, default=0, metavar="N",
                        help="also run N APDU sequences into the applet on the MicroPython unix "
                             "port (64 KB heap), in chunks of 10,000")
    args = parser.parse_args(argv)
    names = args.target or sorted(TARGETS)
    if args.replay:
        return replay(names[0], args.replay)
    signal.signal(signal.SIGALRM, _alarm)
    rows = []
    for name in names:
        print(f"{name}: {TARGETS[name].what}", flush=True)
        rows.append((name, *fuzz(name, args.inputs, args.seed, args.hang, args.out)))
    print(f"\n{'target':26} {'inputs':>9} {'accepted':>9} {'refused':>9} {'failures':>8} {'inputs/s':>9}")
    for name, tried, accepted, refused, failures, seconds in rows:
        print(f"{name:26} {tried:9d} {accepted:9d} {refused:9d} {failures:8d} {tried / seconds:9,.0f}")
    total = sum(row[4] for row in rows)
    if args.unix_port:
        total += _unix_port(args.unix_port, args.seed)
    print(f"total failures: {total}")
    return 1 if total else 0


if __name__ == "__main__":
    sys.exit(main())
