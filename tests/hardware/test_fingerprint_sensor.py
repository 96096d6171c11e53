"""The sensor state machine, packet in and packets out, without a pty."""

from __future__ import annotations

import pytest
from hypothesis import given, settings, strategies as st

from hardware.sim.fingerprint.fingers import CharFile, Condition, finger_features, score
from hardware.sim.fingerprint.frames import (Confirmation as C, Instruction as I, Packet,
                                             PacketId, PacketReader, build_packet, parse_packet)
from hardware.sim.fingerprint.sensor import Sensor, Timing

FACTORY = 0xFFFFFFFF


def send(sensor: Sensor, code: int, args: bytes = b"", address: int = FACTORY,
         pid: int = PacketId.COMMAND) -> list[Packet] | None:
    reply = sensor.receive(Packet(address, pid, bytes([code]) + args))
    return None if reply is None else [parse_packet(f) for f in reply.frames]


def confirm(sensor: Sensor, code: int, args: bytes = b"") -> int:
    reply = send(sensor, code, args)
    assert reply is not None and reply[0].pid == PacketId.ACK
    return reply[0].content[0]


def enroll_by_protocol(sensor: Sensor, name: str, slot: int) -> None:
    sensor.place_finger(name, Condition.GOOD)
    for buffer_id in (1, 2):
        assert confirm(sensor, I.GEN_IMG) == C.OK
        assert confirm(sensor, I.IMG_2_TZ, bytes([buffer_id])) == C.OK
    assert confirm(sensor, I.REG_MODEL) == C.OK
    assert confirm(sensor, I.STORE, b"\x01" + slot.to_bytes(2, "big")) == C.OK
    sensor.lift_finger()


def test_finger_features_are_deterministic_and_distinct() -> None:
    assert finger_features("alice") == finger_features("alice")
    assert finger_features("alice") != finger_features("bob")
    assert len(finger_features("alice")) == 256


def test_wrong_address_is_silent_and_changes_nothing() -> None:
    sensor = Sensor()
    assert send(sensor, I.EMPTY, address=0x12345678) is None
    assert send(sensor, I.SET_PWD, b"\x00\x00\x00\x07", address=0x12345678) is None
    assert sensor.password == 0


def test_bad_checksum_gets_receive_error() -> None:
    sensor, reader = Sensor(), PacketReader()
    frame = build_packet(FACTORY, PacketId.COMMAND, b"\x0d")
    (item,) = reader.feed(frame[:-1] + bytes([frame[-1] ^ 1]), now=0.0)
    sensor.enroll(3, "alice")
    reply = sensor.receive(item)
    assert reply is not None
    assert parse_packet(reply.frames[0]).content == bytes([C.RECEIVE_ERROR])
    assert 3 in sensor.library  # the corrupted Empty did not run


def test_password_required_before_anything_else() -> None:
    sensor = Sensor(password=0x01020304)
    assert confirm(sensor, I.TEMPLATE_NUM) == C.MUST_VERIFY_PASSWORD
    assert confirm(sensor, I.EMPTY) == C.MUST_VERIFY_PASSWORD
    assert confirm(sensor, I.VFY_PWD, b"\x00\x00\x00\x00") == C.WRONG_PASSWORD
    assert confirm(sensor, I.TEMPLATE_NUM) == C.MUST_VERIFY_PASSWORD
    assert confirm(sensor, I.VFY_PWD, b"\x01\x02\x03\x04") == C.OK
    assert confirm(sensor, I.TEMPLATE_NUM) == C.OK


def test_unknown_instruction_and_short_parameters() -> None:
    sensor = Sensor()
    assert confirm(sensor, 0x7E) == C.RECEIVE_ERROR
    assert confirm(sensor, I.STORE, b"\x01") == C.RECEIVE_ERROR          # slot missing
    assert confirm(sensor, I.VFY_PWD, b"\x00\x00") == C.RECEIVE_ERROR     # password cut short
    assert confirm(sensor, I.IMG_2_TZ, b"\x07") == C.RECEIVE_ERROR        # no CharBuffer7
    assert sensor.library == {}


def test_set_sys_para_validates_and_keeps_state() -> None:
    sensor = Sensor()
    assert confirm(sensor, I.SET_SYS_PARA, b"\x09\x01") == C.BAD_REGISTER
    assert confirm(sensor, I.SET_SYS_PARA, b"\x04\x03") == C.BAD_REGISTER_VALUE  # 28800 baud
    assert confirm(sensor, I.SET_SYS_PARA, b"\x05\x06") == C.BAD_REGISTER_VALUE
    assert (sensor.baud, sensor.security_level) == (57600, 3)
    assert confirm(sensor, I.SET_SYS_PARA, b"\x04\x0c") == C.OK
    assert sensor.baud == 115200


def test_read_sys_para_layout() -> None:
    reply = send(Sensor(), I.READ_SYS_PARA)
    assert reply is not None
    assert reply[0].content == bytes.fromhex("00 0004 0000 00c8 0003 ffffffff 0002 0006")


def test_up_char_then_down_char_round_trip() -> None:
    sensor = Sensor(packet_size_code=1)  # 64-byte data packets
    enroll_by_protocol(sensor, "alice", 0)
    reply = send(sensor, I.UP_CHAR, b"\x01")
    assert reply is not None and reply[0].content == b"\x00"
    assert [p.pid for p in reply[1:]] == [PacketId.DATA] * 7 + [PacketId.END_OF_DATA]
    uploaded = b"".join(p.content for p in reply[1:])
    assert len(uploaded) == 512
    assert confirm(sensor, I.DOWN_CHAR, b"\x02") == C.OK
    for offset in range(0, 512, 128):
        pid = PacketId.END_OF_DATA if offset == 384 else PacketId.DATA
        assert sensor.receive(Packet(FACTORY, pid, uploaded[offset:offset + 128])) is None
    assert sensor.buffers[2].data == uploaded
    # the downloaded file is a real template: it scores against a fresh capture
    sensor.place_finger("alice", Condition.GOOD)
    assert confirm(sensor, I.GEN_IMG) == C.OK and confirm(sensor, I.IMG_2_TZ, b"\x01") == C.OK
    assert confirm(sensor, I.MATCH) == C.OK


def test_data_packet_without_command_is_an_error() -> None:
    reply = Sensor().receive(Packet(FACTORY, PacketId.DATA, b"\x01\x02"))
    assert reply is not None
    assert parse_packet(reply.frames[0]).content == bytes([C.RECEIVE_ERROR])


def test_capture_failures_by_condition() -> None:
    sensor = Sensor()
    assert confirm(sensor, I.GEN_IMG) == C.NO_FINGER
    assert confirm(sensor, I.IMG_2_TZ, b"\x01") == C.NO_VALID_IMAGE
    sensor.place_finger("alice", Condition.DRY)
    assert confirm(sensor, I.GEN_IMG) == C.ENROLL_FAIL
    sensor.place_finger("alice", Condition.WET)
    assert confirm(sensor, I.GEN_IMG) == C.OK
    assert confirm(sensor, I.IMG_2_TZ, b"\x01") == C.MESSY_IMAGE
    sensor.place_finger("alice", Condition.PARTIAL)
    assert confirm(sensor, I.GEN_IMG) == C.OK
    assert confirm(sensor, I.IMG_2_TZ, b"\x01") == C.FEW_FEATURE_POINTS


def test_reg_model_refuses_two_different_fingers() -> None:
    sensor = Sensor()
    for buffer_id, name in ((1, "alice"), (2, "bob")):
        sensor.place_finger(name, Condition.GOOD)
        confirm(sensor, I.GEN_IMG)
        confirm(sensor, I.IMG_2_TZ, bytes([buffer_id]))
    assert confirm(sensor, I.REG_MODEL) == C.COMBINE_FAIL
    assert confirm(sensor, I.MATCH) == C.NO_MATCH


def test_security_level_moves_the_threshold() -> None:
    # a pair scoring between the level-1 and level-5 thresholds matches at 1 and not at 5
    sensor = Sensor(security_level=1)
    sensor.enroll(0, "alice")
    sensor.buffers[1] = sensor.library[0]
    noisy = bytearray(sensor.library[0].data)
    for i in range(256):  # every feature 24 off, no clipping: score 300 * (1 - 24/40) = 120
        noisy[i] += 24 if noisy[i] < 128 else -24
    sensor.buffers[2] = CharFile(bytes(noisy), None)
    assert score(sensor.buffers[1], sensor.buffers[2]) == 120
    assert confirm(sensor, I.MATCH) == C.OK
    sensor.security_level = 5
    assert confirm(sensor, I.MATCH) == C.NO_MATCH


def test_index_table_bits_and_delete_range() -> None:
    sensor = Sensor()
    for slot in (0, 9, 199):
        sensor.enroll(slot, f"finger{slot}")
    reply = send(sensor, I.READ_INDEX_TABLE, b"\x00")
    assert reply is not None
    table = reply[0].content[1:]
    assert len(table) == 32 and table[0] == 0x01 and table[1] == 0x02 and table[24] == 0x80
    assert confirm(sensor, I.DELETE_CHAR, b"\x00\xc7\x00\x02") == C.DELETE_FAIL  # past 199
    assert confirm(sensor, I.DELETE_CHAR, b"\x00\x00\x00\x0a") == C.OK
    assert sorted(sensor.library) == [199]


def test_soft_reset_sends_ready_sign_and_forgets_buffers() -> None:
    sensor = Sensor(password=5)
    assert confirm(sensor, I.VFY_PWD, b"\x00\x00\x00\x05") == C.OK
    reply = sensor.receive(Packet(FACTORY, PacketId.COMMAND, bytes([I.SOFT_RESET])))
    assert reply is not None and reply.after == b"\x55"
    assert confirm(sensor, I.TEMPLATE_NUM) == C.MUST_VERIFY_PASSWORD


def test_aura_led_is_recorded() -> None:
    sensor = Sensor()
    assert confirm(sensor, I.AURA_LED_CONFIG, b"\x01\x80\x02\x00") == C.OK
    assert sensor.led == (1, 0x80, 2, 0)
    assert confirm(sensor, I.AURA_LED_CONFIG, b"\x09\x80\x02\x00") == C.RECEIVE_ERROR
    assert sensor.led == (1, 0x80, 2, 0)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.binary(max_size=80), max_size=8))
def test_random_bytes_never_crash_or_touch_the_library(chunks: list[bytes]) -> None:
    sensor, reader = Sensor(), PacketReader()
    sensor.enroll(4, "alice")
    before = dict(sensor.library)
    for chunk in chunks:
        for item in reader.feed(chunk, now=0.0):
            sensor.receive(item)
    assert sensor.library == before


def test_r503_timing_search_grows_with_the_library() -> None:
    # The R503 manual gives 1:N matching as < 10 ms per stored fingerprint: the busy time the
    # sensor reports (the server sleeps it) is counted from the templates actually compared.
    sensor = Sensor(timing=Timing.r503())
    for slot, name in enumerate(("alice", "bob", "carol")):
        sensor.enroll(slot, name)
    sensor.place_finger("bob", Condition.GOOD)
    capture = sensor.receive(Packet(FACTORY, PacketId.COMMAND, bytes([I.GEN_IMG])))
    extract = sensor.receive(Packet(FACTORY, PacketId.COMMAND, bytes([I.IMG_2_TZ, 1])))
    search_all = sensor.receive(Packet(FACTORY, PacketId.COMMAND,
                                       bytes([I.SEARCH, 1, 0, 0, 0, 200])))
    search_one = sensor.receive(Packet(FACTORY, PacketId.COMMAND,
                                       bytes([I.SEARCH, 1, 0, 1, 0, 1])))
    assert capture is not None and capture.busy_s == 0.2
    assert extract is not None and extract.busy_s == 0.5
    assert search_all is not None and abs(search_all.busy_s - 0.03) < 1e-9
    assert search_one is not None and abs(search_one.busy_s - 0.01) < 1e-9
    assert parse_packet(search_one.frames[0]).content[0] == C.OK


def test_timing_profiles_by_name() -> None:
    assert Timing.named("instant") == Timing.instant()
    assert Timing.named("datasheet").search_time(200) == 1.0
    assert Timing.named("r503").search_time(200) == 2.0
    with pytest.raises(ValueError, match="unknown sensor timing 'slow'"):
        Timing.named("slow")
