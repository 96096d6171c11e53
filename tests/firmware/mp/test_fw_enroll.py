"""Enrolment: two presses with a lift between; two different fingers do not make a model."""

from fw_band import Band, apdu, sw
from fw_provision import ENROLL_POLL, enroll


def test_enroll_walks_two_presses_and_lift():
    band = Band("p_enroll")
    band.select(True)
    seen = enroll(band)
    assert seen[-1] == 0x9000
    assert seen.index(0x6205) < len(seen) - 1  # lift between the presses
    assert seen.count(0x6203) == 2  # two captures


def test_enroll_with_two_different_fingers_fails():
    band = Band("p_enroll_bad")
    band.select(True)
    assert sw(band.send(apdu(0x40), True)) == 0x9000
    band.sensor.finger = "alice"
    statuses = []
    for _ in range(30):
        resp = band.send(ENROLL_POLL, True)
        statuses.append(sw(resp))
        if sw(resp) == 0x6205:
            band.sensor.finger = None
        elif sw(resp) == 0x6202 and bytes(resp[:3]) == b"\x8a\x01\x02":
            band.sensor.finger = "bob"
        if sw(resp) not in (0x6202, 0x6203, 0x6204, 0x6205):
            break
    assert statuses[-1] == 0x6300
    assert sw(band.send(apdu(0x52), True)) == 0x6985  # nothing enrolled
