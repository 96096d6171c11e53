"""The card side of ISO/IEC 14443-4 (ISO-DEP) as the PN532 runs it in card mode: pure logic.

The card-mode chip answers RATS with its ATS, then exchanges blocks with the reader:
I-blocks carry APDUs (chained when longer than the frame size), R(ACK)/R(NAK) acknowledge or
ask again, S(WTX) asks the reader for more time, S(DESELECT) ends the session. Block numbering
follows ISO/IEC 14443-4 section 7.5.4 (PICC rules): the PICC starts at 1 and toggles its
number before answering an I-block or an R(ACK) that continues its chaining.
No threads, no timing here; `CardChip` decides when to wait and when to ask for WTX.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

__all__ = ["PiccAction", "Action", "IsoDepPicc", "FSC_TABLE", "frame_waiting_time", "build_ats"]

FSC_TABLE = (16, 24, 32, 40, 48, 64, 96, 128, 256)
_I_BLOCK, _R_BLOCK, _S_BLOCK = 0x02, 0xA2, 0xC2
_CHAINING = 0x10
_NAK = 0x10
_WTX = 0xF2


def frame_waiting_time(fwi: int) -> float:
    """FWT in seconds for a frame waiting integer (ISO/IEC 14443-4 7.2): 256*16/fc * 2**FWI."""
    return 4096 / 13.56e6 * (1 << fwi)


def build_ats(fsci: int, fwi: int, historical: bytes = b"") -> bytes:
    """TL T0 TA TB TC [historical]: TA 00 = 106 kbit/s only, TC 00 = no NAD, no CID."""
    body = bytes([0x70 | fsci, 0x00, (fwi << 4) & 0xF0, 0x00]) + historical
    return bytes([len(body) + 1]) + body


class Action(enum.Enum):
    REPLY = "reply"          # send `frame` back now
    DELIVER = "deliver"      # a complete command APDU for the host; answer after it responds
    RESUME = "resume"        # the reader granted more time; keep waiting for the host
    DESELECT = "deselect"    # send `frame`, the session is over
    IGNORE = "ignore"        # a PICC stays mute on blocks it cannot use


@dataclass(frozen=True)
class PiccAction:
    action: Action
    frame: bytes = b""
    apdu: bytes = b""


class IsoDepPicc:
    """One ISO-DEP session on the card side."""

    def __init__(self, fsci: int, fwi: int, fsdi: int) -> None:
        self.fsc = FSC_TABLE[min(fsci, 8)]
        self.fsd = FSC_TABLE[min(fsdi, 8)]
        self.fwt = frame_waiting_time(fwi)
        self.block_number = 1
        self._received = bytearray()      # command APDU being chained in
        self._outgoing: list[bytes] = []  # response chunks not yet sent
        self._last_block = b""
        self.wtx_multiplier = 0           # the WTXM the reader last acknowledged, 0 when none
        self.awaiting_host = False        # a command APDU was delivered and not yet answered

    @property
    def sending(self) -> bool:
        """True while chunks of a chained response are still waiting for the reader's R(ACK)."""
        return bool(self._outgoing)

    @property
    def waiting_time(self) -> float:
        """How long the reader waits for the current answer: FWT, or FWT*WTXM after WTX."""
        return self.fwt * (self.wtx_multiplier or 1)

    def on_block(self, frame: bytes) -> PiccAction:
        if not frame:
            return PiccAction(Action.IGNORE)
        pcb = frame[0]
        if pcb & 0xE2 == _I_BLOCK and not pcb & 0x0C:          # I-block, no CID/NAD
            return self._on_i_block(pcb, frame[1:])
        if pcb & 0xE6 == _R_BLOCK and not pcb & 0x08 and len(frame) == 1:
            return self._on_r_block(pcb)
        if pcb == _S_BLOCK and len(frame) == 1:                 # S(DESELECT)
            return PiccAction(Action.DESELECT, bytes([_S_BLOCK]))
        if pcb == _WTX and len(frame) == 2:                     # S(WTX) response
            self.wtx_multiplier = frame[1] & 0x3F
            return PiccAction(Action.RESUME)
        return PiccAction(Action.IGNORE)

    def _on_i_block(self, pcb: int, inf: bytes) -> PiccAction:
        self.block_number ^= 1
        self.wtx_multiplier = 0
        self._outgoing.clear()
        self._received += inf
        if pcb & _CHAINING:
            return self._send(bytes([_R_BLOCK | self.block_number]))
        apdu, self._received = bytes(self._received), bytearray()
        self.awaiting_host = True
        return PiccAction(Action.DELIVER, apdu=apdu)

    def _on_r_block(self, pcb: int) -> PiccAction:
        number = pcb & 0x01
        if self.awaiting_host and number == self.block_number:  # reader lost our WTX: resend
            return PiccAction(Action.RESUME)
        if number == self.block_number:                         # rule 11: send it again
            return PiccAction(Action.REPLY, self._last_block) if self._last_block \
                else PiccAction(Action.IGNORE)
        if pcb & _NAK:                                          # rule 12
            return self._send(bytes([_R_BLOCK | self.block_number]))
        if self._outgoing:                                      # rule 13: go on chaining
            self.block_number ^= 1
            return self._send(self._next_chunk())
        return PiccAction(Action.IGNORE)

    def respond(self, response: bytes) -> bytes:
        """The first block of the host's response APDU; the rest goes out on R(ACK)s."""
        room = self.fsd - 3  # PCB + 2 CRC bytes
        self._outgoing = [response[i:i + room] for i in range(0, len(response), room)] or [b""]
        self.wtx_multiplier = 0
        self.awaiting_host = False
        return self._send(self._next_chunk()).frame

    def wtx_request(self, multiplier: int) -> bytes:
        return self._send(bytes([_WTX, multiplier & 0x3F])).frame

    def _next_chunk(self) -> bytes:
        chunk = self._outgoing.pop(0)
        pcb = _I_BLOCK | self.block_number | (_CHAINING if self._outgoing else 0)
        return bytes([pcb]) + chunk

    def _send(self, frame: bytes) -> PiccAction:
        self._last_block = frame
        return PiccAction(Action.REPLY, frame)
