"""The R30x packet codec: exact bytes, corrupt packets, and stream framing."""

from __future__ import annotations

import pytest
from hypothesis import given, strategies as st

from hardware.sim.fingerprint.frames import (BadPacket, FrameError, FrameFault, Packet,
                                             PacketId, PacketReader, build_packet, checksum,
                                             parse_packet)

# VfyPwd with password 0 to the factory address, as pyfingerprint.verifyPassword() writes it
VFY_PWD_0 = bytes.fromhex("EF01 FFFFFFFF 01 0007 13 00000000 001B")
# "OK" acknowledgement from the factory address (checksum 07 + 00 03 + 00 = 0x000A)
ACK_OK = bytes.fromhex("EF01 FFFFFFFF 07 0003 00 000A")


def test_build_vfy_pwd_exact_bytes() -> None:
    assert build_packet(0xFFFFFFFF, PacketId.COMMAND, b"\x13\x00\x00\x00\x00") == VFY_PWD_0


def test_build_ack_exact_bytes() -> None:
    assert build_packet(0xFFFFFFFF, PacketId.ACK, b"\x00") == ACK_OK


def test_checksum_drops_overflow() -> None:
    content = b"\xff" * 256  # 2 + 1 + 2 + 65280 = 65285 -> 0xFF05 (no overflow yet)
    assert checksum(PacketId.DATA, content) == (2 + 0x01 + 0x02 + 255 * 256) & 0xFFFF
    assert checksum(0xFF, b"\xff" * 256) == (0xFF + 0x01 + 0x02 + 255 * 256) & 0xFFFF


def test_parse_known_packet() -> None:
    assert parse_packet(VFY_PWD_0) == Packet(0xFFFFFFFF, 0x01, b"\x13\x00\x00\x00\x00")
    assert parse_packet(VFY_PWD_0).instruction == 0x13


@given(st.integers(0, 0xFFFFFFFF), st.sampled_from(list(PacketId)), st.binary(max_size=256))
def test_round_trip(address: int, pid: int, content: bytes) -> None:
    assert parse_packet(build_packet(address, pid, content)) == Packet(address, pid, content)


@pytest.mark.parametrize("frame, fault", [
    (VFY_PWD_0[:-1] + b"\x1c", FrameFault.BAD_CHECKSUM),
    (b"\xef\x02" + VFY_PWD_0[2:], FrameFault.BAD_HEADER),
    (VFY_PWD_0[:-3], FrameFault.TRUNCATED),
    (VFY_PWD_0 + b"\x00", FrameFault.BAD_LENGTH),
    (VFY_PWD_0[:7] + b"\x01\x03" + VFY_PWD_0[9:], FrameFault.BAD_LENGTH),
    (VFY_PWD_0[:7] + b"\x00\x01" + VFY_PWD_0[9:], FrameFault.BAD_LENGTH),
])
def test_parse_rejects_corrupt(frame: bytes, fault: FrameFault) -> None:
    with pytest.raises(FrameError) as info:
        parse_packet(frame)
    assert info.value.fault is fault


def test_build_rejects_oversize_and_bad_address() -> None:
    with pytest.raises(ValueError, match="257 content bytes"):
        build_packet(0, 1, bytes(257))
    with pytest.raises(ValueError, match="32 bits"):
        build_packet(1 << 32, 1, b"")


def test_reader_byte_by_byte_with_leading_noise() -> None:
    reader, got = PacketReader(), []
    for byte in b"\x00\x55\xef" + VFY_PWD_0 + ACK_OK:
        got += reader.feed(bytes([byte]), now=0.0)
    assert got == [parse_packet(VFY_PWD_0), parse_packet(ACK_OK)]
    assert reader.pending() == 0


def test_reader_reports_bad_checksum_and_continues() -> None:
    bad = VFY_PWD_0[:-1] + b"\x00"
    got = PacketReader().feed(bad + ACK_OK, now=0.0)
    assert got == [BadPacket(FrameFault.BAD_CHECKSUM, 0xFFFFFFFF), parse_packet(ACK_OK)]


def test_reader_resyncs_after_impossible_length() -> None:
    bad = VFY_PWD_0[:7] + b"\xff\xff" + VFY_PWD_0[9:]
    got = PacketReader().feed(bad + VFY_PWD_0, now=0.0)
    assert got == [BadPacket(FrameFault.BAD_LENGTH, 0xFFFFFFFF), parse_packet(VFY_PWD_0)]


def test_reader_drops_half_packet_after_gap() -> None:
    reader = PacketReader(gap_s=1.0)
    assert reader.feed(VFY_PWD_0[:8], now=0.0) == []
    # the host gave up; two seconds later a whole packet arrives and is read cleanly
    assert reader.feed(ACK_OK, now=2.0) == [parse_packet(ACK_OK)]


@given(st.binary(max_size=600))
def test_reader_never_raises_on_noise(noise: bytes) -> None:
    for item in PacketReader().feed(noise, now=0.0):
        assert isinstance(item, (Packet, BadPacket))
