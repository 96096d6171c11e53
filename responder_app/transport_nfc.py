"""nfcpy under the `BandReader`/`BandDevice` interface.

The band answers as an ISO-DEP (Type 4A) card; nfcpy's `Type4Tag.transceive` carries the
APDUs (chaining, waiting-time extensions, retransmission). nfcpy errors are translated to
`TransportError` here, so nothing above imports nfc.
"""

from __future__ import annotations

import logging
import threading
import time

import nfc
import nfc.clf
import nfc.clf.pn532
import nfc.clf.transport
import nfc.tag
import nfc.tag.tt4

from .device import BandDevice, BandReader
from .errors import TransportError, TransportErrorKind

__all__ = ["NfcReader", "NfcBand"]

log = logging.getLogger(__name__)

# nfcpy's Type4TagCommandError errno values that mean "the band is no longer answering".
_TIMEOUTS = {nfc.tag.TIMEOUT_ERROR}


class NfcBand(BandDevice):
    """A band activated as an ISO-DEP card by an nfcpy reader."""

    def __init__(self, tag: nfc.tag.tt4.Type4Tag, reader: "NfcReader") -> None:
        self._tag: nfc.tag.tt4.Type4Tag | None = tag
        self._reader = reader
        self.description = f"band via {reader.description}"

    def transceive(self, apdu: bytes, timeout: float) -> bytes:
        if self._tag is None:
            raise TransportError(TransportErrorKind.LINK_LOST, "the band was released")
        try:
            response = self._tag.transceive(bytearray(apdu), timeout)
        except nfc.tag.tt4.Type4TagCommandError as exc:
            kind = (TransportErrorKind.TIMEOUT if exc.errno in _TIMEOUTS
                    else TransportErrorKind.LINK_LOST)
            raise TransportError(kind, f"the band stopped answering ({exc})") from exc
        except nfc.clf.CommunicationError as exc:
            raise TransportError(TransportErrorKind.LINK_LOST,
                                 f"the link to the band broke ({exc!r})") from exc
        except (IOError, OSError) as exc:
            raise TransportError(TransportErrorKind.NO_DEVICE,
                                 f"the reader failed: {exc}") from exc
        if response is None or len(response) < 2:
            raise TransportError(TransportErrorKind.FRAMING, "the band sent no status word")
        return bytes(response)

    def close(self) -> None:
        self._tag = None


class NfcReader(BandReader):
    """An nfcpy ContactlessFrontend polling for Type 4A cards."""

    def __init__(self, clf: nfc.ContactlessFrontend, description: str) -> None:
        self._clf = clf
        self.description = description

    @classmethod
    def open_path(cls, path: str) -> "NfcReader":
        """nfcpy's own device strings: usb..., tty:PORT:DRIVER, udp[:host[:port]]."""
        if path.startswith("udp"):
            path = _loopback_udp(path)
        clf = nfc.ContactlessFrontend()
        try:
            opened = clf.open(path)
        except (IOError, OSError) as exc:
            raise TransportError(TransportErrorKind.NO_DEVICE,
                                 f"cannot open the reader {path}: {exc}") from exc
        if not opened:
            raise TransportError(TransportErrorKind.NO_DEVICE, f"no reader found at {path}")
        if path.startswith("udp"):
            _keep_on_loopback(clf.device)
        return cls(clf, path)

    @classmethod
    def open_pn532_path(cls, path: str) -> "NfcReader":
        """A PN532 on any serial path (nfcpy's tty: syntax only names /dev/ttyXXX)."""
        tty = None
        try:
            tty = nfc.clf.transport.TTY(path)
            device = nfc.clf.pn532.init(tty)
        except Exception as exc:  # serial.SerialException, IOError(ENODEV), ...
            if tty is not None:
                tty.close()
            raise TransportError(TransportErrorKind.NO_DEVICE,
                                 f"no PN532 reader answers on {path}: {exc}") from exc
        device._path = path
        clf = nfc.ContactlessFrontend()
        clf.device = device
        return cls(clf, f"PN532 on {path}")

    def wait_for_band(self, timeout: float, cancel: threading.Event | None = None) -> BandDevice:
        deadline = time.monotonic() + timeout

        def give_up() -> bool:
            return time.monotonic() >= deadline or bool(cancel and cancel.is_set())

        options = {"targets": ("106A",), "iterations": 1, "interval": 0.05,
                   "on-connect": lambda tag: False}
        while not give_up():
            try:
                tag = self._clf.connect(rdwr=options, terminate=give_up)
            except (IOError, OSError) as exc:
                raise TransportError(TransportErrorKind.NO_DEVICE,
                                     f"the reader failed: {exc}") from exc
            if isinstance(tag, nfc.tag.tt4.Type4Tag):
                return NfcBand(tag, self)
            if tag:  # a card, but not one that speaks ISO-DEP: not a band
                log.info("ignoring %s: not an ISO-DEP card", tag)
        raise TransportError(TransportErrorKind.NO_BAND, "no band in the reader's field")

    def close(self) -> None:
        self._clf.close()


def _keep_on_loopback(device: object) -> None:
    """nfcpy's udp driver leaves its socket unbound, so the first send binds it to every
    interface (0.0.0.0); bind each socket it makes to 127.0.0.1 first."""
    create = device._create_socket  # type: ignore[attr-defined]

    def create_on_loopback() -> None:
        fresh = device.socket is None  # type: ignore[attr-defined]
        create()
        if fresh:
            device.socket.bind(("127.0.0.1", 0))  # type: ignore[attr-defined]

    if device.socket is not None:  # type: ignore[attr-defined]
        device.socket.bind(("127.0.0.1", 0))  # type: ignore[attr-defined]
    device._create_socket = create_on_loopback  # type: ignore[attr-defined]


def _loopback_udp(path: str) -> str:
    """nfcpy defaults udp to 'localhost'; say 127.0.0.1 so no other interface is used."""
    parts = path.split(":")
    host = parts[1] if len(parts) > 1 and parts[1] else "127.0.0.1"
    port = parts[2] if len(parts) > 2 and parts[2] else "54321"
    return f"udp:{host}:{port}"
