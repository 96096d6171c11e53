"""The HIL suite's target: the simulated band by default, or the real board named by
`--board PORT` (skipped with "no board on PORT" when that port does not exist).

Tests marked `micropython` run on the simulated band twice, on CPython and on the MicroPython
unix port (heap capped as on the band); the others run on CPython only, to keep the suite
short. With `--board` every test runs once, against the board.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from hardware.hil import SimulatedBand
from hardware.hil.target import BoardTarget, NoBoard, SimTarget, Target
from hardware.sim.fingerprint import Timing

# The unix port's heap cap: the ESP32 leaves ~110 KB to MicroPython; 128k is that, rounded.
MICROPYTHON_HEAP = "128k"


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    name = next((n for n in ("target", "datasheet_target") if n in metafunc.fixturenames), None)
    if name is None:
        return
    if metafunc.config.getoption("board"):
        params = ["board"]
    elif metafunc.definition.get_closest_marker("micropython"):
        params = ["cpython", "micropython"]
    else:
        params = ["cpython"]
    metafunc.parametrize(name, params, indirect=True)


@pytest.fixture
def target(request: pytest.FixtureRequest) -> Iterator[Target]:
    """A freshly booted simulated band (its flash empty, instant sensor), or the real board."""
    yield from _target(request, Timing.instant())


@pytest.fixture
def datasheet_target(request: pytest.FixtureRequest) -> Iterator[Target]:
    """As `target`, with the sensor at the R503 datasheet's speed (a real board has it anyway)."""
    yield from _target(request, Timing.datasheet())


def _target(request: pytest.FixtureRequest, timing: Timing) -> Iterator[Target]:
    if request.param == "board":
        port = request.config.getoption("board")
        try:
            board = BoardTarget(port, reader=request.config.getoption("reader"))
        except NoBoard as exc:
            pytest.skip(str(exc))
        with board:
            yield board
        return
    heap = MICROPYTHON_HEAP if request.param == "micropython" else None
    band = SimulatedBand(interpreter=request.param, heapsize=heap, timing=timing)
    with SimTarget(band) as sim:
        yield sim
        band.raise_if_crashed()  # a firmware that died under the test fails it
