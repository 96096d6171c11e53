"""Firmware tests on CPython: firmware/ is importable as top-level modules, as on the band.

The MicroPython-compatible tests in mp/ are collected by pytest directly (CPython) and run
again on the unix port by test_unix_port.py.
"""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
import types
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
FIRMWARE = REPO / "firmware"
MP = Path(__file__).resolve().parent / "mp"

for path in (str(FIRMWARE), str(MP)):
    if path not in sys.path:
        sys.path.insert(0, path)

try:
    import micropython  # type: ignore[import-not-found]  # noqa: F401  the host fake
except ImportError:
    host = REPO / "hardware" / "host"
    if (host / "micropython.py").exists():
        sys.path.append(str(host))
    else:  # micropython cannot exist on CPython: const() is the identity
        shim = types.ModuleType("micropython")
        shim.const = lambda value: value  # type: ignore[attr-defined]
        sys.modules["micropython"] = shim

_SCRATCH = tempfile.mkdtemp(prefix="iceband-fw-")
os.environ.setdefault("ICEBAND_FW_TMP", _SCRATCH)
os.environ.setdefault("ICEBAND_FW_VECTORS", str(REPO / "tests" / "vectors"))


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    shutil.rmtree(_SCRATCH, ignore_errors=True)
