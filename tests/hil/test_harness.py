"""The harness itself: process lifetime, logs, clear errors, wiring, and --board skipping."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import serial

from hardware.hil import BandNotReady, SimulatedBand, read_wiring
from hardware.hil.band import FIRMWARE_DIR
from hardware.hil.firmware import FirmwareError
from hardware.hil.serial_link import SerialLink
from hardware.hil.target import BoardTarget, NoBoard
from hardware.hil.wiring import Wiring, WiringError
from responder_app.protocol import BandProtocol, BandState
from responder_app.transport_serial import SerialReader

REPO = Path(__file__).resolve().parents[2]


def _gone(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    return False


def _firmware_with_main(tmp_path: Path, main_source: str) -> Path:
    folder = tmp_path / "firmware"
    shutil.copytree(FIRMWARE_DIR, folder, ignore=shutil.ignore_patterns("__pycache__"))
    (folder / "main.py").write_text(main_source)
    return folder


def test_power_cut_kills_the_firmware_and_boot_starts_it_again() -> None:
    with SimulatedBand() as band:
        first = band.pid
        assert first is not None and band.running
        band.power_cut()
        assert _gone(first) and not band.running
        assert band.exit_codes == [-9]
        band.boot()
        second = band.pid
        assert second not in (None, first) and band.running
        with SerialReader(band.serial_path).wait_for_band(5) as device:
            assert BandProtocol(device).select().state is BandState.UNPROVISIONED
        log = band.log_path.read_text()
    assert log.count("--- boot") == 2
    assert second is not None and _gone(second)  # close() killed the last boot too


def test_a_firmware_that_crashes_at_boot_is_a_clear_error_with_its_log(
        tmp_path: Path) -> None:
    broken = _firmware_with_main(tmp_path, "print('band says: wiring check')\n"
                                           "raise RuntimeError('no PN532 found')\n")
    with pytest.raises(BandNotReady) as failed:
        SimulatedBand(firmware_dir=broken, ready_timeout=10)
    message = str(failed.value)
    assert "exited with code 1" in message
    assert "band says: wiring check" in message
    assert "RuntimeError: no PN532 found" in message


def test_a_firmware_that_never_answers_times_out_and_is_killed(tmp_path: Path) -> None:
    silent = _firmware_with_main(tmp_path, "import os, time\n"
                                           "open('pid', 'w').write(str(os.getpid()))\n"
                                           "print('band says: waiting forever')\n"
                                           "while True:\n    time.sleep(1)\n")
    flash = tmp_path / "flash"
    with pytest.raises(BandNotReady) as failed:
        SimulatedBand(firmware_dir=silent, state_dir=flash, ready_timeout=1.5)
    message = str(failed.value)
    assert "not ready within 1.5 s (no TgInitAsTarget to its PN532)" in message
    assert "band says: waiting forever" in message
    assert _gone(int((flash / "pid").read_text()))


def test_machine_reset_boots_the_firmware_again(tmp_path: Path) -> None:
    real = FIRMWARE_DIR / "main.py"
    once = _firmware_with_main(tmp_path, (
        "import os, machine\n"
        "if 'reset-done' not in os.listdir('.'):\n"
        "    open('reset-done', 'w').close()\n"
        "    machine.reset()\n"
        f"exec(compile(open({str(real)!r}).read(), {str(real)!r}, 'exec'), "
        "{'__name__': '__main__'})\n"))
    with SimulatedBand(firmware_dir=once) as band:
        assert band.exit_codes == [86]  # the first boot reset itself; the second came up
        assert band.running
        assert band.log_path.read_text().count("--- boot") == 2


def test_a_failing_boot_py_is_printed_and_main_py_still_runs(tmp_path: Path) -> None:
    folder = tmp_path / "firmware"
    shutil.copytree(FIRMWARE_DIR, folder, ignore=shutil.ignore_patterns("__pycache__"))
    (folder / "boot.py").write_text("raise ValueError('boot.py says no')\n")
    with SimulatedBand(firmware_dir=folder, interpreter="micropython", heapsize="128k") as band:
        assert band.running  # ready: main.py ran, as after a failing boot.py on the ESP32
        assert "ValueError: boot.py says no" in band.log_path.read_text()


def test_a_firmware_that_dies_under_a_test_is_reported_with_its_log() -> None:
    with SimulatedBand() as band:
        band.raise_if_crashed()  # a live band: nothing to report
        pid = band.pid
        assert pid is not None
        os.kill(pid, signal.SIGTERM)  # not a power cut: something the harness did not do
        assert band.wait_stopped(10)
        with pytest.raises(FirmwareError, match=r"the firmware died \(exit code -15\)") as died:
            band.raise_if_crashed()
        assert "--- boot" in str(died.value)


def test_the_usb_serial_link_carries_bytes_both_ways() -> None:
    with SerialLink() as link:
        with serial.Serial(link.band_path, 115200, timeout=2) as band_end, \
                serial.Serial(link.host_path, 115200, timeout=2) as host_end:
            host_end.write(b"IB to the band")
            assert band_end.read(14) == b"IB to the band"
            band_end.write(bytes(range(256)))
            assert host_end.read(256) == bytes(range(256))
        assert (link.bytes_to_band, link.bytes_to_host) == (14, 256)


def test_wiring_is_read_from_board_py(tmp_path: Path) -> None:
    board = tmp_path / "board.py"
    board.write_text("from micropython import const\nimport machine\n"
                     "SENSOR_UART = const(2)\nNFC_UART = 1\nUSB_UART = const(0)\n"
                     "RESET_BUTTON = const(27)\nLED = machine.Pin(2)\n")
    wiring = read_wiring(board)
    assert wiring == Wiring(sensor_uart=2, nfc_uart=1, usb_uart=0, reset_button=27)


def test_the_reference_board_py_is_what_the_harness_wires() -> None:
    wiring = read_wiring(Path(__file__).resolve().parents[2] / "firmware" / "board.py")
    assert wiring == Wiring(sensor_uart=1, nfc_uart=2, usb_uart=0, reset_button=32)


def test_a_board_py_without_an_id_is_a_clear_error(tmp_path: Path) -> None:
    board = tmp_path / "board.py"
    board.write_text("SENSOR_UART = 1\nNFC_UART = 2\n")
    with pytest.raises(WiringError, match="does not name USB_UART, RESET_BUTTON"):
        read_wiring(board)
    with pytest.raises(WiringError, match="cannot read the pin map"):
        read_wiring(tmp_path / "missing.py")


def test_a_board_port_that_does_not_exist_is_no_board() -> None:
    with pytest.raises(NoBoard, match="no board on /dev/iceband-no-such-port"):
        BoardTarget("/dev/iceband-no-such-port")


def test_the_hil_suite_skips_with_the_reason_when_the_board_is_absent() -> None:
    run = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-rs", "-p", "no:cacheprovider",
         "--board", "/dev/iceband-no-such-port",
         "tests/hil/test_hil_serial.py::test_select_on_a_fresh_band_gives_the_unprovisioned_facts"],
        cwd=REPO, capture_output=True, text=True, timeout=120)
    assert "1 skipped" in run.stdout, run.stdout + run.stderr
    assert "no board on /dev/iceband-no-such-port" in run.stdout


def test_the_firmware_dies_with_a_harness_that_is_killed_outright(tmp_path: Path) -> None:
    real = FIRMWARE_DIR / "main.py"
    # Outlives its broken links: ignores the hangup of its ptys (its controlling terminal)
    # and any error, so only a kill ends it.
    stubborn = _firmware_with_main(tmp_path, (
        "import signal, time\n"
        "signal.signal(signal.SIGHUP, signal.SIG_IGN)\n"
        "try:\n"
        f"    exec(compile(open({str(real)!r}).read(), {str(real)!r}, 'exec'), "
        "{'__name__': '__main__'})\n"
        "except BaseException:\n"
        "    while True:\n"
        "        time.sleep(1)\n"))
    script = ("from pathlib import Path\n"
              "from hardware.hil import SimulatedBand\n"
              f"band = SimulatedBand(firmware_dir=Path({str(stubborn)!r}))\n"
              "print(band.pid, flush=True)\n"
              "import time\n"
              "time.sleep(120)\n")
    harness = subprocess.Popen([sys.executable, "-c", script], cwd=REPO, stdout=subprocess.PIPE,
                               text=True, start_new_session=True)
    firmware_pid = None
    try:
        assert harness.stdout is not None
        firmware_pid = int(harness.stdout.readline())
        assert not _gone(firmware_pid)
        os.killpg(harness.pid, signal.SIGKILL)  # no teardown, no finally: only the lifeline
        harness.wait(timeout=10)
        for _ in range(200):  # bounded: the watchdog acts as soon as the pipe closes
            if _gone(firmware_pid):
                break
            time.sleep(0.05)
        assert _gone(firmware_pid)
    finally:
        if harness.poll() is None:
            os.killpg(harness.pid, signal.SIGKILL)
            harness.wait(timeout=10)
        if firmware_pid is not None and not _gone(firmware_pid):
            os.killpg(firmware_pid, signal.SIGKILL)
