"""USB-serial framing: CRC, encoding, resynchronisation, bad and stale frames dropped."""

from serial_link import FrameReader, crc16, encode

from fw_clock import FakeClock


class Port:
    def __init__(self):
        self.rx = bytearray()

    def any(self):
        return len(self.rx)

    def readinto(self, view):
        n = min(len(view), len(self.rx))
        view[:n] = self.rx[:n]
        self.rx = self.rx[n:]
        return n


def test_crc_check_value():
    assert crc16(b"123456789") == 0x29B1


def test_encode_layout():
    frame = encode(b"\x00\xa4")
    assert frame[:4] == b"IB\x00\x02" and frame[4:6] == b"\x00\xa4"
    assert frame[6:] == crc16(b"\x00\x02\x00\xa4").to_bytes(2, "big")


def test_frames_split_across_polls_and_garbage_between():
    port = Port()
    reader = FrameReader(port, FakeClock())
    stream = b"\x13\x37I" + encode(b"one") + b"xx" + encode(b"two")
    got = []
    for i in range(len(stream)):
        port.rx += stream[i:i + 1]
        payload = reader.poll()
        if payload is not None:
            got.append(bytes(payload))
    assert got == [b"one", b"two"]


def test_bad_crc_is_dropped_and_the_next_frame_read():
    port = Port()
    reader = FrameReader(port, FakeClock())
    bad = bytearray(encode(b"bad"))
    bad[-1] ^= 1
    port.rx += bad + encode(b"good")
    assert reader.poll() == b"good"
    assert reader.dropped == 1


def test_stale_partial_frame_is_dropped_after_500_ms():
    port = Port()
    clock = FakeClock()
    reader = FrameReader(port, clock)
    port.rx += encode(b"lost")[:5]
    assert reader.poll() is None
    clock.advance(0.6)
    assert reader.poll() is None
    port.rx += encode(b"next")
    assert reader.poll() == b"next"
    assert reader.dropped >= 1


def test_oversized_length_is_dropped():
    port = Port()
    reader = FrameReader(port, FakeClock())
    port.rx += b"IB\xff\xff" + encode(b"ok")
    assert reader.poll() == b"ok"


def test_frame_longer_than_a_short_apdu_is_dropped():
    port = Port()
    reader = FrameReader(port, FakeClock())
    port.rx += encode(bytes(300)) + encode(b"\x00\xa4\x04\x00")
    got = [reader.poll() for _ in range(5)]
    assert [g for g in got if g is not None] == [b"\x00\xa4\x04\x00"]
    assert reader.dropped >= 1
