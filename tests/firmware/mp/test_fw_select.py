"""SELECT answers the public facts; an unprovisioned band refuses a release."""

from fw_band import SUMMARY, Band, apdu, provisioned, sw

CHALLENGE = bytes(range(32))


def test_select_reports_public_facts():
    band = provisioned("r_select")
    facts = {tag: bytes(value) for tag, value in band.select().items()}
    assert facts[0x80] == b"\x01"
    assert facts[0x81] == bytes(range(16))
    assert facts[0x82] == bytes(range(100, 120))
    assert facts[0x83] == b"\x01"
    assert facts[0x84] == b"\x03"
    assert facts[0x85] == b"\x00\x00\x00\x00"
    assert facts[0x86] == len(SUMMARY).to_bytes(2, "big")


def test_unprovisioned_band_refuses_release():
    band = Band("r_unprov")
    facts = band.select()
    assert bytes(facts[0x83]) == b"\x00"
    assert sw(band.send(apdu(0x10, data=CHALLENGE))) == 0x6985
