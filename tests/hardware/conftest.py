"""Fixtures for the hardware simulators and the host `machine` fakes."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from hardware.sim.fingerprint import SimulatedSensor


@pytest.fixture
def fingerprint_sensor() -> Iterator[SimulatedSensor]:
    """A factory-fresh simulated R503 on a pty, instant timing; stopped after the test."""
    with SimulatedSensor() as sensor:
        yield sensor


# -- PN532 pair and RF link (hardware.sim.nfc) ------------------------------------------------
# The card-side helper below plays the band's firmware over the card pty. It builds and parses
# PN532 frames itself (not with hardware.sim.nfc.frames) so that the simulator is checked by a
# second, independent reading of UM0701-02.

import threading  # noqa: E402
import time  # noqa: E402
from typing import Callable  # noqa: E402

import serial  # noqa: E402

from hardware.sim.nfc import SimulatedField  # noqa: E402

PN532_ACK = bytes.fromhex("0000FF00FF00")
PN532_WAKEUP = bytes.fromhex("5555000000")


class Pn532HostError(Exception):
    pass


class Pn532Host:
    """A tiny PN532 host on a serial port: command frames out, ACK and response frames in.

    Used for the firmware's end of the card-mode chip and for raw checks of the reader chip.
    """

    def __init__(self, path: str) -> None:
        self.port = serial.Serial(path, 115200, timeout=0.05)
        self.buffer = bytearray()
        self.stopping = threading.Event()

    @staticmethod
    def frame(code: int, data: bytes = b"") -> bytes:
        body = bytes([0xD4, code]) + data
        if len(body) <= 255:
            head = bytes([0x00, 0x00, 0xFF, len(body), (-len(body)) & 0xFF])
        else:
            size = len(body).to_bytes(2, "big")
            head = b"\x00\x00\xff\xff\xff" + size + bytes([(-sum(size)) & 0xFF])
        return head + body + bytes([(-sum(body)) & 0xFF, 0x00])

    def read_frame(self, timeout: float) -> bytes:
        """The next frame from the chip, whole (from its 00 00 FF); raises on timeout."""
        deadline = time.monotonic() + timeout
        while True:
            start = self.buffer.find(b"\x00\x00\xff")
            if start >= 0 and len(self.buffer) >= start + 6:
                length = self.buffer[start + 3]
                if self.buffer[start + 3:start + 5] in (b"\x00\xff", b"\xff\x00"):
                    size = 6
                elif self.buffer[start + 3:start + 5] == b"\xff\xff":
                    size = 10 + int.from_bytes(self.buffer[start + 5:start + 7], "big")
                else:
                    size = 7 + length
                if len(self.buffer) >= start + size:
                    out = bytes(self.buffer[start:start + size])
                    del self.buffer[:start + size]
                    return out
            if time.monotonic() > deadline:
                raise Pn532HostError("no frame from the chip in time")
            if self.stopping.is_set():
                raise Pn532HostError("stopped")
            self.buffer += self.port.read(max(1, self.port.in_waiting))

    def send(self, raw: bytes) -> None:
        self.port.write(raw)

    def command(self, code: int, data: bytes = b"", timeout: float = 1.0,
                wake: bool = False) -> bytes:
        self.send((PN532_WAKEUP if wake else b"") + self.frame(code, data))
        if self.read_frame(0.5) != PN532_ACK:
            raise Pn532HostError("no ACK")
        response = self.read_frame(timeout)
        if response == bytes.fromhex("0000FF01FF7F8100"):
            raise Pn532HostError("syntax error frame")
        body = response[8:-2] if response[3:5] == b"\xff\xff" else response[5:-2]
        if (sum(body) + response[-2]) & 0xFF:
            raise Pn532HostError("bad data checksum")
        if body[:2] != bytes([0xD5, code + 1]):
            raise Pn532HostError(f"unexpected response {body.hex()}")
        return body[2:]

    def abort(self) -> None:
        self.send(PN532_ACK)

    def init_as_target(self, nfcid1t: bytes = b"\x12\x34\x56", timeout: float = 5.0,
                       historical: bytes = b"") -> bytes:
        params = (bytes([0x05]) + b"\x04\x00" + nfcid1t + b"\x20" + bytes(18) + bytes(10)
                  + b"\x00" + bytes([len(historical)]) + historical)
        return self.command(0x8C, params, timeout)

    def get_data(self, timeout: float = 5.0) -> tuple[int, bytes]:
        out = self.command(0x86, b"", timeout)
        return out[0], out[1:]

    def set_data(self, data: bytes, timeout: float = 5.0) -> int:
        """Sends a response APDU; longer than one host frame goes ahead by TgSetMetaData."""
        while len(data) > 262:
            status = self.command(0x94, data[:262], timeout)[0]
            if status:
                return status
            data = data[262:]
        return self.command(0x8E, data, timeout)[0]

    def close(self) -> None:
        self.port.close()


class Pn532CardScript:
    """Runs `answer(apdu) -> response` as the band's firmware in a thread, session after session."""

    def __init__(self, host: Pn532Host, answer: Callable[[bytes], bytes]) -> None:
        self.host, self.answer = host, answer
        self.apdus: list[bytes] = []
        self.activations: list[bytes] = []
        self.releases = 0
        self.errors: list[BaseException] = []
        self._stop = threading.Event()
        self.host.command(0x14, b"\x01\x14\x01", wake=True)   # SAMConfiguration, normal mode
        self.thread = threading.Thread(target=self._run, name="pn532-card-script", daemon=True)
        self.thread.start()

    def _run(self) -> None:
        try:
            while not self._stop.is_set():
                self.activations.append(self.host.init_as_target(timeout=3600))
                while not self._stop.is_set():
                    status, apdu = self.host.get_data(timeout=30)
                    if status == 0x29:
                        self.releases += 1
                        break
                    self.apdus.append(apdu)
                    if self.host.set_data(self.answer(apdu), timeout=30) == 0x29:
                        self.releases += 1
                        break
        except BaseException as error:  # reported by stop()
            if not self._stop.is_set():
                self.errors.append(error)

    def stop(self) -> None:
        self._stop.set()
        self.host.stopping.set()
        self.thread.join(timeout=5)
        self.host.abort()   # cancels the command the script was waiting on
        self.host.close()
        assert not self.thread.is_alive(), "card script did not stop"
        assert not self.errors, self.errors


@pytest.fixture
def nfc_field(request: pytest.FixtureRequest) -> Iterator[SimulatedField]:
    """A simulated PN532 pair with the band out of the field; all threads stopped after.

    Indirect parametrization passes SimulatedField options, e.g. {"realistic": True}.
    """
    with SimulatedField(**getattr(request, "param", {})) as field:
        yield field


@pytest.fixture
def nfc_reader(nfc_field: SimulatedField) -> Iterator["nfc.ContactlessFrontend"]:  # noqa: F821
    """nfcpy's unmodified pn532 driver on the reader pty, inside a ContactlessFrontend."""
    import nfc
    import nfc.clf.pn532
    import nfc.clf.transport

    device = nfc.clf.pn532.init(nfc.clf.transport.TTY(nfc_field.reader_path))
    device._path = nfc_field.reader_path   # what nfc.clf.device.connect() sets for tty paths
    clf = nfc.ContactlessFrontend()
    clf.device = device
    yield clf
    clf.close()


@pytest.fixture
def pn532_card_host(nfc_field: SimulatedField) -> Iterator[Pn532Host]:
    """The firmware's end of the card-mode chip, driven by hand in the test."""
    host = Pn532Host(nfc_field.card_path)
    yield host
    host.abort()
    host.close()


@pytest.fixture
def pn532_raw_reader(nfc_field: SimulatedField) -> Iterator[Pn532Host]:
    """Hand-built frames to the reader-mode chip, for what nfcpy never sends."""
    host = Pn532Host(nfc_field.reader_path)
    yield host
    host.close()


@pytest.fixture
def pn532_card_script(nfc_field: SimulatedField) -> Iterator[Callable[..., Pn532CardScript]]:
    """Starts `Pn532CardScript(answer)` on the card pty; stops it (and checks it) after."""
    scripts: list[Pn532CardScript] = []

    def start(answer: Callable[[bytes], bytes]) -> Pn532CardScript:
        script = Pn532CardScript(Pn532Host(nfc_field.card_path), answer)
        scripts.append(script)
        return script

    yield start
    for script in scripts:
        script.stop()
