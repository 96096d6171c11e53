"""The mp/ test modules again, on the MicroPython unix port with a 64 KB heap.

Each test function runs in its own interpreter (as .mpy, like on the band: compiling source
would not fit the heap), so one test's garbage never counts against the next; the test asserts
that the runner reported it as passed.
"""

from __future__ import annotations

import ast
import re
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))
import unixport  # noqa: E402

def _tests() -> list[str]:
    out = []
    for path in sorted(unixport.MP_TESTS.glob("test_fw_*.py")):
        tree = ast.parse(path.read_text())
        out += [path.stem + "." + node.name for node in tree.body
                if isinstance(node, ast.FunctionDef) and node.name.startswith("test_")]
    return out


@pytest.fixture(scope="module")
def staged(tmp_path_factory: pytest.TempPathFactory) -> Path:
    dest = tmp_path_factory.mktemp("unixport")
    unixport.stage(dest)
    return dest


@pytest.mark.micropython
@pytest.mark.parametrize("test", _tests())
def test_passes_on_unix_port(test: str, staged: Path) -> None:
    result = unixport.run_staged(staged, [test])
    assert result.returncode == 0, result.stdout + result.stderr
    assert re.search("^PASS " + re.escape(test) + "$", result.stdout, re.M), result.stdout
    assert "SUMMARY passed=1 failed=0" in result.stdout
