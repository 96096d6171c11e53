"""The ICEband applet: APDU in, R-APDU out (docs/protocol.md). Pure: the vault, the sensor and
the clock are injected, so the same file runs on the band, on CPython and on the unix port.

Every APDU gets a status word; nothing raises out of `process`. Responses are built in one
buffer allocated at start: `process` returns a memoryview into it, valid until the next call.
"""

from micropython import const

import lockout
import proto
from enroll import Enroll
from release import Clock, Release
from drivers.r30x import SensorError
from vault import VaultError

TYPE_CHECKING = False  # mypy reads the block below; MicroPython never runs it
if TYPE_CHECKING:
    from fwtypes import Sensor, Ticks
    from vault import Vault

__all__ = ["Applet"]

# Numbers only the applet uses (docs/protocol.md section 2); private consts cost no RAM.
_ADDRESS_LEN = const(20)
_BLOB_MAX = const(4096)
_CHALLENGE_LEN = const(32)
_CHUNK = const(240)  # largest response body per R-APDU (fits one PN532 normal frame)
_CLA_ISO = const(0x00)
_CLA_PROP = const(0x80)
_DEVICE_ID_LEN = const(16)
_INS_CANCEL = const(0x12)
_INS_COMMIT = const(0x52)
_INS_ENROLL_BEGIN = const(0x40)
_INS_ENROLL_POLL = const(0x41)
_INS_GET_RESPONSE = const(0xC0)
_INS_READ_SUMMARY = const(0x20)
_INS_RELEASE_BEGIN = const(0x10)
_INS_RELEASE_POLL = const(0x11)
_INS_SELECT = const(0xA4)
_INS_WRITE = const(0x50)
_ITEM_ADDRESS = const(2)
_ITEM_BLOB = const(3)
_ITEM_DEVICE_ID = const(1)
_ITEM_SECRET = const(4)
_ITEM_SUMMARY = const(5)
_SECRET_LEN = const(32)
_STATE_LOCKED = const(2)
_STATE_READY = const(1)
_STATE_UNPROVISIONED = const(0)
_SUMMARY_MAX = const(4096)
_TAG_ADDRESS = const(0x82)
_TAG_DEVICE_ID = const(0x81)
_TAG_RETRIES = const(0x84)
_TAG_STATE = const(0x83)
_TAG_SUMMARY_LEN = const(0x86)
_TAG_VERSION = const(0x80)
_VERSION = const(1)

_ITEM_SIZES = {_ITEM_DEVICE_ID: _DEVICE_ID_LEN, _ITEM_ADDRESS: _ADDRESS_LEN,
               _ITEM_BLOB: _BLOB_MAX, _ITEM_SECRET: _SECRET_LEN,
               _ITEM_SUMMARY: _SUMMARY_MAX}


class Applet:
    def __init__(self, vault: "Vault", sensor: "Sensor", ticks: "Ticks") -> None:
        self._vault = vault
        self.lock = Clock(vault, ticks)
        self._release = Release(vault, sensor, ticks, self.lock)
        self._enroll = Enroll(sensor, ticks)
        self._out = bytearray(_CHUNK + 2)
        self._view = memoryview(self._out)
        self.last_error = None  # type: Exception | None
        self.deselect()

    def deselect(self) -> None:
        """Ends the session: RF field lost, another SELECT, a new serial session."""
        self._selected = False
        self._released = False
        self._end_waits()
        self._pending_head = b""
        self._pending_blob = 0  # blob bytes still to send after the head
        self._blob_pos = 0

    def _end_waits(self) -> None:
        self._release.end()
        self._enroll.end()

    def tick(self) -> None:
        """Idle work from the main loop: persist the lockout countdown."""
        try:
            self.lock.tick()
        except VaultError:
            pass  # the old, longer countdown stays on flash: fails closed

    def process(self, apdu: bytes, wired: bool = False) -> memoryview:
        try:
            return self._process(apdu, wired)
        except Exception as exc:  # the last line of defence: a status word, never an exception
            self.last_error = exc  # for main.py's log
            self._end_waits()
            self._pending_head = b""
            self._pending_blob = 0
            return self._sw(proto.SW_UNKNOWN)

    def _sw(self, sw: int, body: bytes = b"", filled: int = 0) -> memoryview:
        """Body (or `filled` bytes already in the buffer) followed by the status word."""
        out = self._out
        n = len(body) if body else filled
        if body:
            out[:n] = body
        out[n] = sw >> 8
        out[n + 1] = sw & 0xFF
        return self._view[: n + 2]

    def _process(self, apdu: bytes, wired: bool) -> memoryview:
        n = len(apdu)
        if n < 4:
            return self._sw(proto.SW_WRONG_LENGTH)
        cla, ins, p1, p2 = apdu[0], apdu[1], apdu[2], apdu[3]
        data = b""
        le = -1
        if n == 5:
            le = apdu[4] or 256
        elif n > 5:
            lc = apdu[4]
            if lc == 0 or n not in (5 + lc, 6 + lc):
                return self._sw(proto.SW_WRONG_LENGTH)
            data = apdu[5:5 + lc]
            if n == 6 + lc:
                le = apdu[n - 1] or 256
        if cla == _CLA_ISO:
            if ins == _INS_SELECT:
                return self._select(p1, p2, data)
            if ins == _INS_GET_RESPONSE:
                return self._get_response(p1, p2, data, le)
            return self._sw(proto.SW_INS)
        if cla != _CLA_PROP:
            return self._sw(proto.SW_CLA)
        if ins not in (_INS_RELEASE_BEGIN, _INS_RELEASE_POLL, _INS_CANCEL,
                       _INS_READ_SUMMARY, _INS_ENROLL_BEGIN, _INS_ENROLL_POLL,
                       _INS_WRITE, _INS_COMMIT):
            return self._sw(proto.SW_INS)
        self._pending_head = b""
        self._pending_blob = 0
        if not self._selected:
            return self._sw(proto.SW_CONDITIONS)
        if ins == _INS_RELEASE_POLL:
            if p1 or p2:
                return self._sw(proto.SW_WRONG_P1P2)
            if data:
                return self._sw(proto.SW_WRONG_LENGTH)
            return self._release_poll(le)
        if ins == _INS_ENROLL_POLL and not (p1 or p2 or data) and wired:
            if not self._enroll.active:
                return self._sw(proto.SW_CONDITIONS)
            sw, body = self._enroll.poll()
            return self._sw(sw, body)
        self._end_waits()  # any other APDU ends a running wait
        if ins == _INS_READ_SUMMARY:
            return self._read_summary(p1, p2, data, le)
        if (p1 or p2) and ins != _INS_WRITE:
            return self._sw(proto.SW_WRONG_P1P2)
        if ins == _INS_CANCEL:
            return self._sw(proto.SW_WRONG_LENGTH if data else proto.SW_OK)
        if ins == _INS_RELEASE_BEGIN:
            return self._release_begin(data)
        return self._provisioning(ins, p1, p2, data, wired)

    # SELECT and public facts

    def _select(self, p1: int, p2: int, data: bytes) -> memoryview:
        if p1 != 0x04 or p2 != 0x00:
            return self._sw(proto.SW_WRONG_P1P2)
        self.deselect()
        if data != proto.AID:
            return self._sw(proto.SW_NOT_FOUND)
        self._selected = True
        vault = self._vault
        left = self.lock.seconds_left() if vault.provisioned else 0
        if not vault.provisioned:
            state = _STATE_UNPROVISIONED
        else:
            state = _STATE_LOCKED if left else _STATE_READY
        body = (proto.tlv(_TAG_VERSION, bytes((_VERSION,)))
                + proto.tlv(_TAG_DEVICE_ID, vault.device_id)
                + proto.tlv(_TAG_ADDRESS, vault.address)
                + proto.tlv(_TAG_STATE, bytes((state,)))
                + proto.tlv(_TAG_RETRIES,
                            bytes((lockout.attempts_left(vault.failures, left > 0),)))
                + proto.tlv(proto.TAG_LOCKOUT, left.to_bytes(4, "big"))
                + proto.tlv(_TAG_SUMMARY_LEN, vault.summary_len.to_bytes(2, "big")))
        return self._sw(proto.SW_OK, body)

    # Release

    def _release_begin(self, data: bytes) -> memoryview:
        if not self._vault.provisioned:
            return self._sw(proto.SW_CONDITIONS)
        if len(data) != _CHALLENGE_LEN:
            return self._sw(proto.SW_WRONG_LENGTH)
        left = self.lock.seconds_left()
        if left:
            return self._sw(proto.SW_LOCKED, proto.tlv(proto.TAG_LOCKOUT, left.to_bytes(4, "big")))
        self._release.begin(data)
        return self._sw(proto.SW_OK)

    def _release_poll(self, le: int) -> memoryview:
        if not self._release.active:
            return self._sw(proto.SW_CONDITIONS)
        sw, body = self._release.poll()
        if sw != proto.SW_OK:
            return self._sw(sw, body)
        self._released = True
        self._pending_head = body
        self._pending_blob = self._vault.blob_len
        self._blob_pos = 0
        return self._next_chunk(le)

    def _next_chunk(self, le: int) -> memoryview:
        room = _CHUNK if le < 0 else min(le, _CHUNK)
        head = self._pending_head
        n = min(len(head), room)
        self._out[:n] = head[:n]
        self._pending_head = head[n:]
        take = min(room - n, self._pending_blob)
        if take:
            self._vault.read_blob_into(self._blob_pos, self._view[n: n + take])
            self._blob_pos += take
            self._pending_blob -= take
            n += take
        left = len(self._pending_head) + self._pending_blob
        sw = proto.SW_OK
        if left:
            sw = proto.SW_MORE | left if left < 256 else proto.SW_MORE
        return self._sw(sw, filled=n)

    def _get_response(self, p1: int, p2: int, data: bytes, le: int) -> memoryview:
        if p1 or p2:
            return self._sw(proto.SW_WRONG_P1P2)
        if data:
            return self._sw(proto.SW_WRONG_LENGTH)
        if not (self._pending_head or self._pending_blob):
            return self._sw(proto.SW_CONDITIONS)
        return self._next_chunk(le)

    def _read_summary(self, p1: int, p2: int, data: bytes, le: int) -> memoryview:
        if data:
            return self._sw(proto.SW_WRONG_LENGTH)
        if not self._released:
            return self._sw(proto.SW_CONDITIONS)
        total = self._vault.summary_len
        if not total:
            return self._sw(proto.SW_NOT_FOUND)
        offset = (p1 << 8) | p2
        if offset > total:
            return self._sw(proto.SW_WRONG_DATA)
        room = min(_CHUNK if le < 0 else min(le, _CHUNK), total - offset)
        self._vault.read_summary_into(offset, self._view[:room])
        return self._sw(proto.SW_OK, filled=room)

    # Provisioning (USB serial only, unprovisioned only)

    def _provisioning(self, ins: int, p1: int, p2: int, data: bytes, wired: bool) -> memoryview:
        if not wired:
            return self._sw(proto.SW_SECURITY)
        if self._vault.provisioned:
            return self._sw(proto.SW_CONDITIONS)
        if ins == _INS_ENROLL_BEGIN:
            if data:
                return self._sw(proto.SW_WRONG_LENGTH)
            try:
                self._enroll.begin()
            except SensorError:
                return self._sw(proto.SW_SENSOR_ERROR)
            return self._sw(proto.SW_OK)
        if ins == _INS_ENROLL_POLL:
            return self._sw(proto.SW_WRONG_LENGTH if data else proto.SW_CONDITIONS)
        if ins == _INS_WRITE:
            return self._write(p1, p2, data)
        return self._commit(data)

    def _write(self, item: int, p2: int, data: bytes) -> memoryview:
        size = _ITEM_SIZES.get(item)
        if size is None or p2:
            return self._sw(proto.SW_WRONG_P1P2)
        if len(data) < 2 or len(data) > 2 + _CHUNK:
            return self._sw(proto.SW_WRONG_LENGTH)
        offset = (data[0] << 8) | data[1]
        if offset and offset != self._vault.staged.get(item, 0):
            return self._sw(proto.SW_WRONG_DATA)
        if offset + len(data) - 2 > size:
            return self._sw(proto.SW_WRONG_LENGTH)
        try:
            self._vault.stage(item, offset, memoryview(data)[2:])  # on flash: RAM stays flat
        except VaultError:
            return self._sw(proto.SW_MEMORY_FAILURE)
        return self._sw(proto.SW_OK)

    def _commit(self, data: bytes) -> memoryview:
        if data:
            return self._sw(proto.SW_WRONG_LENGTH)
        staged = self._vault.staged
        for item in (_ITEM_DEVICE_ID, _ITEM_ADDRESS, _ITEM_SECRET):
            if staged.get(item, 0) != _ITEM_SIZES[item]:
                return self._sw(proto.SW_CONDITIONS)
        if not staged.get(_ITEM_BLOB) or not self._enroll.enrolled:
            return self._sw(proto.SW_CONDITIONS)
        try:
            self._vault.commit_staged()
        except VaultError:
            return self._sw(proto.SW_MEMORY_FAILURE)
        self.lock.mark()
        return self._sw(proto.SW_OK)
