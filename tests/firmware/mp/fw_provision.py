"""Provisioning over APDUs (wired), for the tests of that path only."""

from fw_band import POLL, apdu, sw
from fw_data import ADDRESS, BLOB, DEVICE_ID, SECRET, SUMMARY

ENROLL_POLL = b"\x80\x41\x00\x00\x00"


def enroll(band, finger="alice"):
    assert sw(band.send(apdu(0x40), True)) == 0x9000
    band.sensor.finger = finger
    seen = []
    for _ in range(50):
        resp = band.send(ENROLL_POLL, True)
        seen.append(sw(resp))
        if sw(resp) == 0x6205:
            band.sensor.finger = None
        elif band.sensor.finger is None and sw(resp) == 0x6202:
            band.sensor.finger = finger
        if sw(resp) not in (0x6202, 0x6203, 0x6204, 0x6205):
            break
    band.sensor.finger = None
    return seen


def write_item(band, item, value, chunk=200):
    offset = 0
    while True:
        piece = value[offset:offset + chunk]
        resp = band.send(apdu(0x50, item, 0, offset.to_bytes(2, "big") + piece), True)
        assert sw(resp) == 0x9000, (item, offset, resp)
        offset += len(piece)
        if offset >= len(value):
            return


def provision(band, finger="alice", summary=SUMMARY):
    band.select(True)
    assert enroll(band, finger)[-1] == 0x9000
    write_item(band, 1, DEVICE_ID)
    write_item(band, 2, ADDRESS)
    write_item(band, 3, BLOB)
    write_item(band, 4, SECRET)
    if summary:
        write_item(band, 5, summary)
    resp = band.send(apdu(0x52), True)
    assert sw(resp) == 0x9000, resp
