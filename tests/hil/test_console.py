"""The `iceband sim band` console: each command acts on the band; bad input changes nothing."""

from __future__ import annotations

import io
from collections.abc import Iterator

import pytest

from hardware.hil import SimulatedBand
from hardware.hil.console import Console
from responder_app.protocol import BandProtocol
from responder_app.transport_serial import SerialReader


@pytest.fixture
def console() -> Iterator[Console]:
    with SimulatedBand() as band:
        yield Console(band, io.StringIO(), io.StringIO())


def test_console_commands_act_on_the_band(console: Console) -> None:
    band = console.band
    assert band.sensor and band.field
    assert console.execute(["tap"]) == "band in the field" and band.field.band_in_field
    assert console.execute(["remove"]) == "band out of the field"
    assert not band.field.band_in_field
    assert console.execute(["silent"]) == "sensor silent" and band.sensor.silent
    assert console.execute(["resume"]) == "sensor answering" and not band.sensor.silent
    first = band.pid
    assert console.execute(["cut"]) == "power cut" and not band.running
    assert console.execute(["boot"]).startswith("firmware ready")
    assert band.running and band.pid != first
    assert "firmware running" in console.execute(["status"])
    assert console.execute(["quit"]) == "stopping" and console.stopped.is_set()


def test_console_places_a_finger_the_firmware_can_enroll(console: Console) -> None:
    console.execute(["finger", "carol"])
    with SerialReader(console.band.serial_path).wait_for_band(5) as device:
        protocol = BandProtocol(device)
        protocol.select()
        protocol.check(*protocol.send(0x80, 0x40))  # ENROLL BEGIN
        body, sw = protocol.send(0x80, 0x41, le=256)  # first poll: the finger is there
    assert sw == 0x6203  # capturing the first press


def test_console_bad_input_is_a_clear_message_and_changes_nothing(console: Console) -> None:
    band = console.band
    assert band.sensor
    pid = band.pid
    assert console.execute(["fly"]).startswith("unknown command 'fly'; commands:")
    assert console.execute(["boot", "sideways"]).startswith("unknown command")
    assert console.execute(["lift", "now"]).startswith("unknown command")
    with pytest.raises(ValueError):
        console.execute(["finger", "dave", "soggy"])  # the run loop prints this as "error: ..."
    assert band.pid == pid and band.running and not console.stopped.is_set()


def test_the_console_loop_reports_errors_and_stops_on_quit() -> None:
    with SimulatedBand() as band:
        out = io.StringIO()
        console = Console(band, io.StringIO("finger dave soggy\nboot\nquit\ntap\n"), out)
        console.start()
        assert console.stopped.wait(30)
        lines = out.getvalue().splitlines()
    assert lines[0].startswith("error: ")
    assert lines[1].startswith("error: the band is already running")
    assert lines[2] == "stopping" and len(lines) == 3  # nothing read after quit


def test_a_simulated_band_refuses_bad_options_before_starting_anything() -> None:
    with pytest.raises(ValueError, match="interpreter must be one of"):
        SimulatedBand(interpreter="jython")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="heap cap applies to the MicroPython"):
        SimulatedBand(heapsize="64k")
