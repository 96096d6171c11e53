"""Frames into the simulators: R30x packets into the fingerprint sensor, PN532 host frames
into both simulated chips, ISO-DEP blocks into the card-side PICC."""

from __future__ import annotations

import threading

from hardware.sim.fingerprint.frames import BadPacket, PacketId, PacketReader, build_packet, parse_packet
from hardware.sim.fingerprint.sensor import Sensor
from hardware.sim.nfc.card_chip import CardChip
from hardware.sim.nfc.chip import ChipSyntaxError, CommandCancelled
from hardware.sim.nfc.codes import Command
from hardware.sim.nfc.frames import EventKind, FrameReader, build_command
from hardware.sim.nfc.picc import Action, IsoDepPicc
from hardware.sim.nfc.reader_chip import ReaderChip
from hardware.sim.nfc.rf_link import RfLink
from hardware.sim.nfc.trace import Trace

from . import Outcome, SimpleHarness

__all__ = ["fingerprint_sim_harness", "pn532_sim_harness", "picc_harness", "split_blocks"]

_FP_ADDR = 0xFFFFFFFF


def _fp_command(code: int, args: bytes = b"") -> bytes:
    return build_packet(_FP_ADDR, PacketId.COMMAND, bytes([code]) + args)


def _flash_state(sensor: Sensor) -> dict:
    """What survives power-off: the library and the settings."""
    fields = {name: getattr(sensor, name) for name in (
        "address", "password", "baud_multiplier", "security_level", "packet_size_code")}
    fields["library"] = {slot: bytes(t.features()) for slot, t in sensor.library.items()}
    return fields


def fingerprint_sim_harness() -> SimpleHarness:
    seeds = [
        _fp_command(0x13, bytes(4)) + _fp_command(0x01),                  # VfyPwd, GenImg
        _fp_command(0x02, b"\x01") + _fp_command(0x04, b"\x01\x00\x00\x00\xc8"),
        _fp_command(0x05) + _fp_command(0x06, b"\x01\x00\x05"),           # RegModel, Store
        _fp_command(0x0F) + _fp_command(0x1D) + _fp_command(0x1F, b"\x00"),
        _fp_command(0x08, b"\x01") + _fp_command(0x09, b"\x01"),          # UpChar, DownChar
        build_packet(_FP_ADDR, PacketId.DATA, bytes(128)),
        _fp_command(0x35, b"\x01\x80\x02\x00") + _fp_command(0x0E, b"\x04\x06"),
    ]

    def check(data: bytes) -> Outcome:
        sensor = Sensor(seed=1)
        sensor.enroll(3, "alice")
        reader = PacketReader()
        accepted = False
        for i in range(0, len(data), 17):  # the stream arrives in pieces, as on a UART
            for item in reader.feed(data[i:i + 17], now=0.0):
                before = _flash_state(sensor)
                response = sensor.receive(item)
                if isinstance(item, BadPacket):
                    assert _flash_state(sensor) == before, "a bad packet changed the sensor"
                else:
                    accepted = True
                for frame in (response.frames if response else []):
                    parse_packet(frame)  # every answer is one well-formed packet
        return "accepted" if accepted else "rejected"
    return SimpleHarness(seeds, check)


def _chips() -> tuple[ReaderChip, CardChip]:
    cond, trace = threading.Condition(), Trace()
    return ReaderChip(cond, trace, RfLink(cond, trace)), CardChip(cond, trace)


def pn532_sim_harness() -> SimpleHarness:
    """Every complete command runs on both chips; a command that would wait (for a card, for
    the reader) is cancelled at once, as a host ACK would, so no input can block."""
    tg_init = bytes([0x05, 0x04, 0x00, 0x12, 0x34, 0x56, 0x20]) + bytes(18) + bytes(10) + b"\x00\x00"
    seeds = [build_command(code, data) for code, data in (
        (Command.GET_FIRMWARE_VERSION, b""), (Command.SAM_CONFIGURATION, b"\x01\x00\x01"),
        (Command.RF_CONFIGURATION, b"\x05\xff\x01\xff"), (Command.DIAGNOSE, b"\x00abc"),
        (Command.READ_REGISTER, b"\x63\x04\x63\x3a"), (Command.WRITE_REGISTER, b"\x63\x04\x83"),
        (Command.SET_SERIAL_BAUD_RATE, b"\x04"), (Command.POWER_DOWN, b"\x10"),
        (Command.IN_LIST_PASSIVE_TARGET, b"\x01\x00"), (Command.IN_COMMUNICATE_THRU, b"\xe0\x80"),
        (Command.IN_DATA_EXCHANGE, b"\x01\x00\xa4\x04\x00"), (Command.TG_INIT_AS_TARGET, tg_init),
        (Command.TG_GET_DATA, b""), (Command.TG_SET_DATA, b"\x90\x00"),
        (Command.TG_GET_TARGET_STATUS, b""))]
    seeds.append(b"\x00\x00\xff\xff\xff\x01\x00\xd4\x02" + bytes(256) + b"\x2a\x00")  # extended

    def check(data: bytes) -> Outcome:
        reader, card = _chips()
        frames = FrameReader()
        ran = 0
        for i in range(0, len(data), 23):
            for event in frames.feed(data[i:i + 23]):
                if event.kind is not EventKind.FRAME or event.tfi != 0xD4:
                    continue
                for chip in (reader, card):
                    try:
                        answer = chip.execute(event.code, event.data, lambda: True)
                        assert isinstance(answer, bytes) and len(answer) < 300
                        ran += 1
                    except (ChipSyntaxError, CommandCancelled):
                        pass
        return "accepted" if ran else "rejected"
    return SimpleHarness(seeds, check)


def split_blocks(data: bytes) -> list[bytes]:
    """length-prefixed blocks: n, then n bytes (the last one may be short)."""
    out, i = [], 0
    while i < len(data):
        n = data[i] % 64
        out.append(data[i + 1:i + 1 + n])
        i += 1 + n
    return out


def picc_harness() -> SimpleHarness:
    def blocks(*items: bytes) -> bytes:
        return b"".join(bytes([len(b)]) + b for b in items)
    seeds = [blocks(b"\x02\x00\xa4\x04\x00", b"\xb3", b"\x03\x80\x11\x00\x00"),
             blocks(b"\x12\x00\xa4", b"\x03\x04\x00\x07", b"\xa2", b"\xb2", b"\xc2"),
             blocks(b"\xf2\x3b", b"\xf2\x01", b"\x02\x00\xc0\x00\x00\x00", b"\xa3", b"\xbb")]

    def check(data: bytes) -> Outcome:
        picc = IsoDepPicc(fsci=data[0] % 9 if data else 8, fwi=7, fsdi=data[1] % 9 if len(data) > 1 else 8)
        delivered = 0
        for block in split_blocks(data):
            action = picc.on_block(block)
            assert isinstance(action.action, Action)
            if action.action in (Action.REPLY, Action.DESELECT):
                assert action.frame and len(action.frame) <= max(picc.fsd - 2, 2)
            if action.action is Action.DELIVER:
                delivered += 1
                frame = picc.respond(b"\x90\x00" * (delivered % 90))
                assert frame and len(frame) <= picc.fsd - 2
        return "accepted" if delivered else "rejected"
    return SimpleHarness(seeds, check)
