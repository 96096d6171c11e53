"""The firmware's unchanged R30x driver and applet against the simulated R503 on a pty, through
the host `machine.UART` (hardware/host) on CPython. The whole band (PN532 and USB serial too)
on both interpreters is tests/hil's job; this is the driver's own integration."""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from hardware.host import mpcompat
from hardware.sim.fingerprint import SimulatedSensor

mpcompat.install()  # time.ticks_ms & co., and hardware/host first on sys.path for `machine`

import machine  # type: ignore[import-not-found]  # noqa: E402  (the host fake, after install())

from applet import Applet  # type: ignore[import-not-found]  # noqa: E402
from drivers.r30x import NOT_FOUND, OK, R30x, SensorError  # type: ignore[import-not-found]  # noqa: E402
from vault import Vault  # type: ignore[import-not-found]  # noqa: E402

UART_ID = 7
SELECT = b"\x00\xa4\x04\x00\x09\xf0ICEBAND\x01\x00"
POLL = b"\x80\x11\x00\x00\x00"


@pytest.fixture
def sim() -> Iterator[SimulatedSensor]:
    with SimulatedSensor() as sensor:
        yield sensor


@pytest.fixture
def driver(sim: SimulatedSensor, monkeypatch: pytest.MonkeyPatch) -> Iterator[R30x]:
    monkeypatch.setenv(f"ICEBAND_UART{UART_ID}", sim.port)
    uart = machine.UART(UART_ID, 57600, timeout=0)
    yield R30x(uart, time)
    uart.deinit()


def enroll(driver: R30x, sim: SimulatedSensor, name: str) -> None:
    sim.place_finger(name)
    assert driver.gen_img() == OK and driver.img2tz(1) == OK
    sim.lift_finger()
    assert driver.gen_img() == 0x02
    sim.place_finger(name)
    assert driver.gen_img() == OK and driver.img2tz(2) == OK
    assert driver.reg_model() == OK and driver.store(1, 0) == OK
    sim.lift_finger()


def test_driver_enrolls_and_searches_on_the_simulator(driver: R30x, sim: SimulatedSensor) -> None:
    assert driver.verify_password()
    assert driver.empty() == OK
    enroll(driver, sim, "alice")
    assert sim.enrolled()[0] == "alice"
    assert driver.template_count() == 1
    sim.place_finger("alice")
    assert driver.gen_img() == OK and driver.img2tz(1) == OK
    assert driver.search(1) == OK and driver.page == 0
    sim.place_finger("mallory")
    assert driver.gen_img() == OK and driver.img2tz(1) == OK
    assert driver.search(1) == NOT_FOUND


def test_silent_simulator_is_a_sensor_error(driver: R30x, sim: SimulatedSensor) -> None:
    sim.go_silent()
    with pytest.raises(SensorError):
        driver.gen_img()
    sim.resume()
    assert driver.gen_img() == 0x02


def _release(applet: Applet, sim: SimulatedSensor, finger: str) -> bytes:
    assert bytes(applet.process(b"\x80\x10\x00\x00\x20" + os.urandom(32)))[-2:] == b"\x90\x00"
    sim.place_finger(finger)
    for _ in range(20):
        resp = bytes(applet.process(POLL))
        if resp[-2] != 0x62:
            break
    sim.lift_finger()
    return resp


def test_applet_releases_only_to_the_enrolled_finger(driver: R30x, sim: SimulatedSensor,
                                                     tmp_path: Path) -> None:
    driver.empty()
    enroll(driver, sim, "alice")
    vault = Vault(str(tmp_path / "band"))
    vault.provision(bytes(16), bytes(20), bytes(32), b"sealed" * 60, b"")
    applet = Applet(vault, driver, time)
    assert bytes(applet.process(SELECT))[-2:] == b"\x90\x00"
    assert bytes(_release(applet, sim, "mallory"))[-2:] == b"\x63\xc2"
    assert vault.failures == 1
    assert bytes(_release(applet, sim, "alice"))[-2] == 0x61
    assert vault.release_counter == 1 and vault.failures == 0
