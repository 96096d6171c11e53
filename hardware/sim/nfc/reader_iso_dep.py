"""The reader side of ISO-DEP that the PN532 runs itself for InDataExchange.

Used only when the host let the chip activate the card (SetParameters fAutomaticRATS): RATS,
then I-blocks numbered from 0, chaining both ways, S(WTX) granted as asked, S(DESELECT) on
InRelease. nfcpy does all this in software over InCommunicateThru and never comes here.
"""

from __future__ import annotations

from .chip import Cancelled, CommandCancelled
from .codes import Status
from .picc import FSC_TABLE, frame_waiting_time
from .rf_link import RfLink

__all__ = ["PcdSession"]

_RATS = b"\xe0\x80"   # FSDI 8 (256 bytes), CID 0
_HOST_BUFFER = 262    # InDataExchange hands back at most this much to the host


class PcdSession:
    """One activated Type A target as the chip's InDataExchange sees it."""

    def __init__(self, link: RfLink, cancelled: Cancelled) -> None:
        self.link = link
        self._cancelled = cancelled
        self.active = False
        self.fsc = 32
        self.fwt = frame_waiting_time(4)
        self.block_number = 0

    def activate(self, timeout: float | None) -> bytes | None:
        ats = self.link.exchange(_RATS, timeout, self._cancelled)
        if not ats or ats[0] != len(ats):
            return None
        t0 = ats[1] if len(ats) > 1 else 0x02
        self.fsc = FSC_TABLE[min(t0 & 0x0F, 8)]
        if t0 & 0x20:   # TB(1) present after TA(1) if any
            tb = ats[2 + bool(t0 & 0x10)]
            self.fwt = frame_waiting_time(min(tb >> 4, 14))
        self.active = True
        return ats

    def exchange(self, apdu: bytes, cancelled: Cancelled) -> tuple[int, bytes]:
        """(status, response) for InDataExchange."""
        self._cancelled = cancelled
        room = self.fsc - 3
        chunks = [apdu[i:i + room] for i in range(0, len(apdu), room)] or [b""]
        answer: bytes | None = None
        for index, chunk in enumerate(chunks):
            more = index < len(chunks) - 1
            answer = self._send(bytes([0x02 | (0x10 if more else 0) | self.block_number]) + chunk)
            if answer is None:
                return Status.TIMEOUT, b""
            if more:
                if answer[0] & 0xF6 != 0xA2:
                    return Status.PROTOCOL_ERROR, b""
                self.block_number ^= 1
        response = bytearray()
        while answer is not None:
            if answer[0] & 0xE2 != 0x02 or answer[0] & 0x01 != self.block_number:
                return Status.PROTOCOL_ERROR, b""
            response += answer[1:]
            self.block_number ^= 1
            if not answer[0] & 0x10:
                if len(response) > _HOST_BUFFER:
                    return Status.BUFFER_TOO_SMALL, b""
                return Status.OK, bytes(response)
            answer = self._send(bytes([0xA2 | self.block_number]))
        return Status.TIMEOUT, b""

    def deselect(self) -> None:
        self.link.exchange(b"\xc2", self.fwt * 2, self._cancelled)
        self.active = False

    def _send(self, frame: bytes) -> bytes | None:
        answer = self.link.exchange(frame, self.fwt * 2, self._cancelled)
        while answer is not None and answer[0] == 0xF2 and len(answer) == 2:
            wtxm = answer[1] & 0x3F
            answer = self.link.exchange(answer, self.fwt * max(wtxm, 1) * 2, self._cancelled)
        if self._cancelled():
            raise CommandCancelled()
        return answer
