"""Stage the firmware and its MicroPython tests as .mpy files and run them on the unix port.

The band runs compiled .mpy files (compiling source on a 64 KB heap would not fit), so the
unix-port run does the same: mpy-cross compiles each file, `micropython -X heapsize=64k` runs
tests/firmware/mp/run.py (compiled too) against the staged tree.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from hardware.hil.firmware import stage_mpy

__all__ = ["REPO", "MICROPYTHON", "MPY_CROSS", "stage", "run_suite", "run_staged"]

REPO = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
MICROPYTHON = BIN / "micropython"
MPY_CROSS = BIN / "mpy-cross"
FIRMWARE = REPO / "firmware"
MP_TESTS = REPO / "tests" / "firmware" / "mp"


def stage(dest: Path) -> Path:
    """Compiles firmware/ and the mp tests under `dest`; returns the runner's path."""
    stage_mpy(FIRMWARE, dest / "firmware")  # main.py and boot.py too: compiled, never imported
    stage_mpy(MP_TESTS, dest / "tests")
    return dest / "tests"


def run_suite(dest: Path, modules: list[str] | None = None, heap: str = "64k",
              timeout: float = 300) -> subprocess.CompletedProcess[str]:
    stage(dest)
    return run_staged(dest, modules, heap, timeout)


def run_staged(dest: Path, modules: list[str] | None = None, heap: str = "64k",
               timeout: float = 300) -> subprocess.CompletedProcess[str]:
    """Runs the runner in a tree `stage(dest)` built; `modules` as run.py takes them."""
    tests = dest / "tests"
    scratch = dest / "scratch"
    scratch.mkdir(exist_ok=True)
    env = dict(os.environ, ICEBAND_FIRMWARE=str(dest / "firmware"), ICEBAND_FW_TMP=str(scratch),
               ICEBAND_FW_VECTORS=str(REPO / "tests" / "vectors"))
    return subprocess.run([str(MICROPYTHON), "-X", "heapsize=" + heap, "-m", "run",
                           *(modules or [])], cwd=tests, env=env, capture_output=True,
                          text=True, timeout=timeout)
