"""Stage the firmware, the firmware tests' MicroPython helpers and this folder's mp/ scripts
(mp_fuzz_applet, mp_bruteforce) as .mpy files, and run them on the MicroPython unix port with
the band's 64 KB heap."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from hardware.hil.firmware import stage_mpy

__all__ = ["stage", "run", "run_bruteforce"]

REPO = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent


def stage(dest: Path) -> Path:
    """One flat folder the scripts run in: firmware modules, fw_clock & co., the scripts."""
    for source in (REPO / "firmware", REPO / "tests" / "firmware" / "mp", Path(__file__).with_name("mp")):
        stage_mpy(source, dest)
    (dest / "state").mkdir(exist_ok=True)
    return dest


def run(dest: Path, seed: int, count: int, timeout: float = 600) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(BIN / "micropython"), "-X", "heapsize=64k", "-m", "mp_fuzz_applet",
                           str(seed), str(count), str(dest / "state")],
                          cwd=dest, capture_output=True, text=True, timeout=timeout)


def run_bruteforce(dest: Path, root: Path, seconds: int) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(BIN / "micropython"), "-X", "heapsize=64k", "-m", "mp_bruteforce",
                           str(root), str(seconds)], cwd=dest, capture_output=True, text=True,
                          timeout=600)
