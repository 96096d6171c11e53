"""WRITE staging: offsets, sizes, incomplete COMMIT, reboot drops staged items."""

from fw_band import Band, apdu, sw
from fw_provision import enroll, write_item


def test_commit_needs_every_item():
    band = Band("p_partial")
    band.select(True)
    enroll(band)
    write_item(band, 1, bytes(16))
    write_item(band, 2, bytes(20))
    write_item(band, 4, bytes(31))  # one byte short
    write_item(band, 3, b"blob")
    assert sw(band.send(apdu(0x52), True)) == 0x6985
    assert not band.vault.provisioned


def test_write_offsets_and_sizes_are_checked():
    band = Band("p_offsets")
    band.select(True)
    assert sw(band.send(apdu(0x50, 1, 0, b"\x00\x05" + bytes(4)), True)) == 0x6A80  # gap
    assert sw(band.send(apdu(0x50, 1, 0, b"\x00\x00" + bytes(17)), True)) == 0x6700  # too long
    assert sw(band.send(apdu(0x50, 9, 0, b"\x00\x00\x01"), True)) == 0x6A86  # unknown item
    assert sw(band.send(apdu(0x50, 1, 0, b"\x00"), True)) == 0x6700  # no offset
    assert sw(band.send(apdu(0x50, 1, 0, b"\x00\x00" + bytes(8)), True)) == 0x9000
    assert sw(band.send(apdu(0x50, 1, 0, b"\x00\x08" + bytes(8)), True)) == 0x9000
    assert band.vault.staged[1] == 16


def test_reboot_drops_staged_items():
    band = Band("p_reboot")
    band.select(True)
    write_item(band, 1, bytes(16))
    band.reboot()
    band.select(True)
    assert band.vault.staged == {}
    assert sw(band.send(apdu(0x50, 1, 0, b"\x00\x10" + bytes(1)), True)) == 0x6A80
