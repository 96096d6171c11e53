"""The band on USB serial (wired fallback), framed as in docs/protocol.md section 4.2:

    'I' 'B' | LEN (2, BE, 0..1024) | PAYLOAD | CRC-16/CCITT-FALSE over LEN and PAYLOAD (2, BE)

The host hunts for 'IB', drops frames with a bad CRC or a length over 1024, and sends the
command again once when no good frame arrives in time (the band drops what it cannot read).
"""

from __future__ import annotations

import threading
import time

import serial

from .device import BandDevice, BandReader
from .errors import TransportError, TransportErrorKind

__all__ = ["SerialBand", "SerialReader", "crc16_ccitt_false", "encode_frame", "FrameDecoder"]

_MAGIC = b"IB"
_MAX_PAYLOAD = 1024
_BAUD = 115200


def crc16_ccitt_false(data: bytes) -> int:
    crc = 0xFFFF
    for byte in data:
        crc ^= byte << 8
        for _ in range(8):
            crc = ((crc << 1) ^ 0x1021) if crc & 0x8000 else crc << 1
        crc &= 0xFFFF
    return crc


def encode_frame(payload: bytes) -> bytes:
    if len(payload) > _MAX_PAYLOAD:
        raise ValueError(f"a frame carries at most {_MAX_PAYLOAD} bytes")
    length = len(payload).to_bytes(2, "big")
    return _MAGIC + length + payload + crc16_ccitt_false(length + payload).to_bytes(2, "big")


class FrameDecoder:
    """Feeds bytes in, yields complete good payloads; garbage and bad frames are skipped."""

    def __init__(self) -> None:
        self._buffer = bytearray()

    def feed(self, data: bytes) -> list[bytes]:
        self._buffer += data
        frames: list[bytes] = []
        while True:
            start = self._buffer.find(_MAGIC)
            if start < 0:
                del self._buffer[:-1 or None]  # keep a trailing 'I' that may start a frame
                return frames
            del self._buffer[:start]
            if len(self._buffer) < 4:
                return frames
            length = int.from_bytes(self._buffer[2:4], "big")
            if length > _MAX_PAYLOAD:
                del self._buffer[:2]  # not a frame: hunt again past this 'IB'
                continue
            if len(self._buffer) < 6 + length:
                return frames
            body = bytes(self._buffer[2:4 + length])
            crc = int.from_bytes(self._buffer[4 + length:6 + length], "big")
            if crc == crc16_ccitt_false(body):
                frames.append(body[2:])
                del self._buffer[:6 + length]
            else:
                del self._buffer[:2]


class SerialBand(BandDevice):
    """APDUs to a band on a serial port, one frame each way."""

    def __init__(self, port: serial.Serial, retries: int = 1) -> None:
        self._port: serial.Serial | None = port
        self._retries = retries
        self.description = f"band on {port.port}"

    def transceive(self, apdu: bytes, timeout: float) -> bytes:
        if self._port is None:
            raise TransportError(TransportErrorKind.LINK_LOST, "the serial port was closed")
        frame = encode_frame(apdu)
        for _attempt in range(1 + self._retries):
            try:
                self._port.reset_input_buffer()
                self._port.write(frame)
                answer = self._read_frame(timeout)
            except serial.SerialException as exc:
                raise TransportError(TransportErrorKind.LINK_LOST,
                                     f"the serial link failed: {exc}") from exc
            if answer is not None:
                if len(answer) < 2:
                    raise TransportError(TransportErrorKind.FRAMING,
                                         "the band sent a frame without a status word")
                return answer
        raise TransportError(TransportErrorKind.TIMEOUT,
                             f"no answer from the band on {self._port.port} within {timeout:g} s")

    def _read_frame(self, timeout: float) -> bytes | None:
        assert self._port is not None
        decoder = FrameDecoder()
        deadline = time.monotonic() + timeout
        while (left := deadline - time.monotonic()) > 0:
            self._port.timeout = min(left, 0.05)
            data = self._port.read(max(1, self._port.in_waiting))
            if data:
                frames = decoder.feed(data)
                if frames:
                    return frames[0]
        return None

    def close(self) -> None:
        if self._port is not None:
            self._port.close()
            self._port = None


class SerialReader(BandReader):
    """The cable is the reader: the band is 'in the field' as soon as the port opens."""

    def __init__(self, path: str) -> None:
        self.path = path
        self.description = f"USB serial {path}"

    def wait_for_band(self, timeout: float, cancel: threading.Event | None = None) -> BandDevice:
        try:
            port = serial.Serial(self.path, _BAUD, timeout=0.05)
        except (serial.SerialException, OSError) as exc:
            raise TransportError(TransportErrorKind.NO_DEVICE,
                                 f"cannot open the serial port {self.path}: {exc}") from exc
        return SerialBand(port)

    def close(self) -> None:
        pass
