"""Fixtures for the hardware simulators and the host `machine` fakes."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from hardware.sim.fingerprint import SimulatedSensor


@pytest.fixture
def fingerprint_sensor() -> Iterator[SimulatedSensor]:
    """A factory-fresh simulated R503 on a pty, instant timing; stopped after the test."""
    with SimulatedSensor() as sensor:
        yield sensor
