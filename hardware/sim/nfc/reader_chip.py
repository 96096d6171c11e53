"""The PN532 in reader (initiator) mode: what nfcpy's `pn532` driver talks to.

nfcpy runs ISO-DEP itself: it lists a Type A target with InListPassiveTarget (automatic RATS
off, SetParameters 0x00) and then sends RATS, I-blocks, R-blocks and S(WTX) answers raw with
InCommunicateThru, timing each exchange with RFConfiguration item 2. Drivers that leave
ISO-DEP to the chip set fAutomaticRATS and use InDataExchange; `reader_iso_dep` does that part.
"""

from __future__ import annotations

import threading

from .chip import Cancelled, ChipSyntaxError, CommandCancelled, Pn532Chip
from .codes import Command, Status
from .reader_iso_dep import PcdSession
from .rf_link import RfLink
from .trace import Trace

__all__ = ["ReaderChip"]

_AUTOMATIC_RATS = 0x10   # SetParameters flag
_BAUD_TYPES = (0, 1, 2, 3, 4, 6, 7, 8)
_FOREVER = 0xFF           # MxRtyPassiveActivation: retry until a card answers
_NO_DEP_TARGET = bytes([Status.TIMEOUT])


def _rf_timeout(index: int) -> float | None:
    """RFConfiguration item 2, third byte: 100 us * 2**(n-1), n = 0 means wait forever."""
    return None if index == 0 else 100e-6 * (1 << (index - 1))


class ReaderChip(Pn532Chip):
    role = "reader"

    def __init__(self, cond: threading.Condition, trace: Trace, link: RfLink) -> None:
        super().__init__(cond, trace)
        self.link = link
        self.rf_settings[0x02] = b"\x00\x0b\x0a"
        self.rf_settings[0x05] = b"\xff\x01\xff"   # reset values: retry passive activation forever
        self.target: PcdSession | None = None
        self.handlers.update({
            Command.IN_LIST_PASSIVE_TARGET: self._in_list_passive_target,
            Command.IN_COMMUNICATE_THRU: self._in_communicate_thru,
            Command.IN_DATA_EXCHANGE: self._in_data_exchange,
            Command.IN_RELEASE: self._in_release,
            Command.IN_DESELECT: self._in_release,
            Command.IN_JUMP_FOR_DEP: lambda data, c: _NO_DEP_TARGET,
            Command.IN_JUMP_FOR_PSL: lambda data, c: _NO_DEP_TARGET,
            Command.IN_ATR: lambda data, c: _NO_DEP_TARGET,
        })

    def rf_field(self, on: bool) -> None:
        if not on:
            self.target = None
        self.link.set_carrier(on)

    def general_status_targets(self) -> bytes:
        return b"\x01\x01\x00\x00\x00" if self.target else b"\x00"

    @property
    def exchange_timeout(self) -> float | None:
        return _rf_timeout(self.rf_settings[0x02][2])

    def _in_list_passive_target(self, data: bytes, cancelled: Cancelled) -> bytes:
        if len(data) < 2 or data[0] not in (1, 2) or data[1] not in _BAUD_TYPES:
            raise ChipSyntaxError("InListPassiveTarget takes MaxTg 1..2, BrTy and initiator data")
        self._switch_field(True)
        self.target = None
        if data[1] != 0:   # the band answers only ISO/IEC 14443 Type A at 106 kbit/s
            return b"\x00"
        uid = self._strip_cascade_tags(data[2:])
        retries = self.rf_settings[0x05][2]
        answer = self.link.poll_type_a(uid)
        while answer is None and retries == _FOREVER:
            self.wait(lambda: self.link.card_would_answer, cancelled)
            answer = self.link.poll_type_a(uid)
        if answer is None:
            self.fifo = [0x26]   # the unanswered SENS_REQ stays in the CIU FIFO
            return b"\x00"
        sens_res, nfcid1, sel_res = answer
        out = bytes([1, 1]) + sens_res[::-1] + bytes([sel_res, len(nfcid1)]) + nfcid1
        session = PcdSession(self.link, cancelled)
        if self.parameters & _AUTOMATIC_RATS and sel_res & 0x20:
            ats = session.activate(self.exchange_timeout)
            if ats is None:
                return b"\x00"
            out += ats
        self.target = session
        return out

    @staticmethod
    def _strip_cascade_tags(uid: bytes) -> bytes:
        if len(uid) > 4 and uid[0] == 0x88:
            uid = uid[1:]
        if len(uid) > 7 and uid[3] == 0x88:
            uid = uid[:3] + uid[4:]
        return uid

    def _in_communicate_thru(self, data: bytes, cancelled: Cancelled) -> bytes:
        if not data:
            raise ChipSyntaxError("InCommunicateThru needs data to send")
        if not self.link.carrier_on:
            return bytes([Status.TIMEOUT])
        answer = self.link.exchange(data, self.exchange_timeout, cancelled)
        if cancelled():
            raise CommandCancelled()
        if answer is None:
            return bytes([Status.TIMEOUT])
        return bytes([Status.OK]) + answer

    def _in_data_exchange(self, data: bytes, cancelled: Cancelled) -> bytes:
        if not data:
            raise ChipSyntaxError("InDataExchange takes Tg and data")
        if self.target is None or data[0] & 0x3F != 1:
            return bytes([Status.NOT_ACCEPTABLE])
        if not self.target.active:
            return bytes([Status.NOT_ACCEPTABLE])
        status, answer = self.target.exchange(data[1:], cancelled)
        return bytes([status]) + answer

    def _in_release(self, data: bytes, cancelled: Cancelled) -> bytes:
        if len(data) != 1:
            raise ChipSyntaxError("InRelease/InDeselect take one Tg byte")
        if self.target is not None and self.target.active:
            self.target.deselect()
        self.target = None
        return bytes([Status.OK])
