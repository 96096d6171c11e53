"""The band over its USB serial: public facts, provisioning, and every release outcome."""

from __future__ import annotations

import pytest

from hardware.hil.target import FINGERS, Target
from responder_app.errors import ApduError, StatusWord
from responder_app.protocol import BandProtocol, BandState, NoMatch

from .flows import ADDRESS, BLOB, DEVICE_ID, SUMMARY, expected_proof, provision, release


@pytest.mark.micropython
def test_select_on_a_fresh_band_gives_the_unprovisioned_facts(target: Target) -> None:
    with target.wired() as device:
        facts = BandProtocol(device).select()
    assert facts.version == 1
    assert facts.state is BandState.UNPROVISIONED
    assert facts.device_id == bytes(16) and facts.patient_address == bytes(20)
    assert (facts.lockout_seconds, facts.summary_length) == (0, 0)


@pytest.mark.micropython
def test_provisioning_over_serial_enrolls_the_finger_and_writes_the_facts(
        target: Target) -> None:
    provision(target)
    enrolled = target.enrolled_fingers()
    if enrolled is not None:  # the simulator shows what the two presses stored
        assert enrolled == {0: FINGERS["patient"]}
    with target.wired() as device:
        facts = BandProtocol(device).select()
    assert facts.state is BandState.READY
    assert facts.device_id == DEVICE_ID
    assert facts.patient_address == ADDRESS
    assert facts.attempts_left == 3
    assert facts.summary_length == len(SUMMARY)


def test_a_provisioned_band_refuses_to_be_provisioned_again(target: Target) -> None:
    provision(target)
    with pytest.raises(ApduError) as refused:
        provision(target)
    assert refused.value.sw == StatusWord.CONDITIONS_NOT_SATISFIED
    with target.wired() as device:
        assert BandProtocol(device).select().device_id == DEVICE_ID


@pytest.mark.micropython
def test_the_patients_finger_releases_the_blob_with_a_proof_of_the_device_secret(
        target: Target) -> None:
    provision(target)
    with target.wired() as device:
        challenge, result = release(device, target, "patient")
        assert result.sealed_blob == BLOB
        assert result.counter == 1
        assert result.proof == expected_proof(challenge, 1)
        again, second = release(device, target, "patient")  # the counter moves on
    assert second.counter == 2
    assert second.proof == expected_proof(again, 2)
    assert second.proof != expected_proof(challenge, 2)  # bound to this challenge


@pytest.mark.micropython
def test_a_wrong_finger_is_refused_with_the_retries_left(target: Target) -> None:
    provision(target)
    with target.wired() as device:
        with pytest.raises(NoMatch) as refused:
            release(device, target, "stranger")
        assert refused.value.attempts_left == 2
        assert BandProtocol(device).select().attempts_left == 2


def test_no_finger_ends_the_release_with_the_timeout_status(target: Target) -> None:
    provision(target)
    with target.wired() as device:
        with pytest.raises(ApduError) as ended:
            release(device, target, None)  # the band's own 15 s deadline
        assert ended.value.sw == StatusWord.NO_FINGER
        assert BandProtocol(device).select().attempts_left == 3  # no attempt was spent


@pytest.mark.micropython
def test_a_silent_sensor_ends_the_release_with_the_sensor_error_status(target: Target) -> None:
    provision(target)
    target.silence_sensor()
    with target.wired() as device:
        with pytest.raises(ApduError) as ended:
            release(device, target, "patient")
        assert ended.value.sw == StatusWord.SENSOR_ERROR
        facts = BandProtocol(device).select()  # the band still answers, nothing changed
    assert facts.state is BandState.READY and facts.attempts_left == 3
