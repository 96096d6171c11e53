"""The reader-mode PN532 against nfcpy's unmodified pn532 driver, and raw host-link behaviour."""

from __future__ import annotations

import time

import nfc
import nfc.clf
import nfc.clf.pn532
import nfc.clf.transport
import pytest

from hardware.sim.nfc import READER, SimulatedField
from hardware.sim.nfc.trace import FROM_CHIP, TO_CHIP


def _wait_for(condition, what: str, limit: float = 5.0) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + limit
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"never happened: {what}")
        time.sleep(0.005)


def test_nfcpy_opens_the_simulated_reader(nfc_field: SimulatedField,
                                          nfc_reader: nfc.ContactlessFrontend) -> None:
    assert str(nfc_reader.device).startswith("PN532v1.6")
    assert nfc_reader.device.chipset.get_firmware_version() == bytearray(b"\x32\x01\x06\x07")
    # the init handshake ran the extended-frame line test (Diagnose with 263 data bytes)
    extended = nfc_field.trace.entries(READER, TO_CHIP,
                                       where=lambda e: e.data.startswith(b"\x00\x00\xff\xff\xff"))
    assert extended and extended[0].data[8:10] == b"\xd4\x00"


def test_nfcpy_raises_the_baud_rate_and_restores_it_on_close(nfc_field: SimulatedField) -> None:
    device = nfc.clf.pn532.init(nfc.clf.transport.TTY(nfc_field.reader_path))
    assert nfc_field.reader_baud == 921600      # SetSerialBaudRate BR=7, then the host's ACK
    assert device.chipset.transport.baudrate == 921600
    device.close()
    assert nfc_field.wait_until(lambda: nfc_field.reader_asleep, 5), "PowerDown after close"
    assert nfc_field.reader_baud == 115200


def test_reader_wakes_from_power_down_for_nfcpys_long_preamble(nfc_field: SimulatedField) -> None:
    nfc.clf.pn532.init(nfc.clf.transport.TTY(nfc_field.reader_path)).close()
    assert nfc_field.wait_until(lambda: nfc_field.reader_asleep, 5), "PowerDown after close"
    device = nfc.clf.pn532.init(nfc.clf.transport.TTY(nfc_field.reader_path))
    assert not nfc_field.reader_asleep
    assert device.chipset.get_firmware_version()[0] == 0x32
    device.close()


def test_sense_finds_nothing_without_a_band(nfc_field: SimulatedField,
                                            nfc_reader: nfc.ContactlessFrontend) -> None:
    targets = [nfc.clf.RemoteTarget(brty) for brty in ("106A", "106B", "212F")]
    assert nfc_reader.sense(*targets, iterations=1) is None
    assert nfc_field.trace.counters["reader.syntax_errors"] == 0
    assert not nfc_field.carrier_on                  # nfcpy mutes the field after a miss


def test_band_in_field_but_not_listening_is_not_found(nfc_field: SimulatedField,
                                                      nfc_reader: nfc.ContactlessFrontend) -> None:
    nfc_field.tap()   # firmware has not sent TgInitAsTarget: the chip stays mute
    assert nfc_reader.sense(nfc.clf.RemoteTarget("106A"), iterations=1) is None


def test_unanswered_poll_leaves_sens_req_in_the_fifo(pn532_raw_reader) -> None:  # type: ignore[no-untyped-def]
    host = pn532_raw_reader
    host.command(0x14, b"\x01", wake=True)
    host.command(0x32, b"\x05\x01\x00\x01")           # one passive activation retry
    assert host.command(0x4A, b"\x01\x00") == b"\x00"  # no target
    assert host.command(0x06, b"\x63\x39") == b"\x26"  # CIU_FIFOData still holds SENS_REQ
    assert host.command(0x04)[:2] == b"\x00\x01"       # general status: no error, field on


def test_bad_checksum_frame_is_ignored(nfc_field: SimulatedField, pn532_raw_reader) -> None:  # type: ignore[no-untyped-def]
    host = pn532_raw_reader
    bad = bytearray(host.frame(0x02))
    bad[-2] ^= 0x55
    host.send(b"\x55\x55\x00\x00\x00" + bytes(bad))
    _wait_for(lambda: nfc_field.trace.counters["reader.bad_checksum"] == 1, "bad frame seen")
    assert host.command(0x02) == b"\x32\x01\x06\x07"  # first bytes back are this one's ACK
    assert not nfc_field.trace.entries(READER, FROM_CHIP, where=lambda e: e.note == "repeat")


def test_nack_makes_the_chip_repeat_its_last_response(pn532_raw_reader) -> None:  # type: ignore[no-untyped-def]
    host = pn532_raw_reader
    assert host.command(0x02, wake=True) == b"\x32\x01\x06\x07"
    host.send(bytes.fromhex("0000FFFF0000"))
    assert host.read_frame(1.0) == bytes.fromhex("0000FF06FAD50332010607E800")


@pytest.mark.parametrize("frame", [
    bytes.fromhex("0000FF02FED45AD200"),        # command code the chip does not know
    bytes.fromhex("0000FF02FED5022900"),        # TFI D5 from the host
    bytes.fromhex("0000FF03FDD410091300"),      # SetSerialBaudRate BR 0x09: past the table
    bytes.fromhex("0000FF03FDD40663C300"),      # ReadRegister with half an address
])
def test_syntax_errors_get_ack_then_the_error_frame(pn532_raw_reader, frame: bytes) -> None:  # type: ignore[no-untyped-def]
    host = pn532_raw_reader
    host.command(0x02, wake=True)
    host.send(frame)
    assert host.read_frame(1.0) == bytes.fromhex("0000FF00FF00")
    assert host.read_frame(1.0) == bytes.fromhex("0000FF01FF7F8100")
    assert host.command(0x02) == b"\x32\x01\x06\x07"   # and the chip carries on


def test_extended_frames_both_ways(pn532_raw_reader) -> None:  # type: ignore[no-untyped-def]
    host = pn532_raw_reader
    payload = b"\x00" + bytes(range(256)) + bytes(6)   # Diagnose line test, 263 bytes
    host.send(b"\x55\x55\x00\x00\x00" + host.frame(0x00, payload))
    assert host.read_frame(1.0) == bytes.fromhex("0000FF00FF00")
    response = host.read_frame(1.0)
    assert response[:8] == bytes.fromhex("0000FFFFFF0109F6")   # 265 = 0x0109
    assert response[8:10] == b"\xd5\x01" and response[10:-2] == payload


def test_frame_without_wakeup_preamble_is_lost_after_power_down(
        nfc_field: SimulatedField, pn532_raw_reader) -> None:  # type: ignore[no-untyped-def]
    host = pn532_raw_reader
    assert host.command(0x16, b"\x10", wake=True) == b"\x00"   # PowerDown, wake on HSU
    assert nfc_field.wait_until(lambda: nfc_field.reader_asleep, 5), "asleep"
    host.send(host.frame(0x02))                                  # bare frame: wakes, is lost
    _wait_for(lambda: nfc_field.trace.counters["reader.lost_while_waking"] == 1, "frame lost")
    assert host.command(0x02) == b"\x32\x01\x06\x07"             # awake now


def test_ack_aborts_a_waiting_poll(nfc_field: SimulatedField, pn532_raw_reader) -> None:  # type: ignore[no-untyped-def]
    host = pn532_raw_reader
    host.command(0x14, b"\x01", wake=True)
    host.send(host.frame(0x4A, b"\x01\x00"))   # reset retries 0xFF: waits for a card forever
    assert host.read_frame(1.0) == bytes.fromhex("0000FF00FF00")
    host.abort()
    _wait_for(lambda: nfc_field.trace.counters["reader.aborted"] == 1, "abort seen")
    assert host.command(0x02) == b"\x32\x01\x06\x07"             # no stale poll answer first
