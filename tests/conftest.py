"""Options shared by every test area.

Tests against real hardware are opt-in: `--board PORT` points the HIL suite at a real band on
a serial port (without it the same suite runs against the simulated band), `--reader DEVICE`
adds the tests that need a real NFC reader. Tests marked `reader` are deselected, not skipped,
when no reader is named, so a CI run has no skips; the header says how many were left out.
"""

from __future__ import annotations

from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
VECTORS = REPO / "tests" / "vectors"

_deselected_for_hardware: list[str] = []


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--board", metavar="PORT", default=None,
                     help="run the HIL suite against a real band on this serial port")
    parser.addoption("--reader", metavar="DEVICE", default=None,
                     help="also run the tests that need a real NFC reader (nfcpy device string)")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if config.getoption("reader"):
        return
    keep, drop = [], []
    for item in items:
        (drop if item.get_closest_marker("reader") else keep).append(item)
    if drop:
        config.hook.pytest_deselected(items=drop)
        items[:] = keep
        _deselected_for_hardware.extend(i.nodeid for i in drop)


def pytest_report_header(config: pytest.Config) -> str:
    board = config.getoption("board")
    return f"HIL target: {'real band on ' + board if board else 'simulated band'}"


def pytest_terminal_summary(terminalreporter, exitstatus, config) -> None:  # type: ignore[no-untyped-def]
    if _deselected_for_hardware:
        terminalreporter.write_line(
            f"{len(_deselected_for_hardware)} tests need a real NFC reader and were left out "
            "(pass --reader DEVICE to run them)")


@pytest.fixture
def vectors() -> Path:
    return VECTORS
