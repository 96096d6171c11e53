"""Release: a match returns the blob with its proof; the counter is persisted first."""

import hashlib

from hmac_sha256 import hmac_sha256

from fw_band import BLOB, SECRET, digest, parse_tlv, provisioned, sw

CHALLENGE = bytes(range(32))


def expected_proof(counter):
    return hmac_sha256(SECRET, b"ICEband-release-v1", CHALLENGE, hashlib.sha256(BLOB).digest(),
                       counter.to_bytes(4, "big"))


def test_match_releases_blob_with_proof_and_persisted_counter():
    band = provisioned("r_match")
    resp, seen = band.release("alice", CHALLENGE)
    assert seen[0] == 0x6203 and 0x6204 in seen
    assert sw(resp) >> 8 == 0x61  # 600-byte blob: chained
    assert len(resp) - 2 <= 240
    first, whole, length = band.read_chained(resp)
    head = (b"\x90\x04\x00\x00\x00\x01" + b"\x91\x20" + expected_proof(1)
            + b"\x92\x82" + len(BLOB).to_bytes(2, "big"))
    assert first[:len(head)] == head
    assert length == len(head) + len(BLOB)
    assert whole == digest(head + BLOB)
    band.reboot()
    assert band.vault.release_counter == 1  # persisted before the answer
    band.select()
    resp, _ = band.release("alice", CHALLENGE)
    assert bytes(parse_tlv(band.read_chained(resp)[0][:40])[0x91]) == expected_proof(2)
