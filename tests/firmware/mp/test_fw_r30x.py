"""R30x driver against a scripted UART: exact bytes out, replies parsed, deadlines kept."""

from drivers.r30x import R30x, SensorError, encode

from fw_clock import FakeClock
from fw_uart import ScriptedUART

GEN_IMG = b"\xef\x01\xff\xff\xff\xff\x01\x00\x03\x01\x00\x05"  # datasheet example


def ack(payload):
    out = bytearray(len(payload) + 11)
    n = encode(out, 0xFFFFFFFF, 0x07, payload)
    return bytes(out[:n])


def test_encode_matches_the_datasheet_gen_img_packet():
    out = bytearray(16)
    assert bytes(out[:encode(out, 0xFFFFFFFF, 0x01, b"\x01")]) == GEN_IMG


def test_gen_img_no_finger_then_ok():
    uart = ScriptedUART([(GEN_IMG, ack(b"\x02")), (GEN_IMG, ack(b"\x00"))])
    sensor = R30x(uart, FakeClock())
    assert sensor.gen_img() == 0x02
    assert sensor.gen_img() == 0x00
    assert not uart.script


def test_search_sends_buffer_and_range_and_reads_page_and_score():
    expected = bytearray(20)
    n = encode(expected, 0xFFFFFFFF, 0x01, b"\x04\x01\x00\x00\x00\xc8")
    uart = ScriptedUART([(bytes(expected[:n]), ack(b"\x00\x00\x07\x00\x5a"))])
    sensor = R30x(uart, FakeClock())
    assert sensor.search(1) == 0
    assert (sensor.page, sensor.score) == (7, 90)


def test_verify_password_sends_the_password():
    expected = bytearray(20)
    n = encode(expected, 0xFFFFFFFF, 0x01, b"\x13\x00\x00\x00\x00")
    uart = ScriptedUART([(bytes(expected[:n]), ack(b"\x00"))])
    assert R30x(uart, FakeClock()).verify_password()


def test_garbage_before_the_header_is_skipped():
    uart = ScriptedUART([(GEN_IMG, b"\x00\x55" + ack(b"\x00"))])
    assert R30x(uart, FakeClock()).gen_img() == 0


def expect_error(uart, clock=None):
    clock = clock or FakeClock()
    try:
        R30x(uart, clock).gen_img()
    except SensorError:
        return clock
    assert False, "no SensorError"


def test_silent_sensor_times_out_within_its_deadline():
    clock = expect_error(ScriptedUART([(GEN_IMG, b"")]))
    assert 600 <= clock.now - 1000 <= 700  # the capture deadline, then it gives up


def test_half_a_reply_times_out():
    expect_error(ScriptedUART([(GEN_IMG, ack(b"\x00")[:7])]))


def test_bad_checksum_is_an_error():
    reply = bytearray(ack(b"\x00"))
    reply[-1] ^= 0xFF
    expect_error(ScriptedUART([(GEN_IMG, bytes(reply))]))


def test_command_packet_instead_of_ack_is_an_error():
    out = bytearray(16)
    n = encode(out, 0xFFFFFFFF, 0x01, b"\x00")
    expect_error(ScriptedUART([(GEN_IMG, bytes(out[:n]))]))


def test_absurd_length_is_an_error():
    expect_error(ScriptedUART([(GEN_IMG, b"\xef\x01\xff\xff\xff\xff\x07\xff\xff")]))
