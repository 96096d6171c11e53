"""The sensor's behaviour: one packet in, zero or more packets out.

State is what an R503 holds: the image buffer, CharBuffer1/2, a template library (200 slots),
system parameters (baud multiplier, security level, packet size), the module address and
password, and whether the password was verified since power-up. Transport, threads and
waiting live in `server.py`; this module only says what to answer and how long the work
takes (`Response.busy_s`).

Faithful where the datasheet is clear: a wrong address is ignored (silence); a bad checksum
or length gets confirmation 0x01; with a non-zero password every instruction before a
successful VfyPwd gets 0x21; SetAdder acknowledges from the new address; a baud change
takes effect after its acknowledgement.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field

from .frames import (BadPacket, Confirmation as C, Instruction as I, MAX_CONTENT, Packet,
                     PacketId, build_packet)
from .fingers import (CHAR_FILE_SIZE, CharFile, Condition, Image, MATCH_THRESHOLDS,
                      blank_char_file, capture, char_file_from_bytes, char_file_from_features,
                      merge, score)

__all__ = ["FACTORY_BAUD", "Response", "Sensor", "Timing"]

FACTORY_BAUD = 57600
BAUD_MULTIPLIERS = (1, 2, 4, 6, 12)
PACKET_SIZES = (32, 64, 128, 256)
SOFT_RESET_SIGN = b"\x55"  # sent after a reset so the host knows the module is ready


@dataclass(frozen=True)
class Timing:
    """Seconds each step takes: `instant()` for tests, `datasheet()` for the R30x family's
    conservative worst cases, `r503()` for the R503 user manual's own figures."""

    capture_s: float = 0.0
    extract_s: float = 0.0
    search_s: float = 0.0
    search_per_template_s: float = 0.0  # 1:N search time that grows with the library
    match_s: float = 0.0
    flash_s: float = 0.0
    wire: bool = False  # also spend bytes*10/baud on the wire for every reply

    NAMES = ("instant", "datasheet", "r503")

    @classmethod
    def instant(cls) -> "Timing":
        return cls()

    @classmethod
    def datasheet(cls) -> "Timing":
        # R30x family sheets: image input < 0.5 s, search < 1 s; extraction taken as 0.5 s.
        return cls(capture_s=0.5, extract_s=0.5, search_s=1.0, match_s=0.05, flash_s=0.05,
                   wire=True)

    @classmethod
    def r503(cls) -> "Timing":
        # R503 user manual: image acquiring < 0.2 s, feature generation < 500 ms,
        # 1:N matching < 10 ms per fingerprint in the library.
        return cls(capture_s=0.2, extract_s=0.5, search_per_template_s=0.01, match_s=0.01,
                   flash_s=0.05, wire=True)

    @classmethod
    def named(cls, name: str) -> "Timing":
        """The profile called `name` (one of NAMES), for command lines."""
        if name not in cls.NAMES:
            raise ValueError(f"unknown sensor timing {name!r} (known: {', '.join(cls.NAMES)})")
        return getattr(cls, name)()

    def search_time(self, templates: int) -> float:
        return self.search_s + self.search_per_template_s * templates


@dataclass
class Response:
    frames: list[bytes]
    busy_s: float = 0.0
    after: bytes = b""  # raw bytes after the frames (the 0x55 reset sign)


@dataclass
class _Finger:
    name: str
    condition: Condition


@dataclass
class Sensor:
    address: int = 0xFFFFFFFF
    password: int = 0
    baud_multiplier: int = FACTORY_BAUD // 9600
    security_level: int = 3
    packet_size_code: int = 2  # 128-byte data packets
    capacity: int = 200
    timing: Timing = field(default_factory=Timing)
    seed: int = 0
    library: dict[int, CharFile] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self._rng = random.Random(self.seed)
        self.finger: _Finger | None = None
        self.led: tuple[int, int, int, int] | None = None  # ctrl, speed, colour, count
        self.power_on()

    def power_on(self) -> None:
        """Volatile state as after power-up; the library and settings are in flash."""
        self.image: Image | None = None
        self.buffers = {1: blank_char_file(), 2: blank_char_file()}
        self.password_ok = self.password == 0
        self.last_match = False
        self._download_to: int | None = None
        self._download = bytearray()

    # -- test hooks, called by SimulatedSensor under its lock --------------------------------
    @property
    def baud(self) -> int:
        return self.baud_multiplier * 9600

    @property
    def packet_size(self) -> int:
        return PACKET_SIZES[self.packet_size_code]

    def place_finger(self, name: str, condition: Condition) -> None:
        self.finger = _Finger(name, condition)

    def lift_finger(self) -> None:
        self.finger = None

    def enroll(self, slot: int, name: str) -> None:
        first, second = (capture(name, Condition.GOOD, self._rng) for _ in range(2))
        self.library[slot] = merge(char_file_from_features(first.features, name),
                                   char_file_from_features(second.features, name))

    # -- the protocol ------------------------------------------------------------------------
    def receive(self, item: Packet | BadPacket) -> Response | None:
        """The answer to one framed packet, or None for silence."""
        if item.address != self.address:
            return None  # "at wrong adder value, module will reject to transfer"
        if isinstance(item, BadPacket):
            self._download_to = None
            return self._ack(C.RECEIVE_ERROR)
        if item.pid in (PacketId.DATA, PacketId.END_OF_DATA):
            return self._receive_data(item)
        self._download_to = None  # a command ends any transfer in progress
        if item.pid != PacketId.COMMAND or not item.content:
            return self._ack(C.RECEIVE_ERROR)
        code, args = item.content[0], item.content[1:]
        if not self.password_ok and code != I.VFY_PWD:
            return self._ack(C.MUST_VERIFY_PASSWORD)
        handler = _HANDLERS.get(code)
        if handler is None:
            return self._ack(C.RECEIVE_ERROR)
        try:
            return handler(self, args)
        except IndexError:  # parameters shorter than the instruction needs
            return self._ack(C.RECEIVE_ERROR)

    def _ack(self, code: int, data: bytes = b"", busy_s: float = 0.0,
             address: int | None = None) -> Response:
        addr = self.address if address is None else address
        return Response([build_packet(addr, PacketId.ACK, bytes([code]) + data)], busy_s)

    def _buffer_id(self, value: int) -> int:
        if value not in self.buffers:
            raise IndexError(value)
        return value

    def _threshold(self) -> int:
        return MATCH_THRESHOLDS[self.security_level]

    # -- image and features ------------------------------------------------------------------
    def _gen_img(self, args: bytes) -> Response:
        busy = self.timing.capture_s
        if self.finger is None:
            return self._ack(C.NO_FINGER, busy_s=busy)
        if self.finger.condition is Condition.DRY:
            self.image = None
            return self._ack(C.ENROLL_FAIL, busy_s=busy)
        self.image = capture(self.finger.name, self.finger.condition, self._rng)
        return self._ack(C.OK, busy_s=busy)

    def _img_2_tz(self, args: bytes) -> Response:
        buffer_id, busy = self._buffer_id(args[0]), self.timing.extract_s
        if self.image is None:
            return self._ack(C.NO_VALID_IMAGE, busy_s=busy)
        if self.image.condition is Condition.WET:
            return self._ack(C.MESSY_IMAGE, busy_s=busy)
        if self.image.condition is Condition.PARTIAL:
            return self._ack(C.FEW_FEATURE_POINTS, busy_s=busy)
        self.buffers[buffer_id] = char_file_from_features(self.image.features, self.image.finger)
        return self._ack(C.OK, busy_s=busy)

    def _match(self, args: bytes) -> Response:
        value = score(self.buffers[1], self.buffers[2])
        ok = value >= self._threshold()
        return self._ack(C.OK if ok else C.NO_MATCH, value.to_bytes(2, "big"),
                         busy_s=self.timing.match_s)

    def _search(self, args: bytes) -> Response:
        buffer_id = self._buffer_id(args[0])
        start, count = int.from_bytes(args[1:3], "big"), int.from_bytes(args[3:5], "big")
        if len(args) < 5:
            raise IndexError(len(args))
        probe, best, compared = self.buffers[buffer_id], (-1, 0), 0
        for slot in range(start, min(start + count, self.capacity)):
            if slot in self.library:
                compared += 1
                value = score(probe, self.library[slot])
                if value > best[1]:
                    best = (slot, value)
        self.last_match = best[0] >= 0 and best[1] >= self._threshold()
        busy = self.timing.search_time(compared)
        if not self.last_match:
            return self._ack(C.NOT_FOUND, bytes(4), busy_s=busy)
        return self._ack(C.OK, best[0].to_bytes(2, "big") + best[1].to_bytes(2, "big"),
                         busy_s=busy)

    def _reg_model(self, args: bytes) -> Response:
        if score(self.buffers[1], self.buffers[2]) < self._threshold():
            return self._ack(C.COMBINE_FAIL, busy_s=self.timing.match_s)
        self.buffers[1] = self.buffers[2] = merge(self.buffers[1], self.buffers[2])
        return self._ack(C.OK, busy_s=self.timing.match_s)

    # -- the template library ----------------------------------------------------------------
    def _slot(self, args: bytes) -> int:
        if len(args) < 2:
            raise IndexError(len(args))
        return int.from_bytes(args[0:2], "big")

    def _store(self, args: bytes) -> Response:
        buffer_id, slot = self._buffer_id(args[0]), self._slot(args[1:])
        if slot >= self.capacity:
            return self._ack(C.BAD_LOCATION)
        self.library[slot] = self.buffers[buffer_id]
        return self._ack(C.OK, busy_s=self.timing.flash_s)

    def _load_char(self, args: bytes) -> Response:
        buffer_id, slot = self._buffer_id(args[0]), self._slot(args[1:])
        if slot >= self.capacity:
            return self._ack(C.BAD_LOCATION)
        if slot not in self.library:
            return self._ack(C.READ_TEMPLATE_FAIL)
        self.buffers[buffer_id] = self.library[slot]
        return self._ack(C.OK)

    def _delete_char(self, args: bytes) -> Response:
        slot, count = self._slot(args), self._slot(args[2:])
        if count == 0 or slot + count > self.capacity:
            return self._ack(C.DELETE_FAIL)
        for index in range(slot, slot + count):
            self.library.pop(index, None)
        return self._ack(C.OK, busy_s=self.timing.flash_s)

    def _empty(self, args: bytes) -> Response:
        self.library.clear()
        return self._ack(C.OK, busy_s=self.timing.flash_s)

    def _template_num(self, args: bytes) -> Response:
        return self._ack(C.OK, len(self.library).to_bytes(2, "big"))

    def _read_index_table(self, args: bytes) -> Response:
        page = args[0]
        if page > 3:
            return self._ack(C.RECEIVE_ERROR)
        table = bytearray(32)  # bit n of byte k is slot page*256 + 8k + n
        for slot in self.library:
            if page * 256 <= slot < (page + 1) * 256:
                offset = slot - page * 256
                table[offset // 8] |= 1 << (offset % 8)
        return self._ack(C.OK, bytes(table))

    # -- character file transfer -------------------------------------------------------------
    def _up_char(self, args: bytes) -> Response:
        data, size = self.buffers[self._buffer_id(args[0])].data, self.packet_size
        response = self._ack(C.OK)
        for offset in range(0, len(data), size):
            last = offset + size >= len(data)
            response.frames.append(build_packet(
                self.address, PacketId.END_OF_DATA if last else PacketId.DATA,
                data[offset:offset + size]))
        return response

    def _down_char(self, args: bytes) -> Response:
        self._download_to, self._download = self._buffer_id(args[0]), bytearray()
        return self._ack(C.OK)

    def _receive_data(self, item: Packet) -> Response | None:
        if self._download_to is None:
            return self._ack(C.RECEIVE_ERROR)  # data must follow a command
        self._download += item.content
        if len(self._download) > CHAR_FILE_SIZE + MAX_CONTENT:
            self._download_to = None  # runaway transfer: drop it
            return self._ack(C.CANNOT_RECEIVE_DATA)
        if item.pid == PacketId.END_OF_DATA:
            self.buffers[self._download_to] = char_file_from_bytes(bytes(self._download))
            self._download_to = None
        return None  # the module never acknowledges data packets

    # -- system ------------------------------------------------------------------------------
    def _set_sys_para(self, args: bytes) -> Response:
        number, value = args[0], args[1]
        allowed = {4: BAUD_MULTIPLIERS, 5: range(1, 6), 6: range(4)}.get(number)
        if allowed is None:
            return self._ack(C.BAD_REGISTER)
        if value not in allowed:
            return self._ack(C.BAD_REGISTER_VALUE)
        response = self._ack(C.OK, busy_s=self.timing.flash_s)  # built before the change
        if number == 4:
            self.baud_multiplier = value
        elif number == 5:
            self.security_level = value
        else:
            self.packet_size_code = value
        return response

    def status_register(self) -> int:
        return (self.last_match << 1) | (self.password_ok << 2) | ((self.image is not None) << 3)

    def _read_sys_para(self, args: bytes) -> Response:
        words = (self.status_register(), 0x0000, self.capacity, self.security_level)
        body = b"".join(w.to_bytes(2, "big") for w in words) + self.address.to_bytes(4, "big")
        body += self.packet_size_code.to_bytes(2, "big") + self.baud_multiplier.to_bytes(2, "big")
        return self._ack(C.OK, body)

    def _vfy_pwd(self, args: bytes) -> Response:
        if len(args) < 4:
            raise IndexError(len(args))
        self.password_ok = int.from_bytes(args[:4], "big") == self.password
        return self._ack(C.OK if self.password_ok else C.WRONG_PASSWORD)

    def _set_pwd(self, args: bytes) -> Response:
        if len(args) < 4:
            raise IndexError(len(args))
        self.password = int.from_bytes(args[:4], "big")
        return self._ack(C.OK, busy_s=self.timing.flash_s)

    def _set_adder(self, args: bytes) -> Response:
        if len(args) < 4:
            raise IndexError(len(args))
        self.address = int.from_bytes(args[:4], "big")
        return self._ack(C.OK, busy_s=self.timing.flash_s)  # sent from the new address

    def _random(self, args: bytes) -> Response:
        return self._ack(C.OK, self._rng.getrandbits(32).to_bytes(4, "big"))

    def _aura(self, args: bytes) -> Response:
        ctrl, speed, colour, count = args[0], args[1], args[2], args[3]
        if not 1 <= ctrl <= 6 or not 1 <= colour <= 7:
            return self._ack(C.RECEIVE_ERROR)
        self.led = (ctrl, speed, colour, count)
        return self._ack(C.OK)

    def _ok(self, args: bytes) -> Response:
        return self._ack(C.OK)

    def _soft_reset(self, args: bytes) -> Response:
        response = self._ack(C.OK)
        self.power_on()
        response.after = SOFT_RESET_SIGN
        return response


_HANDLERS: dict[int, Callable[[Sensor, bytes], Response]] = {
    I.GEN_IMG: Sensor._gen_img, I.GET_IMAGE_EX: Sensor._gen_img,
    I.IMG_2_TZ: Sensor._img_2_tz, I.MATCH: Sensor._match, I.SEARCH: Sensor._search,
    I.REG_MODEL: Sensor._reg_model, I.STORE: Sensor._store, I.LOAD_CHAR: Sensor._load_char,
    I.UP_CHAR: Sensor._up_char, I.DOWN_CHAR: Sensor._down_char,
    I.DELETE_CHAR: Sensor._delete_char, I.EMPTY: Sensor._empty,
    I.SET_SYS_PARA: Sensor._set_sys_para, I.READ_SYS_PARA: Sensor._read_sys_para,
    I.SET_PWD: Sensor._set_pwd, I.VFY_PWD: Sensor._vfy_pwd, I.GET_RANDOM_CODE: Sensor._random,
    I.SET_ADDER: Sensor._set_adder, I.TEMPLATE_NUM: Sensor._template_num,
    I.READ_INDEX_TABLE: Sensor._read_index_table, I.AURA_LED_CONFIG: Sensor._aura,
    I.CHECK_SENSOR: Sensor._ok, I.HANDSHAKE: Sensor._ok, I.SOFT_RESET: Sensor._soft_reset,
}
