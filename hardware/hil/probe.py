"""Is the booted firmware answering? One framed APDU on its USB serial (docs/protocol.md 4.2).

The probe is GET RESPONSE with nothing waiting: any band answers it (6985) and it changes no
state, so asking it at boot cannot disturb a test. The frame codec is the responder app's
(one codec for the host side of the band's serial framing); the probe adds no retry and no
wait beyond `timeout`, which the harness needs while the firmware is still booting.
"""

from __future__ import annotations

import time

import serial

from responder_app.transport_serial import FrameDecoder, encode_frame

__all__ = ["PROBE_APDU", "probe"]

PROBE_APDU = bytes.fromhex("00C0000000")


def probe(path: str, timeout: float = 0.5) -> bytes | None:
    """Sends the probe APDU on `path`; the band's response APDU, or None if none came."""
    try:
        port = serial.Serial(path, 115200, timeout=0.02)
    except (serial.SerialException, OSError):
        return None
    try:
        port.reset_input_buffer()
        port.write(encode_frame(PROBE_APDU))
        decoder = FrameDecoder()
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            answers = decoder.feed(port.read(256))
            if answers:
                return answers[0]
        return None
    finally:
        port.close()
