"""PN532 target driver against a scripted UART: wake, arm, APDUs, release, silence."""

from drivers.pn532_target import (ACK, ACTIVATED, APDU, NONE, RELEASED, Pn532Error,
                                  Pn532Target, encode)

from fw_clock import FakeClock
from fw_uart import ScriptedUART

WAKE = b"\x55\x55" + bytes(14)
SAM = b"\x00\x00\xff\x05\xfb\xd4\x14\x01\x14\x01\x02\x00"  # UM0701 SAMConfiguration normal


def answer(data):
    """A chip -> host information frame with TFI D5."""
    length = len(data) + 1
    total = 0xD5 + sum(data)
    return bytes((0, 0, 0xFF, length, (-length) & 0xFF, 0xD5)) + data + bytes(((-total) & 0xFF, 0))


def woken(script):
    uart = ScriptedUART([(WAKE, b""), (SAM, ACK + answer(b"\x15"))] + script)
    chip = Pn532Target(uart, FakeClock())
    chip.wake()
    return chip, uart


def test_encode_sam_configuration_exact_bytes():
    assert encode(0x14, b"\x01\x14\x01") == SAM


def test_arm_then_activation_then_apdu_exchange():
    arm = encode(0x8C, b"\x05\x04\x00\x12\x34\x56\x20" + bytes(28) + b"\x00\x00")
    get = encode(0x86, b"")
    chip, uart = woken([(arm, ACK), (get, ACK), (encode(0x8E, b"\x90\x00"), ACK + answer(b"\x8f\x00")),
                        (get, ACK)])
    chip.arm()
    assert chip.poll() == (NONE, b"")
    uart.rx += answer(b"\x8d\x05\xe0\x80")  # activated by RATS
    assert chip.poll() == (ACTIVATED, b"")
    chip.request_apdu()
    assert chip.poll() == (NONE, b"")
    uart.rx += answer(b"\x87\x00\x00\xa4\x04\x00")
    event, apdu = chip.poll()
    assert event == APDU and apdu == b"\x00\xa4\x04\x00"
    assert chip.respond(b"\x90\x00")
    chip.request_apdu()
    uart.rx += answer(b"\x87\x29")  # released by the initiator
    assert chip.poll() == (RELEASED, b"")
    assert not uart.script


def test_frame_split_byte_by_byte_is_reassembled():
    get = encode(0x86, b"")
    chip, uart = woken([(get, ACK)])
    chip.request_apdu()
    frame = answer(b"\x87\x00\x80\x11\x00\x00\x00")
    for i in range(len(frame) - 1):
        uart.rx += frame[i:i + 1]
        assert chip.poll() == (NONE, b"")
    uart.rx += frame[-1:]
    assert chip.poll() == (APDU, b"\x80\x11\x00\x00\x00")


def test_silent_chip_is_an_error_not_a_hang():
    uart = ScriptedUART([(WAKE, b""), (SAM, b"")])
    clock = FakeClock()
    try:
        Pn532Target(uart, clock).wake()
    except Pn532Error:
        assert clock.now - 1000 <= 200
    else:
        assert False, "no Pn532Error"


def test_corrupt_frame_is_skipped():
    get = encode(0x86, b"")
    chip, uart = woken([(get, ACK)])
    chip.request_apdu()
    bad = bytearray(answer(b"\x87\x00\x01\x02\x03\x04"))
    bad[-2] ^= 0x55
    uart.rx += bytes(bad)
    assert chip.poll() == (NONE, b"")
    uart.rx += answer(b"\x87\x00\x01\x02\x03\x04")
    assert chip.poll() == (APDU, b"\x01\x02\x03\x04")
