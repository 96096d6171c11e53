"""Wrong finger, lockout, reboot during lockout, anti-tearing, refused releases change nothing."""

from fw_band import Band, apdu, parse_tlv, provisioned, sw
from fw_files import vault_files

CHALLENGE = bytes(range(32))


def test_wrong_finger_counts_down_then_locks_out():
    band = provisioned("r_wrong")
    results = []
    for _ in range(3):
        resp, _ = band.release("mallory", CHALLENGE)
        results.append(sw(resp))
        assert bytes(parse_tlv(resp[:-2])[0x85]) == (30 if len(results) == 3 else 0).to_bytes(4, "big")
    assert results == [0x63C2, 0x63C1, 0x63C0]
    assert band.vault.failures == 3
    resp = band.send(apdu(0x10, data=CHALLENGE))
    assert sw(resp) == 0x6983
    assert bytes(parse_tlv(resp[:-2])[0x85]) == (30).to_bytes(4, "big")
    facts = band.select()
    assert bytes(facts[0x83]) == b"\x02" and bytes(facts[0x84]) == b"\x00"
    band.clock.advance(10)
    assert bytes(parse_tlv(band.send(apdu(0x10, data=CHALLENGE))[:-2])[0x85]) == (20).to_bytes(4, "big")
    band.clock.advance(20)
    resp, _ = band.release("mallory", CHALLENGE)
    assert sw(resp) == 0x63C0 and bytes(parse_tlv(resp[:-2])[0x85]) == (60).to_bytes(4, "big")
    band.clock.advance(60)
    resp, _ = band.release("alice", CHALLENGE)
    assert sw(resp) >> 8 == 0x61
    assert band.vault.failures == 0 and band.vault.lockout_s == 0


def test_reboot_during_lockout_resumes_never_shorter():
    band = provisioned("r_reboot")
    for _ in range(3):
        band.release("mallory", CHALLENGE)
    band.clock.advance(31)  # countdown persisted at 30 s steps
    band.applet.tick()
    assert band.vault.lockout_s == 0
    band.release("mallory", CHALLENGE)  # 4th failure: 60 s
    band.clock.advance(45)
    band.applet.tick()  # persists 60 - 45 = 15 s left
    assert band.vault.lockout_s == 15
    band.clock.advance(10)  # 5 s really left; a reboot resumes from the persisted 15 s
    band.reboot()
    band.select()
    resp = band.send(apdu(0x10, data=CHALLENGE))
    assert sw(resp) == 0x6983
    assert bytes(parse_tlv(resp[:-2])[0x85]) == (15).to_bytes(4, "big")
    band.clock.advance(15)
    assert sw(band.send(apdu(0x10, data=CHALLENGE))) == 0x9000


def test_power_cut_during_match_costs_an_attempt():
    band = provisioned("r_tear")
    seen = {}

    def cut():  # what a reboot would find on flash if power failed while the sensor searches
        seen["failures"] = Band("r_tear", fresh=False).vault.failures
    band.sensor.on_search = cut
    band.release("alice", CHALLENGE)
    assert seen["failures"] == 1  # a cut mid-search would have left a counted failure


def test_state_unchanged_by_refused_release():
    band = provisioned("r_refused")
    for _ in range(3):
        band.release("mallory", CHALLENGE)
    before = vault_files(band.root)
    for _ in range(5):
        assert sw(band.send(apdu(0x10, data=CHALLENGE))) == 0x6983
    assert vault_files(band.root) == before
