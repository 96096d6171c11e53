"""One small interface between the session and whatever carries APDUs to the band.

A `BandReader` is the tablet's side (an NFC reader, a USB cable, an in-process band in
tests); `wait_for_band` blocks until a band is in reach and returns a `BandDevice`, which only
moves bytes: `transceive(apdu, timeout)` returns the response APDU with its status word.
Framing of APDUs and status words is written once, above, in `responder_app.protocol`.

Device strings (`open_reader`):
  usb, usb:VVVV:PPPP, tty:USB0:pn532   nfcpy's own paths
  /dev/pts/N or pty:/dev/pts/N         a PN532 on a serial path nfcpy's tty: syntax cannot name
                                       (the simulated reader)
  udp[:host[:port]]                    nfcpy's udp driver (a light test tier; loopback only)
  serial:/dev/ttyUSB0                  the band itself on USB serial (wired fallback)
"""

from __future__ import annotations

import abc
import threading

from .errors import TransportError, TransportErrorKind

__all__ = ["BandDevice", "BandReader", "open_reader", "list_readers"]


class BandDevice(abc.ABC):
    """A band in reach: moves one command APDU and its response."""

    description: str = "band"

    @abc.abstractmethod
    def transceive(self, apdu: bytes, timeout: float) -> bytes:
        """Sends `apdu`, returns the response APDU (data || SW1 SW2).

        Raises `TransportError` when no answer arrives within `timeout` seconds or the link
        breaks.
        """

    @abc.abstractmethod
    def close(self) -> None:
        """Releases the band; further `transceive` calls raise `TransportError`."""

    def __enter__(self) -> "BandDevice":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class BandReader(abc.ABC):
    """The tablet's side of the link."""

    description: str = "reader"

    @abc.abstractmethod
    def wait_for_band(self, timeout: float, cancel: threading.Event | None = None) -> BandDevice:
        """Blocks until a band answers, up to `timeout` seconds or until `cancel` is set.

        Raises `TransportError(NO_BAND)` when none came.
        """

    @abc.abstractmethod
    def close(self) -> None:
        ...

    def __enter__(self) -> "BandReader":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def open_reader(spec: str) -> BandReader:
    """Opens the reader named by a device string (see the module docstring)."""
    if spec.startswith("serial:"):
        from .transport_serial import SerialReader
        return SerialReader(spec[len("serial:"):])
    from .transport_nfc import NfcReader
    if spec.startswith("pty:"):
        return NfcReader.open_pn532_path(spec[len("pty:"):])
    if spec.startswith("/"):
        return NfcReader.open_pn532_path(spec)
    if spec.startswith(("usb", "tty", "com", "udp")):
        return NfcReader.open_path(spec)
    raise TransportError(TransportErrorKind.NO_DEVICE,
                         f"unknown device string {spec!r} (usb, tty:PORT:pn532, /dev/PATH, "
                         "udp[:host[:port]] or serial:PORT)")


def list_readers() -> list[str]:
    """Device strings of the readers attached now (USB NFC readers and USB serial ports)."""
    found: list[str] = []
    try:
        import nfc.clf.device
        import nfc.clf.transport
        for vid, pid, bus, dev in nfc.clf.transport.USB.find("usb") or []:
            if (vid, pid) in nfc.clf.device.usb_device_map:
                found.append(f"usb:{int(bus):03d}:{int(dev):03d}")
    except Exception:  # libusb missing or no permission: no USB readers to offer
        pass
    try:
        from serial.tools import list_ports
        found.extend(f"serial:{port.device}" for port in list_ports.comports())
    except ImportError:
        pass
    return found
