"""A band on nfcpy's udp "air" (the light test tier): answers the reader's Type A activation
and ISO-DEP blocks on 127.0.0.1, and hands each APDU to a simulated band's applet.

nfcpy's udp driver sends datagrams "BRTY HEXDATA" and expects the card's answer from the same
peer; there is no such card in nfcpy (its own udp listener is a reader-side card emulation of
Type 3 tags), so this one plays an ISO 14443-4 PICC: SENS_RES, SDD/SEL, RATS -> ATS, I-blocks,
R(NAK) presence checks, S(DESELECT), RFOFF. Bound to 127.0.0.1 only.
"""

from __future__ import annotations

import select
import socket
import threading
from binascii import hexlify, unhexlify

from responder_app.device import BandDevice
from responder_app.sim_band import SimulatedBand

_UID = bytes.fromhex("08A1B2C3")  # 08: a random UID, as the PN532 gives in card mode
_ATS = bytes.fromhex("0578807B02")  # FSCI 8 (256 bytes), FWI 7, no CID/NAD


class UdpCard:
    def __init__(self, band: SimulatedBand) -> None:
        self.band = band
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind(("127.0.0.1", 0))
        self.port = self.sock.getsockname()[1]
        self.apdus = 0
        self._link: BandDevice | None = None
        self._last: bytes | None = None
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, name="udp-card", daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        while not self._stop.is_set():
            if not select.select([self.sock], [], [], 0.05)[0]:
                continue
            data, peer = self.sock.recvfrom(2048)
            if data.startswith(b"RFOFF"):
                self._field_off()
                continue
            try:
                brty, hexdata = data.split()
            except ValueError:
                continue
            answer = self._answer(bytes(unhexlify(hexdata)))
            if answer is not None:
                self.sock.sendto(brty + b" " + hexlify(answer), peer)

    def _field_off(self) -> None:
        if self._link is not None:
            self._link.close()
            self._link = None

    def _answer(self, frame: bytes) -> bytes | None:
        if not self.band.in_field:
            return None  # out of the field: silence, as the air gives
        if frame in (b"\x26", b"\x52"):            # SENS_REQ / ALL_REQ: a new activation
            self._field_off()
            return b"\x04\x00"
        if frame == b"\x93\x20":                   # SDD_REQ, cascade level 1
            bcc = _UID[0] ^ _UID[1] ^ _UID[2] ^ _UID[3]
            return _UID + bytes([bcc])
        if frame[:2] == b"\x93\x70":               # SEL_REQ: complete, ISO-DEP compliant
            return b"\x20"
        if frame[:1] == b"\xe0":                   # RATS
            self._link = self.band.wait_for_band(0.1)
            return _ATS
        pcb = frame[0] if frame else 0
        if pcb & 0xEE == 0x02 and self._link is not None:   # I-block, no chaining
            self.apdus += 1
            answer = bytes([pcb & 0x03]) + self._link.transceive(frame[1:], 5.0)
            self._last = answer
            return answer
        if pcb & 0xF6 == 0xB2:                     # R(NAK): presence check or lost answer
            return self._last if self._last else bytes([0xA2 | (pcb & 1)])
        if pcb & 0xF7 == 0xC2:                     # S(DESELECT)
            self._field_off()
            return frame[:1]
        return None

    def close(self) -> None:
        self._stop.set()
        self._thread.join(timeout=5)
        self.sock.close()
        self._field_off()
