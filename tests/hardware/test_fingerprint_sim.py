"""The unmodified pyfingerprint library, used as its README shows, against the simulator."""

from __future__ import annotations

import signal
import socket
import subprocess
import sys
import threading

import pytest
import serial
from pyfingerprint.pyfingerprint import PyFingerprint

from hardware.sim.fingerprint import SimulatedSensor, Timing, build_packet

VFY_PWD_0 = bytes.fromhex("EF01 FFFFFFFF 01 0007 13 00000000 001B")
ACK_OK = bytes.fromhex("EF01 FFFFFFFF 07 0003 00 000A")
FINGERS = ["alice-right-thumb", "bob-left-index", "carol-right-index", "dave-left-thumb"]


def open_sensor(sim: SimulatedSensor, baud: int = 57600, password: int = 0) -> PyFingerprint:
    return PyFingerprint(sim.port, baud, 0xFFFFFFFF, password)


def capture(sim: SimulatedSensor, fp: PyFingerprint, name: str, buffer_id: int) -> None:
    sim.place_finger(name)
    assert fp.readImage()
    assert fp.convertImage(buffer_id)
    sim.lift_finger()


def enroll(sim: SimulatedSensor, fp: PyFingerprint, name: str) -> int:
    capture(sim, fp, name, 0x01)
    assert fp.readImage() is False  # finger lifted between the two presses
    capture(sim, fp, name, 0x02)
    assert fp.createTemplate()
    return fp.storeTemplate()


def search(sim: SimulatedSensor, fp: PyFingerprint, name: str) -> tuple[int, int]:
    capture(sim, fp, name, 0x01)
    return fp.searchTemplate()


def test_enroll_search_count_delete_clear(fingerprint_sensor: SimulatedSensor) -> None:
    sim = fingerprint_sensor
    fp = open_sensor(sim)
    assert fp.verifyPassword()
    slots = [enroll(sim, fp, name) for name in FINGERS]
    assert slots == [0, 1, 2, 3]
    assert sim.enrolled() == dict(enumerate(FINGERS))
    for slot, name in enumerate(FINGERS):
        found, accuracy = search(sim, fp, name)
        assert found == slot and accuracy > 100
    assert search(sim, fp, "mallory-right-thumb") == (-1, -1)
    assert fp.getTemplateCount() == 4
    assert fp.getTemplateIndex(0)[:6] == [True, True, True, True, False, False]
    assert fp.deleteTemplate(1)
    assert fp.getTemplateCount() == 3
    assert search(sim, fp, FINGERS[1]) == (-1, -1)
    assert search(sim, fp, FINGERS[2])[0] == 2
    assert enroll(sim, fp, "erin-left-ring") == 1  # the freed slot is reused first
    assert fp.clearDatabase()
    assert fp.getTemplateCount() == 0 and sim.enrolled() == {}
    assert search(sim, fp, FINGERS[0]) == (-1, -1)


def test_system_parameters_are_factory(fingerprint_sensor: SimulatedSensor) -> None:
    fp = open_sensor(fingerprint_sensor)
    status, system_id, capacity, level, address, packet_code, baud_n = fp.getSystemParameters()
    assert (system_id, capacity, level, address, packet_code, baud_n) == \
        (0, 200, 3, 0xFFFFFFFF, 2, 6)
    assert fp.getMaxPacketSize() == 128 and fp.getBaudRate() == 57600


def test_compare_characteristics(fingerprint_sensor: SimulatedSensor) -> None:
    sim, fp = fingerprint_sensor, open_sensor(fingerprint_sensor)
    capture(sim, fp, "alice", 0x01)
    capture(sim, fp, "alice", 0x02)
    same = fp.compareCharacteristics()
    capture(sim, fp, "bob", 0x02)
    assert same > 100 and fp.compareCharacteristics() == 0


def test_two_captures_differ_but_match(fingerprint_sensor: SimulatedSensor) -> None:
    sim, fp = fingerprint_sensor, open_sensor(fingerprint_sensor)
    capture(sim, fp, "alice", 0x01)
    capture(sim, fp, "alice", 0x02)
    first, second = fp.downloadCharacteristics(0x01), fp.downloadCharacteristics(0x02)
    assert len(first) == 512 and first != second
    assert fp.compareCharacteristics() > 100


def test_upload_characteristics_then_search(fingerprint_sensor: SimulatedSensor) -> None:
    sim, fp = fingerprint_sensor, open_sensor(fingerprint_sensor)
    capture(sim, fp, "alice", 0x01)
    template = fp.downloadCharacteristics(0x01)
    assert fp.uploadCharacteristics(0x02, template)  # pyfingerprint reads it back to compare
    assert fp.storeTemplate(7, 0x02) == 7
    assert sim.enrolled() == {7: None}  # a host-supplied template has no finger label
    assert search(sim, fp, "alice")[0] == 7


def test_wrong_password_refused_then_right_one(fingerprint_sensor: SimulatedSensor) -> None:
    fp = open_sensor(fingerprint_sensor)
    assert fp.setPassword(0x0BADCAFE)
    assert open_sensor(fingerprint_sensor, password=0).verifyPassword() is False
    fresh = open_sensor(fingerprint_sensor, password=0x0BADCAFE)
    assert fresh.verifyPassword() is True
    assert fresh.getTemplateCount() == 0


def test_commands_before_password_are_refused() -> None:
    with SimulatedSensor(password=42) as sim:
        fp = open_sensor(sim, password=42)
        with pytest.raises(Exception, match="Unknown error 0x21"):
            fp.getTemplateCount()
        assert fp.verifyPassword()
        assert fp.getTemplateCount() == 0


def test_no_finger_and_bad_fingers(fingerprint_sensor: SimulatedSensor) -> None:
    sim, fp = fingerprint_sensor, open_sensor(fingerprint_sensor)
    assert fp.readImage() is False
    sim.place_finger("alice", condition="wet")
    assert fp.readImage()
    with pytest.raises(Exception, match="too messy"):
        fp.convertImage(0x01)
    sim.place_finger("alice", condition="partial")
    assert fp.readImage()
    with pytest.raises(Exception, match="too few feature points"):
        fp.convertImage(0x01)
    sim.place_finger("alice", condition="dry")
    with pytest.raises(Exception, match="Could not read image"):
        fp.readImage()


def test_baud_change_needs_a_fresh_object(fingerprint_sensor: SimulatedSensor) -> None:
    sim = fingerprint_sensor
    fp = open_sensor(sim)
    fp.setBaudRate(115200)
    assert sim.baud == 115200
    # a line still at 57600 is garbled for the sensor: it hears nothing and says nothing
    with serial.Serial(sim.port, 57600, timeout=0.3) as line:
        line.write(VFY_PWD_0)
        assert line.read(12) == b""
    fresh = open_sensor(sim, baud=115200)
    assert fresh.verifyPassword() and fresh.getBaudRate() == 115200


def test_wrong_address_is_silent_and_set_address_works(fingerprint_sensor: SimulatedSensor) -> None:
    sim = fingerprint_sensor
    with serial.Serial(sim.port, 57600, timeout=0.3) as line:
        line.write(build_packet(0x12345678, 0x01, b"\x13\x00\x00\x00\x00"))
        assert line.read(12) == b""
    assert open_sensor(sim).setAddress(0x12345678)
    assert sim.address == 0x12345678
    fp = PyFingerprint(sim.port, 57600, 0x12345678, 0)
    assert fp.verifyPassword() and fp.getSystemParameters()[4] == 0x12345678


def test_silent_sensor_then_resume(fingerprint_sensor: SimulatedSensor) -> None:
    sim = fingerprint_sensor
    with serial.Serial(sim.port, 57600, timeout=0.3) as line:
        sim.go_silent()
        line.write(VFY_PWD_0)
        assert line.read(12) == b""
        sim.resume()
        line.write(VFY_PWD_0)
        assert line.read(12) == ACK_OK
    assert sim.packets_received == 2 and sim.packets_sent == 1
    assert sim.instructions == [0x13, 0x13]


def test_corrupt_packet_gets_error_ack(fingerprint_sensor: SimulatedSensor) -> None:
    with serial.Serial(fingerprint_sensor.port, 57600, timeout=1) as line:
        line.write(VFY_PWD_0[:-1] + b"\x00")
        assert line.read(12) == bytes.fromhex("EF01 FFFFFFFF 07 0003 01 000B")


def test_loopback_tcp_endpoint() -> None:
    with SimulatedSensor(tcp=True) as sim:
        assert sim.tcp_address is not None and sim.tcp_address[0] == "127.0.0.1"
        with socket.create_connection(sim.tcp_address, timeout=2) as conn:
            conn.sendall(VFY_PWD_0)
            reply = b""
            while len(reply) < 12:
                reply += conn.recv(12 - len(reply))
        assert reply == ACK_OK


def test_aura_led_and_handshake_raw(fingerprint_sensor: SimulatedSensor) -> None:
    with serial.Serial(fingerprint_sensor.port, 57600, timeout=1) as line:
        line.write(build_packet(0xFFFFFFFF, 0x01, b"\x35\x01\x40\x03\x00"))  # breathe purple
        assert line.read(12) == ACK_OK
        line.write(build_packet(0xFFFFFFFF, 0x01, b"\x40"))
        assert line.read(12) == ACK_OK
    assert fingerprint_sensor.led == (1, 0x40, 3, 0)


def test_preenrolled_finger_is_found(fingerprint_sensor: SimulatedSensor) -> None:
    sim = fingerprint_sensor
    sim.enroll("patient-right-thumb", slot=5)
    with pytest.raises(ValueError, match="outside the library"):
        sim.enroll("x", slot=200)
    fp = open_sensor(sim)
    assert search(sim, fp, "patient-right-thumb")[0] == 5


def test_power_cycle_keeps_library_and_forgets_password() -> None:
    with SimulatedSensor(password=9) as sim:
        sim.enroll("alice", slot=0)
        fp = open_sensor(sim, password=9)
        assert fp.verifyPassword()
        with serial.Serial(sim.port, 57600, timeout=1) as line:  # open first: open() flushes
            sim.power_cycle()
            assert line.read(1) == b"\x55"  # the ready sign
            line.write(build_packet(0xFFFFFFFF, 0x01, b"\x1d"))  # TemplateNum
            assert line.read(12) == bytes.fromhex("EF01 FFFFFFFF 07 0003 21 002B")
        assert fp.verifyPassword() and fp.getTemplateCount() == 1


def test_datasheet_timing_still_serves_pyfingerprint() -> None:
    # exercises the wire-time and work-time path; durations are measured in no test
    with SimulatedSensor(timing=Timing.datasheet()) as sim:
        fp = open_sensor(sim)
        assert fp.verifyPassword() and fp.getTemplateCount() == 0
        assert len(fp.downloadCharacteristics(0x01)) == 512


def test_close_stops_the_server_thread() -> None:
    sim = SimulatedSensor(tcp=True)
    sim.close()
    assert not any(t.name == "fingerprint-sim" for t in threading.enumerate())
    sim.close()  # a second close is harmless


def test_a_simulator_failure_surfaces_at_close(monkeypatch: pytest.MonkeyPatch) -> None:
    sim = SimulatedSensor()

    def broken(item: object) -> None:
        raise ZeroDivisionError("bug in the simulator")

    monkeypatch.setattr(sim._sensor, "receive", broken)
    with serial.Serial(sim.port, 57600, timeout=0.3) as line:
        line.write(VFY_PWD_0)
        assert line.read(12) == b""
    with pytest.raises(RuntimeError, match="thread failed") as info:
        sim.close()
    assert isinstance(info.value.__cause__, ZeroDivisionError)


def test_standalone_command_serves_until_terminated() -> None:
    child = subprocess.Popen([sys.executable, "-m", "hardware.sim.fingerprint", "--tcp",
                              "--enroll", "alice:4"], stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, text=True)
    try:
        assert child.stdout is not None
        port, tcp = child.stdout.readline().strip(), child.stdout.readline().strip()
        assert port.startswith("/dev/pts/") and tcp.startswith("tcp:127.0.0.1:")
        fp = PyFingerprint(port, 57600, 0xFFFFFFFF, 0)
        assert fp.verifyPassword() and fp.getTemplateIndex(0)[4] is True
        del fp
    finally:
        child.send_signal(signal.SIGTERM)
        _, err = child.communicate(timeout=10)
    assert child.returncode == 0 and "served 2 packets" in err


def test_standalone_command_rejects_bad_enrolment() -> None:
    result = subprocess.run([sys.executable, "-m", "hardware.sim.fingerprint",
                             "--enroll", "alice:900"], capture_output=True, text=True,
                            timeout=20)
    assert result.returncode == 2 and "outside the library" in result.stderr


def test_security_level_and_packet_size_settings(fingerprint_sensor: SimulatedSensor) -> None:
    sim, fp = fingerprint_sensor, open_sensor(fingerprint_sensor)
    fp.setSecurityLevel(5)
    fp.setMaxPacketSize(32)
    assert fp.getSecurityLevel() == 5 and fp.getMaxPacketSize() == 32
    capture(sim, fp, "alice", 0x01)
    sent_before = sim.packets_sent
    assert len(fp.downloadCharacteristics(0x01)) == 512
    assert sim.packets_sent - sent_before == 1 + 512 // 32  # ack, then 32-byte data packets
    with pytest.raises(Exception, match="Unknown error 0x1b"):
        fp.setSystemParameter(4, 3)  # 28800 baud: pyfingerprint allows it, the R503 does not
    assert fp.getBaudRate() == 57600
