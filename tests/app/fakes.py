"""A scripted `BandDevice` for protocol tests (python-fido2 style): each step names the exact
command APDU the host must send and the response the band gives."""

from __future__ import annotations

from responder_app.device import BandDevice
from responder_app.errors import TransportError, TransportErrorKind


class ScriptedDevice(BandDevice):
    """Fails the test on the first command that differs from the script."""

    def __init__(self, script: list[tuple[str, str]]) -> None:
        self.script = [(bytes.fromhex(cmd), bytes.fromhex(rsp)) for cmd, rsp in script]
        self.sent: list[bytes] = []
        self.timeouts: list[float] = []
        self.closed = False
        self.raise_at: int | None = None       # index of the exchange that raises instead
        self.raise_with: BaseException | None = None

    def transceive(self, apdu: bytes, timeout: float) -> bytes:
        index = len(self.sent)
        self.sent.append(bytes(apdu))
        self.timeouts.append(timeout)
        if self.raise_at == index and self.raise_with is not None:
            raise self.raise_with
        if index >= len(self.script):
            raise AssertionError(f"unexpected extra APDU {apdu.hex()}")
        expected, response = self.script[index]
        assert apdu == expected, f"APDU {index}: sent {apdu.hex()}, expected {expected.hex()}"
        return response

    def close(self) -> None:
        self.closed = True

    def done(self) -> bool:
        return len(self.sent) == len(self.script)


def link_lost() -> TransportError:
    return TransportError(TransportErrorKind.LINK_LOST, "the band left the field")
