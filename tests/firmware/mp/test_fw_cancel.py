"""A silent sensor is an error status; CANCEL, other APDUs and a deselect end the wait."""

from fw_band import POLL, apdu, provisioned, sw

CHALLENGE = bytes(range(32))


def test_silent_sensor_is_an_error_status_not_a_hang():
    band = provisioned("r_silent")
    assert sw(band.send(apdu(0x10, data=CHALLENGE))) == 0x9000
    band.sensor.silent = True
    assert sw(band.send(POLL)) == 0x6400
    assert sw(band.send(POLL)) == 0x6985
    band.sensor.silent = False
    resp, _ = band.release("alice", CHALLENGE)
    assert sw(resp) >> 8 == 0x61


def test_cancel_and_other_apdus_end_the_wait():
    band = provisioned("r_cancel")
    assert sw(band.send(apdu(0x10, data=CHALLENGE))) == 0x9000
    assert sw(band.send(apdu(0x12))) == 0x9000
    assert sw(band.send(POLL)) == 0x6985
    assert sw(band.send(apdu(0x10, data=CHALLENGE))) == 0x9000
    band.select()  # a new SELECT is a deselect
    assert sw(band.send(POLL)) == 0x6985
    assert sw(band.send(apdu(0x10, data=CHALLENGE))) == 0x9000
    band.applet.deselect()  # RF field lost
    band.select()
    assert sw(band.send(POLL)) == 0x6985
