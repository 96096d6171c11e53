"""Click through the real screens of the responder app in a real window, one scenario per
process, and keep a screenshot of each screen under test-output/screenshots/."""

from __future__ import annotations

from concurrent.futures import Future
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from .conftest import SCENARIOS

pytestmark = pytest.mark.ui


def _colour_share(path: str, rgb: tuple[int, int, int], tolerance: int = 12) -> float:
    image = Image.open(path).convert("RGB")
    assert image.size == (1280, 800)
    colours = image.getcolors(maxcolors=1 << 24) or []
    near = sum(count for count, p in colours
               if all(abs(a - b) <= tolerance for a, b in zip(p, rgb)))
    return near / (image.size[0] * image.size[1])


DANGER = (204, 20, 20)    # COLORS["danger"] in 8-bit
WARNING = (242, 140, 13)  # COLORS["warning"]


# The screenshots each scenario must leave, in order.
EXPECTED = {
    "match": ["signin-error", "ready", "band-found", "finger", "record", "history"],
    "wrong": ["wrong-finger", "locked-out"],
    "revoked": ["revoked"],
    "tampered": ["tampered"],
    "offline": ["record-offline", "ready-offline", "history-synced"],
    "no_reader": ["no-reader"],
    "radio": ["record"],
}


@pytest.mark.parametrize("name, expected_shots", list(EXPECTED.items()))
def test_scenario(scenario_runs: dict[str, Future[Any]], name: str,
                  expected_shots: list[str]) -> None:
    data = scenario_runs[name].result(timeout=300)
    assert [Path(p).stem for p in data["shots"]] == [f"{name}-{s}" for s in expected_shots]
    for path in data["shots"]:
        assert Path(path).stat().st_size > 5000
    shots = {Path(p).stem.split("-", 1)[1]: p for p in data["shots"]}
    if name == "match":
        assert _colour_share(shots["record"], DANGER) > 0.01     # the red allergy row
        assert _colour_share(shots["finger"], DANGER) == 0
    if name in ("revoked", "tampered"):
        assert _colour_share(shots[expected_shots[0]], DANGER) > 0.01
    if name == "offline":
        assert _colour_share(shots["record-offline"], WARNING) > 0.01


def test_every_scenario_that_runs_is_checked() -> None:
    assert list(EXPECTED) == list(SCENARIOS)
