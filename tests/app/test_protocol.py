"""The APDU protocol module against a scripted device: exact bytes sent, answers parsed,
the polled release's status callback, cancel and interrupt (docs/protocol.md v1)."""

from __future__ import annotations

import threading

import pytest

from responder_app.errors import ApduError, ProtocolError, StatusWord
from responder_app.protocol import (
    BandLockedOut, BandProtocol, BandState, NoMatch, ReleaseCancelled, ReleaseProgress,
    build_apdu, parse_tlvs)

from .fakes import ScriptedDevice, link_lost

SELECT = "00A4040009F049434542414E440100"
FACTS = ("800101" "8110" + "11" * 16 + "8214" + "22" * 20 + "830101" "840103"
         "850400000000" "86020123")
CHALLENGE = bytes(range(32))
BEGIN = "8010000020" + CHALLENGE.hex()
POLL = "8011000000"
CANCEL = "80120000"


def test_select_sends_the_aid_and_parses_public_facts() -> None:
    device = ScriptedDevice([(SELECT, FACTS + "9000")])
    facts = BandProtocol(device).select()
    assert facts.device_id == b"\x11" * 16
    assert facts.patient_address_text == "0x" + "22" * 20
    assert facts.state is BandState.READY
    assert (facts.attempts_left, facts.lockout_seconds, facts.summary_length) == (3, 0, 0x123)
    assert device.done()


def test_select_ignores_unknown_tags_and_refuses_another_version() -> None:
    device = ScriptedDevice([(SELECT, "9F0200FF" + FACTS + "9000")])
    assert BandProtocol(device).select().version == 1
    device = ScriptedDevice([(SELECT, "800102" + FACTS[6:] + "9000")])
    with pytest.raises(ProtocolError, match="version 2"):
        BandProtocol(device).select()


def test_select_of_a_card_without_the_applet_is_an_apdu_error() -> None:
    device = ScriptedDevice([(SELECT, "6A82")])
    with pytest.raises(ApduError) as info:
        BandProtocol(device).select()
    assert info.value.code is StatusWord.NOT_FOUND
    assert "not found" in str(info.value)


def test_unknown_status_word_still_constructs() -> None:
    error = ApduError(0x6FAB)
    assert error.code == 0x6FAB and "unknown status word 6FAB" in str(error)


def test_release_reports_each_status_change_once_and_returns_the_result() -> None:
    result = "900400000007" "9120" + "AB" * 32 + "9203C0FFEE"
    device = ScriptedDevice([(BEGIN, "9000"), (POLL, "6202"), (POLL, "6202"), (POLL, "6203"),
                             (POLL, "6204"), (POLL, result + "9000")])
    seen: list[ReleaseProgress] = []
    release = BandProtocol(device).release(CHALLENGE, on_status=seen.append,
                                           idle_poll_interval=0)
    assert seen == [ReleaseProgress.STARTED, ReleaseProgress.WAITING_FOR_FINGER,
                    ReleaseProgress.CAPTURING, ReleaseProgress.MATCHING]
    assert (release.counter, release.proof, release.sealed_blob) == (7, b"\xab" * 32,
                                                                    b"\xc0\xff\xee")
    assert device.done()


def test_a_long_result_is_collected_with_get_response() -> None:
    blob = bytes(range(256)) * 2
    body = ("900400000001" "9120" + "00" * 32 + "92820200" + blob.hex())
    raw = bytes.fromhex(body)
    first, second, third = raw[:240], raw[240:480], raw[480:]
    device = ScriptedDevice([
        (BEGIN, "9000"),
        (POLL, first.hex() + "61" + "00"),                      # 256 or more waiting
        ("00C0000000", second.hex() + "61" + f"{len(third):02x}"),
        ("00C00000" + f"{len(third):02x}", third.hex() + "9000"),
    ])
    release = BandProtocol(device).release(CHALLENGE)
    assert release.sealed_blob == blob and device.done()


def test_more_data_announced_but_never_sent_is_a_protocol_error() -> None:
    # A band answering 6100 with no data to every GET RESPONSE would otherwise hold the
    # host in send() for ever: the second empty round is refused.
    device = ScriptedDevice([
        (SELECT, "6100"),
        ("00C0000000", "6100"),
    ])
    with pytest.raises(ProtocolError, match="announced more data"):
        BandProtocol(device).select()
    assert device.done()


def test_no_match_carries_attempts_and_lockout() -> None:
    device = ScriptedDevice([(BEGIN, "9000"), (POLL, "6203"), (POLL, "850400000000" "63C2")])
    with pytest.raises(NoMatch) as info:
        BandProtocol(device).release(CHALLENGE)
    assert (info.value.attempts_left, info.value.lockout_seconds) == (2, 0)
    assert device.done()  # a final answer ends the release: no CANCEL sent


def test_locked_out_band_refuses_begin_with_seconds_left() -> None:
    device = ScriptedDevice([(BEGIN, "85040000001E" "6983")])
    with pytest.raises(BandLockedOut) as info:
        BandProtocol(device).release(CHALLENGE)
    assert info.value.seconds_left == 30


def test_cancel_event_sends_cancel_to_the_band() -> None:
    cancel = threading.Event()
    device = ScriptedDevice([(BEGIN, "9000"), (POLL, "6202"), (CANCEL, "9000")])

    def cancel_on_waiting(status: ReleaseProgress) -> None:
        if status is ReleaseProgress.WAITING_FOR_FINGER:
            cancel.set()

    with pytest.raises(ReleaseCancelled):
        BandProtocol(device).release(CHALLENGE, on_status=cancel_on_waiting, cancel=cancel)
    assert device.sent[-1] == bytes.fromhex(CANCEL)


def test_an_interrupt_sends_cancel_before_it_propagates() -> None:
    device = ScriptedDevice([(BEGIN, "9000"), (POLL, "6202"), (POLL, "6202"), (CANCEL, "9000")])
    device.raise_at, device.raise_with = 2, KeyboardInterrupt()
    with pytest.raises(KeyboardInterrupt):
        BandProtocol(device).release(CHALLENGE, idle_poll_interval=0)
    assert device.sent[-1] == bytes.fromhex(CANCEL)


def test_a_band_that_never_answers_finally_is_cancelled_at_the_deadline() -> None:
    class ForeverCapturing(ScriptedDevice):
        def transceive(self, apdu: bytes, timeout: float) -> bytes:
            self.sent.append(bytes(apdu))
            return bytes.fromhex("6203" if apdu == bytes.fromhex(POLL) else "9000")

    device = ForeverCapturing([])
    with pytest.raises(ProtocolError, match="no final answer"):
        BandProtocol(device).release(CHALLENGE, deadline=0.05)
    assert device.sent[-1] == bytes.fromhex(CANCEL)


def test_link_loss_during_the_wait_is_a_transport_error() -> None:
    from responder_app.errors import TransportError
    device = ScriptedDevice([(BEGIN, "9000"), (POLL, "6202")])
    device.raise_at, device.raise_with = 2, link_lost()
    with pytest.raises(TransportError):
        BandProtocol(device).release(CHALLENGE, idle_poll_interval=0)


def test_read_summary_reads_in_240_byte_chunks_from_offsets() -> None:
    summary = bytes(range(256)) + bytes(44)          # 300 bytes
    device = ScriptedDevice([("80200000F0", summary[:240].hex() + "9000"),
                             ("802000F03C", summary[240:].hex() + "9000")])
    assert BandProtocol(device).read_summary(300) == summary
    assert device.done()


def test_read_summary_before_a_release_is_refused() -> None:
    device = ScriptedDevice([("80200000F0", "6985")])
    with pytest.raises(ApduError) as info:
        BandProtocol(device).read_summary(500)
    assert info.value.code is StatusWord.CONDITIONS_NOT_SATISFIED


def test_build_apdu_cases() -> None:
    assert build_apdu(0x80, 0x12, 0, 0) == bytes.fromhex("80120000")
    assert build_apdu(0x00, 0xC0, 0, 0, le=256) == bytes.fromhex("00C0000000")
    assert build_apdu(0x80, 0x10, 0, 0, b"\x01\x02") == bytes.fromhex("80100000020102")
    with pytest.raises(ValueError):
        build_apdu(0x80, 0x10, 0, 0, bytes(256))


@pytest.mark.parametrize("body", ["80", "8005AA", "8183", "9F81"])
def test_malformed_tlvs_are_protocol_errors(body: str) -> None:
    with pytest.raises(ProtocolError):
        parse_tlvs(bytes.fromhex(body))
