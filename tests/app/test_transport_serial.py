"""The USB-serial transport over a real pty, with the band's side played by a thread that
speaks the framing of docs/protocol.md 4.2 (this test covers framing, not the applet)."""

from __future__ import annotations

import threading

import pytest

from hardware.sim.pty_port import PtyPort
from responder_app.device import open_reader
from responder_app.errors import TransportError, TransportErrorKind
from responder_app.protocol import BandProtocol
from responder_app.transport_serial import FrameDecoder, crc16_ccitt_false, encode_frame


def test_crc_check_value() -> None:
    assert crc16_ccitt_false(b"123456789") == 0x29B1


def test_frame_layout_and_decoder_hunting() -> None:
    frame = encode_frame(b"\x90\x00")
    assert frame == b"IB\x00\x02\x90\x00" + crc16_ccitt_false(b"\x00\x02\x90\x00").to_bytes(2, "big")
    decoder = FrameDecoder()
    bad_crc = frame[:-1] + bytes([frame[-1] ^ 1])
    assert decoder.feed(b"noise I" + bad_crc + b"IB\x04\x01" + frame[:5]) == []
    assert decoder.feed(frame[5:]) == [b"\x90\x00"]


class BandOnPty:
    """Answers each framed command with a framed response; can drop the first command."""

    def __init__(self, answers: dict[bytes, bytes], drop_first: bool = False,
                 silent: bool = False) -> None:
        self.pty = PtyPort()
        self.silent = silent
        self.answers = answers
        self.drop_first = drop_first
        self.received: list[bytes] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        decoder = FrameDecoder()
        while not self._stop.is_set():
            for command in decoder.feed(self.pty.read(1024, 0.05)):
                self.received.append(command)
                if self.silent or (self.drop_first and len(self.received) == 1):
                    continue  # as if the CRC had been bad: the band stays silent
                self.pty.write(b"\x00garbage" + encode_frame(self.answers[command]))

    def close(self) -> None:
        self._stop.set()
        self._thread.join()
        self.pty.close()


FACTS = bytes.fromhex("800101" "8110" + "11" * 16 + "8214" + "22" * 20 + "830101" "840103"
                      "850400000000" "86020000")
SELECT = bytes.fromhex("00A4040009F049434542414E440100")


@pytest.mark.parametrize("drop_first", [False, True])
def test_select_over_serial(drop_first: bool) -> None:
    band = BandOnPty({SELECT: FACTS + b"\x90\x00"}, drop_first=drop_first)
    try:
        with open_reader("serial:" + band.pty.path) as reader:
            device = reader.wait_for_band(1.0)
            try:
                facts = BandProtocol(device, timeout=0.5).select()
            finally:
                device.close()
        assert facts.device_id == b"\x11" * 16
        assert band.received == [SELECT] * (2 if drop_first else 1)
    finally:
        band.close()


def test_a_silent_band_is_a_timeout() -> None:
    band = BandOnPty({}, silent=True)
    try:
        device = open_reader("serial:" + band.pty.path).wait_for_band(1.0)
        with pytest.raises(TransportError) as info:
            device.transceive(SELECT, 0.2)
        assert info.value.kind is TransportErrorKind.TIMEOUT
        assert band.received == [SELECT, SELECT]  # sent, then sent once more
        device.close()
    finally:
        band.close()


def test_missing_port_is_no_device() -> None:
    with pytest.raises(TransportError) as info:
        open_reader("serial:/dev/does-not-exist").wait_for_band(0.1)
    assert info.value.kind is TransportErrorKind.NO_DEVICE


def test_unknown_device_string_is_refused() -> None:
    with pytest.raises(TransportError, match="unknown device string"):
        open_reader("bluetooth:band")
