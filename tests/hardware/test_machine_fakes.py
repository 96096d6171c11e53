"""The host `machine` fakes, run as the firmware will run: in a child process on CPython and
on the real MicroPython unix port, wired to the fingerprint simulator through a pty."""

from __future__ import annotations

import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

from hardware.host import mpcompat
from hardware.host.launch import MICROPYTHON, cpython_argv, host_env, micropython_argv
from hardware.sim.fingerprint import SimulatedSensor

VFY_PWD_0 = "EF01FFFFFFFF0100071300000000001B"
ACK_OK = "ef01ffffffff07000300000a"

Runner = Callable[[str, dict[str, str]], subprocess.CompletedProcess[str]]


@pytest.fixture(params=["cpython", "micropython"])
def machine_runner(request: pytest.FixtureRequest, tmp_path: Path) -> Runner:
    """Runs a script text under one interpreter with the host `machine` on its path."""

    def run(source: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
        script = tmp_path / "probe.py"
        script.write_text(source)
        argv = (micropython_argv(script, heapsize="64k") if request.param == "micropython"
                else cpython_argv(script))
        return subprocess.run(argv, env=env, capture_output=True, text=True, timeout=30)

    return run


def lines(result: subprocess.CompletedProcess[str]) -> list[str]:
    assert result.returncode == 0, result.stderr
    return result.stdout.split()


def test_micropython_binary_is_the_real_one() -> None:
    out = subprocess.run([MICROPYTHON, "-c", "import sys; print(sys.implementation.name)"],
                         capture_output=True, text=True, timeout=10).stdout
    assert out.strip() == "micropython"


def test_uart_talks_to_the_fingerprint_sensor(machine_runner: Runner) -> None:
    source = f"""
import machine
uart = machine.UART(1, baudrate=57600, tx=17, rx=16, timeout=1000, timeout_char=50)
print(uart.any())
uart.write(bytes.fromhex("{VFY_PWD_0}"))
ack = uart.read(12)
print(ack.hex() if hasattr(ack, "hex") else ack)
uart.write(bytes.fromhex("{VFY_PWD_0}"))
buf = bytearray(12)
print(uart.readinto(buf), bytes(buf) == ack)
uart.init(timeout=30)
print(uart.read(1))
uart.flush(); print(uart.txdone())
uart.deinit()
"""
    with SimulatedSensor() as sensor:
        out = lines(machine_runner(source, host_env(uarts={1: sensor.port})))
        assert sensor.instructions == [0x13, 0x13]
    assert out == ["0", ACK_OK, "12", "True", "None", "True"]


def test_uart_baud_must_match_the_sensor(machine_runner: Runner) -> None:
    source = f"""
import machine
uart = machine.UART(1, 115200, timeout=200)
uart.write(bytes.fromhex("{VFY_PWD_0}"))
print(uart.read(12))
uart.init(baudrate=57600)
uart.write(bytes.fromhex("{VFY_PWD_0}"))
print(len(uart.read(12)))
"""
    with SimulatedSensor() as sensor:
        out = lines(machine_runner(source, host_env(uarts={1: sensor.port})))
    assert out == ["None", "12"]


def test_silent_sensor_reads_none(machine_runner: Runner) -> None:
    source = f"""
import machine
uart = machine.UART(1, 57600, timeout=100)
uart.write(bytes.fromhex("{VFY_PWD_0}"))
print(uart.read(12), uart.any())
"""
    with SimulatedSensor() as sensor:
        sensor.go_silent()
        out = lines(machine_runner(source, host_env(uarts={1: sensor.port})))
        assert sensor.packets_received == 1
    assert out == ["None", "0"]


def test_uart_over_loopback_tcp(machine_runner: Runner) -> None:
    source = f"""
import machine
uart = machine.UART(2, 57600, timeout=1000)
uart.write(bytes.fromhex("{VFY_PWD_0}"))
print(uart.read(12).hex())
"""
    with SimulatedSensor(tcp=True) as sensor:
        assert sensor.tcp_address is not None
        where = "tcp:%s:%d" % sensor.tcp_address
        out = lines(machine_runner(source, host_env(uarts={2: where})))
    assert out == [ACK_OK]


def test_unwired_uart_and_readline(machine_runner: Runner, tmp_path: Path) -> None:
    source = """
import machine
bare = machine.UART(0, 115200, timeout=20)
print(bare.write(b"hello"), bare.read(), bare.readline(), bare.any())
"""
    assert lines(machine_runner(source, host_env())) == ["5", "None", "None", "0"]


def test_readline_stops_at_newline(machine_runner: Runner) -> None:
    # the simulated sensor answers a VfyPwd with an ack whose checksum ends in 0x0A ('\n')
    source = f"""
import machine
uart = machine.UART(1, 57600, timeout=1000, timeout_char=100)
uart.write(bytes.fromhex("{VFY_PWD_0}") * 2)
print(uart.readline().hex())
print(uart.readline().hex())
uart.init(timeout=50)
print(uart.readline())
"""
    with SimulatedSensor() as sensor:
        out = lines(machine_runner(source, host_env(uarts={1: sensor.port})))
    assert out == [ACK_OK, ACK_OK, "None"]


def test_pins_read_their_wiring(machine_runner: Runner) -> None:
    source = """
from machine import Pin
button = Pin(0, Pin.IN, Pin.PULL_UP)
floating = Pin(4, Pin.IN, Pin.PULL_UP)
pulled_down = Pin(5, Pin.IN, pull=Pin.PULL_DOWN)
led = Pin(2, Pin.OUT, value=1)
print(button.value(), button(), floating.value(), pulled_down.value(), led.value())
led.off(); a = led(); led.on(); b = led.value(); led(0)
print(a, b, led.value())
"""
    held = lines(machine_runner(source, host_env(pins={0: 0, 5: 1})))
    assert held == ["0", "0", "1", "1", "1", "0", "1", "0"]
    released = lines(machine_runner(source, host_env()))
    assert released[:4] == ["1", "1", "1", "0"]


def test_reset_ends_the_process_with_the_reboot_code(machine_runner: Runner) -> None:
    source = """
import machine
print(machine.unique_id() == bytes.fromhex("0a0b0c0d0e0f"), machine.reset_cause())
machine.reset()
print("not reached")
"""
    env = host_env()
    env["ICEBAND_UNIQUE_ID"] = "0a0b0c0d0e0f"
    result = machine_runner(source, env)
    assert result.returncode == 86 and result.stdout.split() == ["True", "1"]


def test_micropython_time_and_const_on_both(machine_runner: Runner) -> None:
    source = """
import time
from micropython import const
_LIMIT = const(7)
start = time.ticks_ms()
time.sleep_ms(20)
print(_LIMIT, time.ticks_diff(time.ticks_ms(), start) >= 20)
later = time.ticks_add(start, 1500)
print(time.ticks_diff(later, start), time.ticks_diff(start, later))
time.sleep_us(100)
print(time.ticks_diff(time.ticks_us(), time.ticks_us()) <= 0)
"""
    assert lines(machine_runner(source, host_env())) == ["7", "True", "1500", "-1500", "True"]


def test_mpcompat_ticks_wrap_like_the_esp32() -> None:
    period = mpcompat.TICKS_PERIOD
    assert period == 1 << 30  # the ESP32's (the unix port's is 2**62): wrap bugs show on CPython
    assert mpcompat.ticks_add(period - 1, 1) == 0
    assert mpcompat.ticks_diff(0, period - 1) == 1
    assert mpcompat.ticks_diff(period // 2 - 1, 0) == period // 2 - 1
    assert mpcompat.ticks_diff(period // 2, 0) == -period // 2  # beyond half a period: negative
