"""The card-mode PN532 as the firmware drives it: TgInitAsTarget, TgGetData, TgSetData.

Both chips are driven with hand-built frames here (the reader side through InCommunicateThru,
the way nfcpy does ISO-DEP), so each RF step and each status byte is checked exactly.
"""

from __future__ import annotations

import time
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Callable, Iterator, TypeVar

import pytest

from hardware.sim.nfc import CardState, SimulatedField

T = TypeVar("T")
SELECT_ICEBAND = bytes.fromhex("00A4040007F0494345424E4400")


@pytest.fixture
def background() -> Iterator[Callable[[Callable[[], T]], "Future[T]"]]:
    with ThreadPoolExecutor(max_workers=2) as pool:
        yield pool.submit


def _wait_for(condition: Callable[[], bool], what: str) -> None:
    deadline = time.monotonic() + 5
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"never happened: {what}")
        time.sleep(0.005)


def _reader_ready(reader) -> None:  # type: ignore[no-untyped-def]
    reader.command(0x14, b"\x01", wake=True)
    reader.command(0x32, b"\x05\x01\x00\x01")        # one activation attempt per poll
    reader.command(0x32, b"\x02\x00\x0b\x10")        # RF timeout index 16: 3.3 s


def _exchange(reader, block: bytes) -> bytes:  # type: ignore[no-untyped-def]
    """InCommunicateThru, granting S(WTX) requests the way nfcpy's ISO-DEP code does."""
    answer = reader.command(0x42, block, 5)
    while answer[:2] == b"\x00\xf2":
        answer = reader.command(0x42, answer[1:], 5)
    return answer


def _activate(nfc_field, reader, card, background) -> None:  # type: ignore[no-untyped-def]
    card.command(0x14, b"\x01", wake=True)
    armed = background(lambda: card.init_as_target(timeout=5))
    assert nfc_field.wait_until(lambda: nfc_field.card_state is CardState.ARMED, 5), "TgInitAsTarget pending"
    nfc_field.tap()
    # NbTg 1, Tg 1, SENS_RES 00 04, SEL_RES 20, NFCID1 08 12 34 56 (08 = random UID)
    assert reader.command(0x4A, b"\x01\x00") == bytes.fromhex("01010004200408123456")
    assert reader.command(0x42, b"\xe0\x80") == bytes.fromhex("000575008000")   # RATS -> ATS
    assert armed.result(timeout=5) == b"\x08\xe0\x80"   # PICC mode, then the RATS it got


def test_tg_init_as_target_returns_once_a_reader_activates_the_card(
        nfc_field: SimulatedField, pn532_raw_reader, pn532_card_host, background) -> None:  # type: ignore[no-untyped-def]
    _reader_ready(pn532_raw_reader)
    assert pn532_raw_reader.command(0x4A, b"\x01\x00") == b"\x00"   # nothing in the field yet
    _activate(nfc_field, pn532_raw_reader, pn532_card_host, background)
    assert nfc_field.card_state is CardState.ACTIVE
    assert pn532_card_host.command(0x8A) == b"\x01\x00"              # TgGetTargetStatus


def test_apdu_round_trip_with_block_numbers(
        nfc_field: SimulatedField, pn532_raw_reader, pn532_card_host, background) -> None:  # type: ignore[no-untyped-def]
    reader, card = pn532_raw_reader, pn532_card_host
    _reader_ready(reader)
    _activate(nfc_field, reader, card, background)
    for block, status in ((0x02, b"\x6a\x82"), (0x03, b"\x90\x00")):
        sent = background(lambda: _exchange(reader, bytes([block]) + SELECT_ICEBAND))
        assert card.get_data() == (0x00, SELECT_ICEBAND)
        assert card.set_data(status) == 0x00
        assert sent.result(timeout=5) == b"\x00" + bytes([block]) + status


def test_deselect_reports_released_to_the_firmware(
        nfc_field: SimulatedField, pn532_raw_reader, pn532_card_host, background) -> None:  # type: ignore[no-untyped-def]
    _reader_ready(pn532_raw_reader)
    _activate(nfc_field, pn532_raw_reader, pn532_card_host, background)
    waiting = background(lambda: pn532_card_host.get_data())
    assert pn532_raw_reader.command(0x42, b"\xc2") == b"\x00\xc2"   # S(DESELECT) answered
    assert waiting.result(timeout=5) == (0x29, b"")
    assert nfc_field.card_state is CardState.IDLE
    assert pn532_card_host.get_data() == (0x25, b"")                 # must TgInitAsTarget again


def test_removal_mid_exchange(
        nfc_field: SimulatedField, pn532_raw_reader, pn532_card_host, background) -> None:  # type: ignore[no-untyped-def]
    reader, card = pn532_raw_reader, pn532_card_host
    _reader_ready(reader)
    _activate(nfc_field, reader, card, background)
    # the firmware does not read yet, so the card can only ask for more time
    assert reader.command(0x42, b"\x02" + SELECT_ICEBAND) == b"\x00\xf2\x08"
    assert card.get_data() == (0x00, SELECT_ICEBAND)
    nfc_field.remove()
    assert reader.command(0x42, b"\xf2\x08") == b"\x01"   # reader: timeout, the card is gone
    assert card.set_data(b"\x90\x00") == 0x29             # firmware: released
    assert nfc_field.trace.counters["card.released"] == 1


def test_slow_answer_travels_as_waiting_time_extensions(
        nfc_field: SimulatedField, pn532_raw_reader, pn532_card_host, background) -> None:  # type: ignore[no-untyped-def]
    reader, card = pn532_raw_reader, pn532_card_host
    _reader_ready(reader)
    _activate(nfc_field, reader, card, background)
    assert reader.command(0x42, b"\x02\x00\x88\x00\x00") == b"\x00\xf2\x08"   # S(WTX) request
    assert card.get_data() == (0x00, b"\x00\x88\x00\x00")
    answered = background(lambda: reader.command(0x42, b"\xf2\x08", 5))      # grant it
    assert card.set_data(b"\x90\x00") == 0x00
    assert answered.result(timeout=5) == b"\x00\x02\x90\x00"


def test_sequence_errors_and_syntax_errors(pn532_card_host) -> None:  # type: ignore[no-untyped-def]
    card = pn532_card_host
    card.command(0x14, b"\x01", wake=True)
    assert card.get_data() == (0x25, b"")             # not a target yet
    assert card.set_data(b"\x90\x00") == 0x25         # nothing to answer: not activated
    mifare_only = b"\x04" + b"\x04\x00\x12\x34\x56\x08" + bytes(18) + bytes(10) + b"\x00\x00"
    card.send(card.frame(0x8C, mifare_only))          # SEL_RES 08: not ISO 14443-4
    assert card.read_frame(1) == bytes.fromhex("0000FF00FF00")
    assert card.read_frame(1) == bytes.fromhex("0000FF01FF7F8100")
    card.send(card.frame(0x8C, b"\x04\x00"))          # far too short
    assert card.read_frame(1) == bytes.fromhex("0000FF00FF00")
    assert card.read_frame(1) == bytes.fromhex("0000FF01FF7F8100")


def test_ack_aborts_a_pending_tg_init_as_target(nfc_field: SimulatedField,
                                                pn532_card_host) -> None:  # type: ignore[no-untyped-def]
    card = pn532_card_host
    card.command(0x14, b"\x01", wake=True)
    params = b"\x05\x04\x00\x12\x34\x56\x20" + bytes(28) + b"\x00\x00"
    card.send(card.frame(0x8C, params))
    assert card.read_frame(1) == bytes.fromhex("0000FF00FF00")
    assert nfc_field.wait_until(lambda: nfc_field.card_state is CardState.ARMED, 5), "armed"
    card.abort()
    assert nfc_field.wait_until(lambda: nfc_field.card_state is CardState.IDLE, 5), "disarmed"
    assert card.command(0x02) == b"\x32\x01\x06\x07"  # no stale TgInitAsTarget answer first


def test_a_poll_with_endless_retries_answers_when_the_band_arrives(
        nfc_field: SimulatedField, pn532_raw_reader, pn532_card_host, background) -> None:  # type: ignore[no-untyped-def]
    reader, card = pn532_raw_reader, pn532_card_host
    reader.command(0x14, b"\x01", wake=True)          # retries left at the reset value FF
    polled = background(lambda: reader.command(0x4A, b"\x01\x00", timeout=5))
    card.command(0x14, b"\x01", wake=True)
    armed = background(lambda: card.init_as_target(timeout=5))
    assert nfc_field.wait_until(lambda: nfc_field.card_state is CardState.ARMED, 5), "TgInitAsTarget pending"
    assert not polled.done()                          # no band in the field yet
    nfc_field.tap()
    assert polled.result(timeout=5) == bytes.fromhex("01010004200408123456")
    assert nfc_field.card_state is CardState.SELECTED
    assert reader.command(0x42, b"\xe0\x80") == bytes.fromhex("000575008000")
    assert armed.result(timeout=5) == b"\x08\xe0\x80"


def test_historical_bytes_go_into_the_ats(
        nfc_field: SimulatedField, pn532_raw_reader, pn532_card_host, background) -> None:  # type: ignore[no-untyped-def]
    reader, card = pn532_raw_reader, pn532_card_host
    _reader_ready(reader)
    card.command(0x14, b"\x01", wake=True)
    armed = background(lambda: card.init_as_target(historical=b"\x80\x01", timeout=5))
    assert nfc_field.wait_until(lambda: nfc_field.card_state is CardState.ARMED, 5), "TgInitAsTarget pending"
    nfc_field.tap()
    assert reader.command(0x4A, b"\x01\x00")[0] == 1
    assert reader.command(0x42, b"\xe0\x80") == bytes.fromhex("00077500800080" "01")
    assert armed.result(timeout=5) == b"\x08\xe0\x80"


def test_a_command_longer_than_the_chip_buffer_comes_in_pieces(
        nfc_field: SimulatedField, nfc_reader, pn532_card_host, background) -> None:  # type: ignore[no-untyped-def]
    card = pn532_card_host
    card.command(0x14, b"\x01", wake=True)
    armed = background(lambda: card.init_as_target(timeout=5))
    assert nfc_field.wait_until(lambda: nfc_field.card_state is CardState.ARMED, 5), "TgInitAsTarget pending"
    nfc_field.tap()
    tag = nfc_reader.connect(rdwr={"on-connect": lambda tag: False, "beep-on-connect": False})
    assert armed.result(timeout=5) == b"\x08\xe0\x80"
    command = bytes(range(256)) + bytes(44)              # 300 bytes, five I-blocks on the air
    answered = background(lambda: tag.transceive(command))
    assert card.get_data() == (0x40, command[:262])       # MI: more to come
    assert card.get_data() == (0x00, command[262:])
    assert card.set_data(b"\x90\x00") == 0x00
    assert answered.result(timeout=5) == b"\x90\x00"
