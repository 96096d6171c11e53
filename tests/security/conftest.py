"""Fixtures of the attack, fault and break-glass tests: the demo world (real SQLite ledger file,
real record store folder, real cryptography) with the unmodified firmware applet on CPython
behind `SimulatedBand`, its R30x driver talking to the simulated R503 over a pty."""

from __future__ import annotations

from pathlib import Path
from typing import Iterator

import pytest

from responder_app.demo import DemoWorld, build_demo_world
from responder_app.sim_band import SimulatedBand
from sec_world import Scene

RECORD = Path(__file__).resolve().parents[1] / "vectors" / "hl7-ips" / "bundle-minimal.json"


@pytest.fixture
def world(tmp_path: Path) -> Iterator[DemoWorld]:
    with SimulatedBand() as band:
        yield build_demo_world(tmp_path / "home", band=band, record=RECORD)


@pytest.fixture
def scene(world: DemoWorld) -> Iterator[Scene]:
    s = Scene(world)
    yield s
    s.close()
