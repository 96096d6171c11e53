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
from .protocol import AID, BandProtocol, parse_tlvs

__all__ = ["provision_band", "ITEM_DEVICE_ID", "ITEM_ADDRESS", "ITEM_BLOB", "ITEM_SECRET",
           "ITEM_SUMMARY"]

ITEM_DEVICE_ID, ITEM_ADDRESS, ITEM_BLOB, ITEM_SECRET, ITEM_SUMMARY = 1, 2, 3, 4, 5
_CHUNK = 240


def _enroll(protocol: BandProtocol, press: Callable[[int], None], lift: Callable[[], None],
            deadline_s: float) -> None:
    protocol.check(*protocol.send(0x80, 0x40))
    give_up = time.monotonic() + deadline_s
    pressed: set[int] = set()
    while time.monotonic() < give_up:
        body, sw = protocol.send(0x80, 0x41, le=256)
        if sw == StatusWord.OK:
            return
        if sw not in (0x6202, 0x6203, 0x6204, 0x6205):
            raise ApduError(sw, body)
        which = parse_tlvs(body).get(0x8A, b"\x01")[0]
        if sw == 0x6202 and which not in pressed:
            pressed.add(which)
            press(which)
        elif sw == 0x6205:
            lift()
    raise ProtocolError("enrolment did not finish in time")


def provision_band(device: BandDevice, *, device_id: bytes, address: bytes, secret: bytes,
                   sealed_blob: bytes, sealed_summary: bytes, press: Callable[[int], None],
                   lift: Callable[[], None], deadline_s: float = 60.0) -> None:
    """Raises `ApduError` if the band refuses (e.g. 6985: already provisioned)."""
    protocol = BandProtocol(device)
    protocol.check(*protocol.send(0x00, 0xA4, 0x04, 0x00, AID, le=256))
    _enroll(protocol, press, lift, deadline_s)
    for item, value in ((ITEM_DEVICE_ID, device_id), (ITEM_ADDRESS, address),
                        (ITEM_SECRET, secret), (ITEM_BLOB, sealed_blob),
                        (ITEM_SUMMARY, sealed_summary)):
        for offset in range(0, len(value), _CHUNK):
            chunk = value[offset:offset + _CHUNK]
            protocol.check(*protocol.send(0x80, 0x50, item, 0x00,
                                        offset.to_bytes(2, "big") + chunk))
    protocol.check(*protocol.send(0x80, 0x52))
