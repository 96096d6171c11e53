"""ISO-DEP on the card side (ISO/IEC 14443-4 PICC rules), as the card-mode chip runs it."""

from __future__ import annotations

import pytest

from hardware.sim.nfc.picc import Action, IsoDepPicc, build_ats, frame_waiting_time


def _picc(fsdi: int = 8) -> IsoDepPicc:
    return IsoDepPicc(fsci=5, fwi=8, fsdi=fsdi)


def test_ats_and_frame_waiting_time() -> None:
    assert build_ats(5, 8) == bytes.fromhex("0575008000")
    assert build_ats(5, 8, b"\xc1\x05") == bytes.fromhex("0775008000C105")
    assert frame_waiting_time(8) == pytest.approx(0.0773, abs=1e-4)
    assert _picc().fsc == 64 and _picc().fsd == 256


def test_block_numbers_alternate_starting_from_the_pcds_zero() -> None:
    picc = _picc()
    step = picc.on_block(b"\x02\x00\xa4\x04\x00")
    assert step.action is Action.DELIVER and step.apdu == b"\x00\xa4\x04\x00"
    assert picc.respond(b"\x6a\x82") == b"\x02\x6a\x82"
    assert picc.on_block(b"\x03\x00\xb0").action is Action.DELIVER
    assert picc.respond(b"\x90\x00") == b"\x03\x90\x00"


def test_chained_command_is_acknowledged_then_delivered_whole() -> None:
    picc = _picc()
    assert picc.on_block(b"\x12" + b"A" * 61).frame == b"\xa2"       # R(ACK), block 0
    step = picc.on_block(b"\x03" + b"B" * 10)
    assert step.action is Action.DELIVER and step.apdu == b"A" * 61 + b"B" * 10


def test_long_response_is_chained_to_the_readers_frame_size() -> None:
    picc = _picc(fsdi=0)                                              # FSD 16: 13 bytes a block
    picc.on_block(b"\x02\x00")
    response = bytes(range(30))
    assert picc.respond(response) == b"\x12" + response[:13]
    assert picc.sending
    assert picc.on_block(b"\xa3").frame == b"\x13" + response[13:26]  # R(ACK) 1: next block
    assert picc.on_block(b"\xa2").frame == b"\x02" + response[26:]    # last block, no chaining
    assert not picc.sending


def test_r_block_with_the_current_number_repeats_the_last_block() -> None:
    picc = _picc()
    picc.on_block(b"\x02\x00")
    last = picc.respond(b"\x90\x00")
    assert picc.on_block(b"\xa2").frame == last                       # R(ACK) 0 == current
    assert picc.on_block(b"\xb2").frame == last                       # R(NAK) 0 == current


def test_presence_check_nak_gets_an_ack() -> None:
    picc = _picc()
    picc.on_block(b"\x02\x00")
    picc.respond(b"\x90\x00")
    assert picc.on_block(b"\xb3").frame == b"\xa2"                    # nfcpy's presence check


def test_wtx_answer_extends_the_waiting_time() -> None:
    picc = _picc()
    picc.on_block(b"\x02\x00\x88")
    assert picc.awaiting_host
    assert picc.wtx_request(8) == b"\xf2\x08"
    step = picc.on_block(b"\xf2\x08")
    assert step.action is Action.RESUME
    assert picc.waiting_time == pytest.approx(8 * picc.fwt)
    assert picc.on_block(b"\xb2").action is Action.RESUME             # reader lost our WTX


def test_deselect_and_garbage() -> None:
    picc = _picc()
    assert picc.on_block(b"\xc2").action is Action.DESELECT
    assert picc.on_block(b"\xc2").frame == b"\xc2"
    for junk in (b"", b"\x0a\x00", b"\xf2", b"\xa2\x00", b"\x26"):
        assert picc.on_block(junk).action is Action.IGNORE
