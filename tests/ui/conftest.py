"""UI tests run the real app in a real X window: this session fixture starts Xvfb (with Mesa's
software GL) on a free display number and stops it at the end. SDL_VIDEODRIVER=x11 and
KIVY_WINDOW=sdl2 make a missing display an error instead of a silent offscreen render."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import Any, Iterator

import pytest

REPO = Path(__file__).resolve().parent.parent.parent
SCREENSHOTS = REPO / "test-output" / "screenshots"
DRIVER = Path(__file__).resolve().parent / "driver.py"


def _start_xvfb(xvfb: str) -> tuple[subprocess.Popen[bytes], int]:
    """Xvfb on the first display number that is free (another run may take one meanwhile:
    then Xvfb exits at once and the next number is tried)."""
    for number in range(90, 190):
        if Path(f"/tmp/.X{number}-lock").exists() or Path(f"/tmp/.X11-unix/X{number}").exists():
            continue
        server = subprocess.Popen([xvfb, f":{number}", "-screen", "0", "1280x800x24",
                                   "-nolisten", "tcp"], stdout=subprocess.DEVNULL,
                                  stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 10
        while server.poll() is None and time.monotonic() < deadline:
            if Path(f"/tmp/.X11-unix/X{number}").exists():
                return server, number
            time.sleep(0.05)
        server.kill()
        server.wait()
    raise RuntimeError("could not start Xvfb on any display in :90-:189")


@pytest.fixture(scope="session")
def x_display(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    xvfb = shutil.which("Xvfb")
    assert xvfb, "Xvfb is not installed (apt-get install xvfb xauth libgl1-mesa-dri)"
    server, number = _start_xvfb(xvfb)
    try:
        env = {k: v for k, v in os.environ.items() if not k.startswith("KIVY_")}
        env.update(DISPLAY=f":{number}", SDL_VIDEODRIVER="x11", KIVY_WINDOW="sdl2",
                   KIVY_HOME=str(tmp_path_factory.mktemp("kivy-home")), KIVY_NO_ARGS="1")
        yield env
    finally:
        server.terminate()
        server.wait(timeout=10)


SCENARIOS = ("match", "wrong", "revoked", "tampered", "offline", "no_reader", "radio")


@pytest.fixture(scope="session")
def scenario_runs(x_display: dict[str, str],
                  tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Future[Any]]]:
    """Starts every scenario's app at once, three at a time: each mostly waits for its own
    window and band, so together they take a fraction of one after the other."""
    folder = tmp_path_factory.mktemp("ui-results")
    with ThreadPoolExecutor(max_workers=3) as pool:
        yield {name: pool.submit(run_scenario, x_display, name, folder) for name in SCENARIOS}


def run_scenario(env: dict[str, str], name: str, tmp_path: Path) -> dict[str, Any]:
    """Runs tests/ui/driver.py for one scenario in its own process; returns its result."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    result = tmp_path / f"{name}.json"
    run = subprocess.run([sys.executable, str(DRIVER), name, str(result), str(SCREENSHOTS)],
                         env=env, capture_output=True, text=True, timeout=120)
    assert result.exists(), f"the app did not run:\n{run.stderr[-3000:]}"
    data: dict[str, Any] = json.loads(result.read_text())
    failed = [c for c in data["checks"] if not c["ok"]]
    assert not failed, f"{failed}\n{run.stderr[-2000:]}"
    return data
