"""What the HIL tests do to a band, written once: provision it over serial, run a release,
check the proof. Values are fixed so a failure is easy to read in the firmware log."""

from __future__ import annotations

import hashlib
import hmac
import os

from hardware.hil.target import Target
from responder_app.device import BandDevice
from responder_app.protocol import AID, RELEASE_DOMAIN_TAG, BandProtocol, ReleaseResult
from responder_app.provisioning import provision_band

DEVICE_ID = bytes.fromhex("1ceba4d0000000000000000000000001")
ADDRESS = bytes(range(0xA0, 0xB4))
SECRET = bytes(range(32, 64))
BLOB = bytes((i * 37 + 11) & 0xFF for i in range(700))  # > 240: crosses GET RESPONSE chunks
SUMMARY = bytes((i * 13 + 5) & 0xFF for i in range(300))
SELECT = b"\x00\xa4\x04\x00\x09" + AID + b"\x00"


def provision(target: Target) -> None:
    """Enrolls the patient's finger (two presses) and writes everything, over USB serial."""
    with target.wired() as device:
        provision_band(device, device_id=DEVICE_ID, address=ADDRESS, secret=SECRET,
                       sealed_blob=BLOB, sealed_summary=SUMMARY,
                       press=lambda which: target.place_finger("patient"),
                       lift=target.lift_finger, deadline_s=30)
    target.lift_finger()


def expected_proof(challenge: bytes, counter: int, secret: bytes = SECRET,
                   blob: bytes = BLOB) -> bytes:
    """docs/protocol.md 2.2, computed on the host with the standard library."""
    message = (RELEASE_DOMAIN_TAG + challenge + hashlib.sha256(blob).digest()
               + counter.to_bytes(4, "big"))
    return hmac.new(secret, message, hashlib.sha256).digest()


def release(device: BandDevice, target: Target,
            finger: str | None) -> tuple[bytes, ReleaseResult]:
    """SELECT, then a release with `finger` on the sensor (None: nobody touches it).
    Returns the challenge sent and the band's result; refusals raise as the protocol does."""
    protocol = BandProtocol(device)
    protocol.select()
    challenge = os.urandom(32)
    if finger is not None:
        target.place_finger(finger)  # type: ignore[arg-type]
    try:
        return challenge, protocol.release(challenge, deadline=25)
    finally:
        if finger is not None:
            target.lift_finger()
