"""Provisioning over USB serial; refused over NFC and on a provisioned band."""

from fw_band import Band, apdu, sw
from fw_data import SECRET
from fw_files import vault_files
from fw_provision import provision


def test_provision_over_serial_then_release_works():
    band = Band("p_full")
    provision(band)
    assert band.vault.provisioned and band.vault.secret == SECRET
    facts = band.select()
    assert bytes(facts[0x83]) == b"\x01"
    assert band.sensor.enrolled == "alice"


def test_provisioning_refused_over_nfc():
    band = Band("p_nfc")
    band.select()
    before = vault_files(band.root)
    for ins in (0x40, 0x41, 0x50, 0x52):
        data = b"\x00\x00" + bytes(16) if ins == 0x50 else b""
        resp = band.send(apdu(ins, 1 if ins == 0x50 else 0, 0, data))
        assert sw(resp) == 0x6982, (ins, resp)
    assert vault_files(band.root) == before


def test_provisioned_band_refuses_provisioning_and_keeps_its_state():
    band = Band("p_twice")
    provision(band)
    before = vault_files(band.root)
    band.select(True)
    assert sw(band.send(apdu(0x40), True)) == 0x6985
    assert sw(band.send(apdu(0x50, 1, 0, b"\x00\x00" + bytes(16)), True)) == 0x6985
    assert sw(band.send(apdu(0x52), True)) == 0x6985
    assert vault_files(band.root) == before
