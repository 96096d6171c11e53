"""READ SUMMARY and GET RESPONSE chaining."""

from fw_band import GET_RESPONSE, SUMMARY, apdu, provisioned, sw

CHALLENGE = bytes(range(32))


def test_read_summary_only_after_release_in_same_session():
    band = provisioned("r_summary")
    assert sw(band.send(apdu(0x20, le=0))) == 0x6985
    resp, _ = band.release("alice", CHALLENGE)
    band.read_chained(resp)
    out = bytearray()
    while len(out) < len(SUMMARY):
        resp = band.send(apdu(0x20, len(out) >> 8, len(out) & 0xFF, le=0))
        assert sw(resp) == 0x9000 and 0 < len(resp) - 2 <= 240
        out += resp[:-2]
    assert bytes(out) == SUMMARY
    assert band.send(apdu(0x20, len(SUMMARY) >> 8, len(SUMMARY) & 0xFF, le=0)) == b"\x90\x00"
    assert sw(band.send(apdu(0x20, 0x7F, 0xFF, le=0))) == 0x6A80
    band.select()  # a new session forgets the release
    assert sw(band.send(apdu(0x20, le=0))) == 0x6985


def test_get_response_respects_le_and_is_discarded_by_other_apdus():
    band = provisioned("r_chain")
    resp, _ = band.release("alice", CHALLENGE)
    first = resp[:-2]
    resp = band.send(GET_RESPONSE[:4] + b"\x10")
    assert sw(resp) >> 8 == 0x61 and len(resp) == 18
    band.send(apdu(0x12))
    assert sw(band.send(GET_RESPONSE)) == 0x6985
    assert len(first) == 240
