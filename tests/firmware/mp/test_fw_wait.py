"""The polled finger wait: progress statuses, deadline, smudged images."""

from fw_band import POLL, apdu, provisioned, sw

CHALLENGE = bytes(range(32))


def test_waiting_statuses_until_finger_then_match():
    band = provisioned("r_wait")
    assert sw(band.send(apdu(0x10, data=CHALLENGE))) == 0x9000
    assert sw(band.send(POLL)) == 0x6202
    band.clock.advance(3)
    assert sw(band.send(POLL)) == 0x6202
    band.sensor.finger = "alice"
    assert sw(band.send(POLL)) == 0x6203
    assert sw(band.send(POLL)) == 0x6204
    assert sw(band.send(POLL)) >> 8 == 0x61


def test_no_finger_until_deadline():
    band = provisioned("r_deadline")
    assert sw(band.send(apdu(0x10, data=CHALLENGE))) == 0x9000
    statuses = []
    for _ in range(40):
        resp = band.send(POLL)
        statuses.append(sw(resp))
        if sw(resp) != 0x6202:
            break
        band.clock.advance(1)
    assert statuses[-1] == 0x6402
    assert len(statuses) == 16  # polls at t = 0..15 s, the one at 15 s ends it
    assert sw(band.send(POLL)) == 0x6985  # the release has ended
    assert band.vault.failures == 0  # no finger is not a failed match


def test_smudged_image_retries_within_the_deadline():
    band = provisioned("r_smudge")
    band.sensor.bad_images = 2
    resp, seen = band.release("alice", CHALLENGE)
    assert seen.count(0x6203) == 3
    assert sw(resp) >> 8 == 0x61


def test_poll_after_the_window_gets_no_finger_even_with_a_finger_on():
    band = provisioned("r_late")
    assert sw(band.send(apdu(0x10, data=CHALLENGE))) == 0x9000
    band.sensor.finger = "alice"
    band.clock.advance(16)  # the POLL was held back past the 15 s window
    assert sw(band.send(POLL)) == 0x6402
    assert band.vault.release_counter == 0 and band.vault.failures == 0


def test_finger_seen_in_time_but_match_polled_late_gets_no_finger():
    band = provisioned("r_late2")
    assert sw(band.send(apdu(0x10, data=CHALLENGE))) == 0x9000
    band.sensor.finger = "alice"
    assert sw(band.send(POLL)) == 0x6203
    assert sw(band.send(POLL)) == 0x6204
    band.clock.advance(15)
    assert sw(band.send(POLL)) == 0x6402
    assert band.vault.release_counter == 0
