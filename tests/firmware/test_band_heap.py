"""The whole band (firmware/main.py, unchanged) on the MicroPython unix port with a capped heap,
wired to the simulators: provisioning with a large blob and summary, then a release and the
summary read. 96 KB: the 64-bit unix port doubles every pointer and also runs the `machine`
fakes in Python, both of which the ESP32 (~110 KB free) does not; the firmware's own unit tests
run at 64 KB (test_unix_port.py)."""

from __future__ import annotations

import os
import threading

import pytest

from hardware.hil import SimulatedBand
from responder_app.protocol import BandProtocol, BandState, ReleaseResult
from responder_app.provisioning import provision_band
from responder_app.transport_serial import SerialReader

HEAP = "96k"


@pytest.mark.micropython
def test_band_provisions_and_releases_within_the_heap_cap() -> None:
    blob, summary = os.urandom(3000), os.urandom(2000)
    with SimulatedBand(interpreter="micropython", heapsize=HEAP) as band:
        assert band.sensor
        sensor = band.sensor
        stop = threading.Event()

        def press_and_lift() -> None:
            while not stop.is_set():
                sensor.place_finger("alice")
                stop.wait(0.25)
                sensor.lift_finger()
                stop.wait(0.25)

        with SerialReader(band.serial_path).wait_for_band(2.0) as device:
            presser = threading.Thread(target=press_and_lift)
            presser.start()
            try:
                provision_band(device, device_id=os.urandom(16), address=os.urandom(20),
                               secret=os.urandom(32), sealed_blob=blob, sealed_summary=summary,
                               press=lambda n: None, lift=lambda: None)
            finally:
                stop.set()
                presser.join()
            protocol = BandProtocol(device)
            facts = protocol.select()
            assert facts.state == BandState.READY and facts.summary_length == len(summary)
            sensor.place_finger("alice")
            result = protocol.release(os.urandom(32))
            assert isinstance(result, ReleaseResult) and result.sealed_blob == blob
            assert protocol.read_summary(len(summary)) == summary
        assert "MemoryError" not in band.log_tail(), band.log_tail()
