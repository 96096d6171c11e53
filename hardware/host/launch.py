"""How to start a MicroPython script (the firmware, a test probe) on the host, on either
interpreter, wired to simulators. CPython-only helper for tests and the HIL harness.

    env = host_env(uarts={1: sensor.port}, pins={0: 1})
    subprocess.run(micropython_argv("main.py", heapsize="64k"), env=env, ...)
    subprocess.run(cpython_argv("main.py"), env=env, ...)

Conventions: UART<id> is wired by ICEBAND_UART<id> (a pty path or tcp:127.0.0.1:PORT),
input pin <id> reads ICEBAND_PIN<id>; MICROPYPATH lists hardware/host first, then the
`paths` given (e.g. firmware/), then MicroPython's frozen modules. On CPython the script runs
as __main__ after `mpcompat.install()`, with the same folders on sys.path.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path

from .mpcompat import HOST_DIR

__all__ = ["MICROPYTHON", "cpython_argv", "host_env", "micropython_argv"]

MICROPYTHON = str(Path(sys.executable).with_name("micropython"))
_RUNNER = ("import runpy, sys; sys.path[:0] = sys.argv[1].split(':'); import mpcompat; "
           "mpcompat.install(); script = sys.argv[2]; sys.argv = sys.argv[2:]; "
           "runpy.run_path(script, run_name='__main__')")


def host_env(uarts: Mapping[int, str] | None = None, pins: Mapping[int, int] | None = None,
             paths: Sequence[str | os.PathLike[str]] = (),
             base: Mapping[str, str] | None = None) -> dict[str, str]:
    env = dict(os.environ if base is None else base)
    for uart_id, where in (uarts or {}).items():
        env[f"ICEBAND_UART{uart_id}"] = where
    for pin_id, level in (pins or {}).items():
        env[f"ICEBAND_PIN{pin_id}"] = "1" if level else "0"
    env["MICROPYPATH"] = ":".join([HOST_DIR, *map(str, paths), ".frozen"])
    return env


def micropython_argv(script: str | os.PathLike[str], heapsize: str | None = None) -> list[str]:
    heap = ["-X", f"heapsize={heapsize}"] if heapsize else []
    return [MICROPYTHON, *heap, str(script)]


def cpython_argv(script: str | os.PathLike[str],
                 paths: Sequence[str | os.PathLike[str]] = ()) -> list[str]:
    search = ":".join([HOST_DIR, *map(str, paths)])
    return [sys.executable, "-c", _RUNNER, search, str(script)]
