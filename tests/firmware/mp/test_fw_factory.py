"""Factory reset: only a button held for the whole window erases the band."""

from factory import button_held, factory_reset
from vault import Vault

from fw_clock import FakeClock
from fw_data import ADDRESS, BLOB, DEVICE_ID, SECRET, SUMMARY, fresh_dir


class Pin:
    """An active-low button released at `release_ms` (None: held)."""

    def __init__(self, clock, release_ms):
        self.clock = clock
        self.release_at = None if release_ms is None else clock.now + release_ms

    def value(self):
        return 1 if self.release_at is not None and self.clock.now >= self.release_at else 0


class Sensor:
    def __init__(self):
        self.emptied = False

    def empty(self):
        self.emptied = True
        return 0

    def ring(self, mode, color):
        return 0


def test_button_held_for_the_window():
    clock = FakeClock()
    assert button_held(Pin(clock, None), clock, 3000)
    assert clock.now - 1000 >= 3000


def test_button_released_early_is_not_a_reset():
    clock = FakeClock()
    assert not button_held(Pin(clock, 2000), clock, 3000)
    clock = FakeClock()
    assert not button_held(Pin(clock, 0), clock, 3000)


def test_factory_reset_erases_vault_and_sensor():
    root = fresh_dir("f_reset")
    vault = Vault(root)
    vault.provision(DEVICE_ID, ADDRESS, SECRET, BLOB, SUMMARY)
    sensor = Sensor()
    assert factory_reset(vault, sensor)
    assert not vault.provisioned and sensor.emptied
    assert not Vault(root).provisioned


def test_button_at_boot_tells_tap_from_hold():
    from factory import HELD, NOT_PRESSED, SHORT_PRESS, button_at_boot
    clock = FakeClock()
    assert button_at_boot(Pin(clock, 0), clock, 3000) == NOT_PRESSED
    assert button_at_boot(Pin(clock, 500), clock, 3000) == SHORT_PRESS
    assert button_at_boot(Pin(clock, None), clock, 3000) == HELD
