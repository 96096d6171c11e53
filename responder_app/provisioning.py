"""Provisioning a band over its wired link (docs/protocol.md 2.4), for the demo and tests.

Enrolls the finger (two presses, prompted through `press`/`lift` callbacks), writes the device
id, patient address, sealed blob, device secret and sealed summary, then COMMIT. The hospital's
own tool is `iceband band provision`; this is the same APDU sequence, driven by the demo.
"""

from __future__ import annotations

import time
from typing import Callable

from .device import BandDevice
from .errors import ApduError, ProtocolError, StatusWord
from .protocol import BandProtocol, parse_tlvs

__all__ = ["provision_band", "ITEM_DEVICE_ID", "ITEM_ADDRESS", "ITEM_BLOB", "ITEM_SECRET",
           "ITEM_SUMMARY"]

ITEM_DEVICE_ID, ITEM_ADDRESS, ITEM_BLOB, ITEM_SECRET, ITEM_SUMMARY = 1, 2, 3, 4, 5
_CHUNK = 240
_CLA = 0x80
_ENROLL_BEGIN, _ENROLL_POLL, _WRITE, _COMMIT = 0x40, 0x41, 0x50, 0x52
_TAG_PRESS = 0x8A
_ENROLL_PROGRESS = (StatusWord.WAITING_FOR_FINGER, StatusWord.CAPTURING, StatusWord.MATCHING,
                    StatusWord.LIFT_FINGER)


def _enroll(protocol: BandProtocol, press: Callable[[int], None], lift: Callable[[], None],
            deadline_s: float) -> None:
    protocol.check(*protocol.send(_CLA, _ENROLL_BEGIN))
    give_up = time.monotonic() + deadline_s
    pressed: set[int] = set()
    while time.monotonic() < give_up:
        body, sw = protocol.send(_CLA, _ENROLL_POLL, le=256)
        if sw == StatusWord.OK:
            return
        if sw not in _ENROLL_PROGRESS:
            raise ApduError(sw, body)
        which = parse_tlvs(body).get(_TAG_PRESS, b"\x01")[0]
        if sw == StatusWord.WAITING_FOR_FINGER and which not in pressed:
            pressed.add(which)
            press(which)
        elif sw == StatusWord.LIFT_FINGER:
            lift()
    raise ProtocolError("enrolment did not finish in time")


def provision_band(device: BandDevice, *, device_id: bytes, address: bytes, secret: bytes,
                   sealed_blob: bytes, sealed_summary: bytes, press: Callable[[int], None],
                   lift: Callable[[], None], deadline_s: float = 60.0) -> None:
    """Raises `ApduError` if the band refuses (e.g. 6985: already provisioned)."""
    protocol = BandProtocol(device)
    protocol.select()
    _enroll(protocol, press, lift, deadline_s)
    for item, value in ((ITEM_DEVICE_ID, device_id), (ITEM_ADDRESS, address),
                        (ITEM_SECRET, secret), (ITEM_BLOB, sealed_blob),
                        (ITEM_SUMMARY, sealed_summary)):
        for offset in range(0, len(value), _CHUNK):
            chunk = value[offset:offset + _CHUNK]
            protocol.check(*protocol.send(_CLA, _WRITE, item, 0x00,
                                        offset.to_bytes(2, "big") + chunk))
    protocol.check(*protocol.send(_CLA, _COMMIT))
