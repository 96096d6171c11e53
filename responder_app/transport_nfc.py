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

# What a serial reader raises when it goes away: pyserial's errors are OSErrors, but a tty
# whose other end closed makes termios itself fail (termios.error is not an OSError).
try:
    import termios
    _READER_GONE: tuple[type[BaseException], ...] = (OSError, termios.error)
except ImportError:  # Windows
    _READER_GONE = (OSError,)


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
        except _READER_GONE as exc:
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
        # sense + activate rather than ContactlessFrontend.connect(): connect() returns False
        # on an I/O error or a KeyboardInterrupt, which would hide an unplugged reader and
        # swallow Ctrl-C; here both propagate.
        deadline = time.monotonic() + timeout
        pause = cancel or threading.Event()
        target = nfc.clf.RemoteTarget("106A")
        while time.monotonic() < deadline and not pause.is_set():
            try:
                found = self._clf.sense(target, iterations=1)
                tag = nfc.tag.activate(self._clf, found) if found is not None else None
            except _READER_GONE as exc:
                raise TransportError(TransportErrorKind.NO_DEVICE,
                                     f"the reader failed: {exc}") from exc
            if isinstance(tag, nfc.tag.tt4.Type4Tag):
                return NfcBand(tag, self)
            if tag is not None:  # a card, but not one that speaks ISO-DEP: not a band
                log.info("ignoring %s: not an ISO-DEP card", tag)
            pause.wait(0.05)
        raise TransportError(TransportErrorKind.NO_BAND, "no band in the reader's field")

    def close(self) -> None:
        try:
            self._clf.close()
        except _READER_GONE:  # already gone: nothing left to release
            pass


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
