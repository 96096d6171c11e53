"""The PN532 host-link frame codec: exact bytes from UM0701-02 and from nfcpy's own builder."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hardware.sim.nfc.frames import (ACK, ERROR_FRAME, NACK, EventKind, FrameError, FrameReader,
                                     build_command, build_frame, build_response, checksum,
                                     parse_frame)


def test_get_firmware_version_command_is_the_bytes_nfcpy_sends() -> None:
    assert build_command(0x02) == bytes.fromhex("0000FF02FED4022A00")


def test_sam_configuration_command_matches_nfcpy_init() -> None:
    # nfc/clf/pn532.py init(): sam_configuration_cmd = 0000ff05fbd4140100001700
    assert build_command(0x14, b"\x01\x00\x00") == bytes.fromhex("0000FF05FBD4140100001700")


def test_firmware_version_response_bytes() -> None:
    assert build_response(0x02, bytes.fromhex("32010607")) == \
        bytes.fromhex("0000FF06FAD50332010607E800")


def test_fixed_frames() -> None:
    assert ACK == bytes.fromhex("0000FF00FF00")
    assert NACK == bytes.fromhex("0000FFFF0000")
    assert ERROR_FRAME == bytes.fromhex("0000FF01FF7F8100")


def test_checksum_makes_the_sum_zero() -> None:
    assert checksum(b"\xd4\x02") == 0x2A
    assert (sum(b"\xd5\x03\x32\x01\x06\x07") + checksum(b"\xd5\x03\x32\x01\x06\x07")) & 0xFF == 0


def test_longest_normal_and_shortest_extended_frame() -> None:
    normal = build_frame(bytes([0xD4]) + bytes(254))
    assert normal[:5] == bytes([0x00, 0x00, 0xFF, 0xFF, 0x01])
    extended = build_frame(bytes([0xD4]) + bytes(255))
    # 256 = 0x0100, LCS makes 01 + 00 + LCS sum to zero
    assert extended[:8] == bytes.fromhex("0000FFFFFF0100FF")
    assert len(extended) == 8 + 256 + 2


def test_empty_and_oversized_bodies_are_refused() -> None:
    with pytest.raises(FrameError):
        build_frame(b"")
    with pytest.raises(FrameError):
        build_frame(bytes(0x10000))


class _CaptureTransport:
    """Stands in for nfcpy's serial transport only to capture the frames its Chipset builds."""

    TYPE = "TTY"

    def __init__(self, response: bytes) -> None:
        self.written: list[bytes] = []
        self._replies = [ACK, response]

    def write(self, frame: bytes) -> None:
        self.written.append(bytes(frame))

    def read(self, timeout: int) -> bytearray:
        return bytearray(self._replies.pop(0))


@pytest.mark.parametrize("size", [0, 1, 251, 252, 253, 254, 262])
def test_frames_agree_with_nfcpys_chipset(size: int) -> None:
    import logging

    import nfc.clf.pn532

    data = bytes(range(256)) * 2
    data = data[:size]
    transport = _CaptureTransport(build_response(0x00, b"\x00" + data))
    chipset = nfc.clf.pn532.Chipset(transport, logging.getLogger("test"))
    echoed = chipset.command(0x00, b"\x00" + data, timeout=0.1)
    assert transport.written[0] == build_command(0x00, b"\x00" + data)
    assert bytes(echoed) == b"\x00" + data   # nfcpy parsed our (normal or extended) response


def test_reader_skips_wakeup_bytes_and_counts_them() -> None:
    events = FrameReader().feed(bytes.fromhex("5555000000") + build_command(0x02))
    assert [e.kind for e in events] == [EventKind.FRAME]
    assert events[0].code == 0x02 and events[0].lead == 6


def test_reader_finds_ack_nack_and_error_frames() -> None:
    events = FrameReader().feed(ACK + NACK + ERROR_FRAME)
    assert [e.kind for e in events] == [EventKind.ACK, EventKind.NACK, EventKind.FRAME]
    assert events[2].body == b"\x7f"


def test_bad_data_checksum_is_reported_and_the_next_frame_still_parses() -> None:
    bad = bytearray(build_command(0x02))
    bad[-2] ^= 0xFF
    events = FrameReader().feed(bytes(bad) + build_command(0x4A, b"\x01\x00"))
    assert [e.kind for e in events] == [EventKind.BAD_CHECKSUM, EventKind.FRAME]
    assert events[1].code == 0x4A and events[1].data == b"\x01\x00"


def test_bad_length_checksum_resynchronises_on_the_next_start_code() -> None:
    bad = bytearray(build_command(0x02))
    bad[4] ^= 0x01
    events = FrameReader().feed(bytes(bad) + build_command(0x14, b"\x01"))
    assert [e.kind for e in events] == [EventKind.BAD_CHECKSUM, EventKind.FRAME]
    assert events[1].code == 0x14


def test_partial_frame_waits_then_completes_and_reset_drops_it() -> None:
    frame = build_command(0x02)
    reader = FrameReader()
    assert reader.feed(frame[:6]) == []
    assert reader.pending > 0
    assert [e.code for e in reader.feed(frame[6:])] == [0x02]
    reader.feed(frame[:6])
    assert reader.reset() > 0 and reader.pending == 0


def test_parse_frame_refuses_two_frames_and_bad_checksums() -> None:
    assert parse_frame(build_command(0x02)).code == 0x02
    with pytest.raises(FrameError):
        parse_frame(ACK + ACK)
    broken = bytearray(build_command(0x02))
    broken[-2] ^= 1
    with pytest.raises(FrameError, match="checksum"):
        parse_frame(bytes(broken))


@settings(max_examples=60, deadline=None)
@given(body=st.binary(min_size=1, max_size=600), junk=st.binary(max_size=8).filter(
    lambda b: b"\x00\xff" not in b and not b.endswith(b"\x00")),
    cut=st.integers(min_value=1, max_value=64))
def test_any_body_survives_a_round_trip_in_any_chunking(body: bytes, junk: bytes,
                                                       cut: int) -> None:
    stream = junk + build_frame(bytes([0xD4]) + body) + ACK
    reader = FrameReader()
    events = []
    for i in range(0, len(stream), cut):
        events += reader.feed(stream[i:i + cut])
    assert [e.kind for e in events] == [EventKind.FRAME, EventKind.ACK]
    assert events[0].body == bytes([0xD4]) + body
