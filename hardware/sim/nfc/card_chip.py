"""The PN532 in card (target) mode, emulating an ISO/IEC 14443-4 Type A card for the firmware.

Host side (the firmware over its UART): TgInitAsTarget arms the chip and returns once a reader
has activated it (mode 0x08 = ISO 14443-4 PICC at 106 kbit/s, then the RATS it got);
TgGetData hands over the next command APDU (status 0x29 once the reader released the card or
the band left the field); TgSetData sends the response APDU (TgSetMetaData first for responses
longer than one host frame). RF side (the reader, through `RfLink`): anticollision with the
host's SENS_RES / NFCID1t / SEL_RES, RATS/ATS and ISO-DEP blocks run by the chip itself. While
the host takes its time, the chip asks the reader for waiting-time extensions so that a slow
answer (a fingerprint wait) arrives as a series of S(WTX).
"""

from __future__ import annotations

import enum
import threading
import time

from .chip import Cancelled, ChipSyntaxError, CommandCancelled, Pn532Chip
from .codes import Command, Status
from .picc import Action, IsoDepPicc, build_ats
from .rf_link import TypeAResponse
from .trace import Trace

__all__ = ["CardChip", "CardState", "MAX_HOST_DATA", "MAX_RESPONSE"]

MAX_HOST_DATA = 262          # the chip's data buffer for one TgGetData / TgSetData
MAX_RESPONSE = 65538         # an extended-length response APDU with its status word
_PICC_MODE = 0x08            # TgInitAsTarget mode byte: ISO 14443-4 PICC, 106 kbit/s
_PICC_ONLY_FORBIDDEN = 0x02  # mode bit DEPOnly: the chip would not answer as a PICC
_FSCI = 5                    # the chip's FIFO-bound frame size: 64 bytes
_FWI = 8                     # frame waiting time 77 ms


class CardState(enum.Enum):
    IDLE = "idle"            # not listening: no TgInitAsTarget pending
    ARMED = "armed"          # TgInitAsTarget pending, waiting to be polled
    SELECTED = "selected"    # anticollision done, waiting for RATS
    ACTIVE = "active"        # ISO-DEP session running
    RELEASED = "released"    # deselected or field lost; the host has not heard yet


class CardChip(Pn532Chip):
    role = "card"

    def __init__(self, cond: threading.Condition, trace: Trace, wtx_multiplier: int = 8) -> None:
        super().__init__(cond, trace)
        self.state = CardState.IDLE
        self.wtx_multiplier = wtx_multiplier
        self._type_a: TypeAResponse | None = None
        self._historical = b""
        self._rats = b""
        self._picc: IsoDepPicc | None = None
        self._inbox: list[bytes] = []         # command APDU pieces for TgGetData
        self._meta = bytearray()              # TgSetMetaData parts of the next response
        self._response: bytes | None = None   # response APDU handed over by TgSetData
        self._response_sent = False
        self.handlers.update({
            Command.TG_INIT_AS_TARGET: self._tg_init_as_target,
            Command.TG_GET_DATA: self._tg_get_data,
            Command.TG_SET_DATA: self._tg_set_data,
            Command.TG_SET_META_DATA: self._tg_set_meta_data,
            Command.TG_GET_TARGET_STATUS: self._tg_get_target_status,
        })

    # -- host commands ----------------------------------------------------------------------
    def _tg_init_as_target(self, data: bytes, cancelled: Cancelled) -> bytes:
        if len(data) < 36 or data[0] & 0xF8:
            raise ChipSyntaxError("TgInitAsTarget takes Mode, MifareParams(6), FeliCaParams(18), "
                                  "NFCID3t(10), LEN Gt, Gt, [LEN Tk, Tk]")
        mode, mifare = data[0], data[1:7]
        general_length = data[35]
        rest = data[36 + general_length:]
        historical = rest[1:1 + rest[0]] if rest else b""
        if not mifare[5] & 0x20:
            raise ChipSyntaxError("only ISO/IEC 14443-4 card emulation (SEL_RES bit 6) is simulated")
        with self.cond:
            self._reset_session()
            self._type_a = (bytes(mifare[0:2]), b"\x08" + bytes(mifare[2:5]), mifare[5])
            self._historical = bytes(historical)
            self.state = CardState.ARMED if not mode & _PICC_ONLY_FORBIDDEN else CardState.IDLE
            self.cond.notify_all()
        try:
            self.wait(lambda: self.state in (CardState.ACTIVE, CardState.RELEASED), cancelled)
        except CommandCancelled:
            with self.cond:
                self._reset_session()
                self.state = CardState.IDLE
                self.cond.notify_all()
            raise
        return bytes([_PICC_MODE]) + self._rats

    def _tg_get_data(self, data: bytes, cancelled: Cancelled) -> bytes:
        if data:
            raise ChipSyntaxError("TgGetData takes no data")
        if self.state is CardState.IDLE:
            return bytes([Status.INVALID_DEP_STATE])
        if self.state is CardState.ACTIVE and self._picc is not None \
                and self._picc.awaiting_host and not self._inbox:
            return bytes([Status.INVALID_DEP_STATE])   # the last APDU is still unanswered
        self.wait(lambda: bool(self._inbox) or self.state is not CardState.ACTIVE, cancelled)
        with self.cond:
            if self._inbox:
                piece = self._inbox.pop(0)
                more = 0x40 if self._inbox else 0x00
                return bytes([Status.OK | more]) + piece
            return self._released()

    def _tg_set_meta_data(self, data: bytes, cancelled: Cancelled) -> bytes:
        with self.cond:
            refused = self._refuse_response(len(data))
            if refused is not None:
                return refused
            self._meta += data
            return bytes([Status.OK])

    def _refuse_response(self, size: int) -> bytes | None:
        """The status that refuses a response part now, or None when it is welcome."""
        if self.state is CardState.IDLE:
            return bytes([Status.INVALID_DEP_STATE])
        if self.state is not CardState.ACTIVE:
            return self._released()
        if self._picc is None or not self._picc.awaiting_host or self._inbox:
            return bytes([Status.INVALID_DEP_STATE])   # no command APDU to answer
        if len(self._meta) + size > MAX_RESPONSE:
            return bytes([Status.BUFFER_TOO_SMALL])
        return None

    def _tg_set_data(self, data: bytes, cancelled: Cancelled) -> bytes:
        if len(data) > MAX_HOST_DATA:
            raise ChipSyntaxError(f"TgSetData carries at most {MAX_HOST_DATA} bytes")
        with self.cond:
            refused = self._refuse_response(len(data))
            if refused is not None:
                return refused
            self._response, self._meta = bytes(self._meta) + data, bytearray()
            self._response_sent = False
            self.cond.notify_all()
        self.wait(lambda: self._response_sent or self.state is not CardState.ACTIVE, cancelled)
        with self.cond:
            return bytes([Status.OK]) if self._response_sent else self._released()

    def _tg_get_target_status(self, data: bytes, cancelled: Cancelled) -> bytes:
        states = {CardState.ACTIVE: 0x01, CardState.RELEASED: 0x02}
        return bytes([states.get(self.state, 0x00), 0x00])

    def _released(self) -> bytes:
        # the host has now heard of the release; the chip stops listening until re-armed
        self.state = CardState.IDLE
        self._reset_session()
        self.cond.notify_all()
        return bytes([Status.RELEASED])

    def _reset_session(self) -> None:
        self._picc, self._rats, self._inbox = None, b"", []
        self._meta, self._response, self._response_sent = bytearray(), None, False

    # -- RF side, called by RfLink with `cond` held -----------------------------------------
    @property
    def listening(self) -> bool:
        return self.state is CardState.ARMED

    def answer_type_a(self) -> TypeAResponse | None:
        if self.state is not CardState.ARMED or self._type_a is None:
            return None
        self.state = CardState.SELECTED
        self.cond.notify_all()
        return self._type_a

    def field_lost(self) -> None:
        if self.state is CardState.SELECTED:
            self.state = CardState.ARMED     # TgInitAsTarget still pending: listen again
        elif self.state is CardState.ACTIVE:
            self.state = CardState.RELEASED
            self.trace.count("card.released")
        self.cond.notify_all()

    def rf_frame(self, frame: bytes, deadline: float | None, cancelled: Cancelled) -> bytes | None:
        if self.state is CardState.SELECTED and len(frame) == 2 and frame[0] == 0xE0:
            self._picc = IsoDepPicc(_FSCI, _FWI, frame[1] >> 4)
            self._rats, self.state = bytes(frame), CardState.ACTIVE
            self.cond.notify_all()
            return build_ats(_FSCI, _FWI, self._historical)
        if self.state is not CardState.ACTIVE or self._picc is None:
            return None
        step = self._picc.on_block(frame)
        if step.action is Action.DESELECT:
            self.state = CardState.RELEASED
            self.trace.count("card.deselected")
            self.cond.notify_all()
            return step.frame
        if step.action is Action.DELIVER:
            self._inbox = [step.apdu[i:i + MAX_HOST_DATA]
                           for i in range(0, len(step.apdu), MAX_HOST_DATA)] or [b""]
            self._response = None
            self.cond.notify_all()
            return self._answer_when_ready(deadline, cancelled)
        if step.action is Action.RESUME:
            return self._answer_when_ready(deadline, cancelled)
        if step.action is Action.REPLY:
            self._note_sent()
            return step.frame
        return None

    def _answer_when_ready(self, deadline: float | None, cancelled: Cancelled) -> bytes | None:
        """The host's response if it comes within half the waiting time, else S(WTX)."""
        picc = self._picc
        assert picc is not None
        limit = time.monotonic() + picc.waiting_time / 2
        if deadline is not None:
            limit = min(limit, deadline)
        self.cond.wait_for(lambda: self._response is not None or self.state is not CardState.ACTIVE
                           or cancelled(), max(0.0, limit - time.monotonic()))
        if self.state is not CardState.ACTIVE or cancelled():
            return None
        if self._response is not None:
            frame = picc.respond(self._response)
            self._response = None
            self._note_sent()
            return frame
        if deadline is not None and time.monotonic() >= deadline:
            return None
        self.trace.count("card.wtx_sent")
        return picc.wtx_request(self.wtx_multiplier)

    def _note_sent(self) -> None:
        if self._picc is not None and not self._picc.sending and not self._picc.awaiting_host:
            if not self._response_sent:
                self._response_sent = True
                self.cond.notify_all()
