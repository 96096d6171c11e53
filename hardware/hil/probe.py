"""Is the booted firmware answering? One framed APDU on its USB serial (docs/protocol.md 4.2).

The probe is GET RESPONSE with nothing waiting: any band answers it (6985) and it changes no
state, so asking it at boot cannot disturb a test. Written from the protocol document, apart
from the responder app's transport, so the harness does not depend on the app.
"""

from __future__ import annotations

import time

import serial

__all__ = ["PROBE_APDU", "crc16_ccitt_false", "frame", "unframe", "probe"]

PROBE_APDU = bytes.fromhex("00C0000000")
_MAGIC = b"IB"


def crc16_ccitt_false(data: bytes) -> int:
    crc = 0xFFFF
    for byte in data:
        crc ^= byte << 8
        for _ in range(8):
            crc = ((crc << 1) ^ 0x1021) if crc & 0x8000 else crc << 1
        crc &= 0xFFFF
    return crc


def frame(payload: bytes) -> bytes:
    body = len(payload).to_bytes(2, "big") + payload
    return _MAGIC + body + crc16_ccitt_false(body).to_bytes(2, "big")


def unframe(data: bytes) -> bytes | None:
    """The payload of the first good frame in `data`, or None."""
    start = data.find(_MAGIC)
    while start >= 0:
        head = data[start + 2:start + 4]
        if len(head) == 2:
            length = int.from_bytes(head, "big")
            body = data[start + 2:start + 4 + length]
            crc = data[start + 4 + length:start + 6 + length]
            if len(crc) == 2 and length <= 1024 \
                    and int.from_bytes(crc, "big") == crc16_ccitt_false(body):
                return bytes(body[2:])
        start = data.find(_MAGIC, start + 1)
    return None


def probe(path: str, timeout: float = 0.5) -> bytes | None:
    """Sends the probe APDU on `path`; the band's response APDU, or None if none came."""
    try:
        port = serial.Serial(path, 115200, timeout=0.02)
    except (serial.SerialException, OSError):
        return None
    try:
        port.reset_input_buffer()
        port.write(frame(PROBE_APDU))
        got = bytearray()
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            got += port.read(256)
            answer = unframe(bytes(got))
            if answer is not None:
                return answer
        return None
    finally:
        port.close()
