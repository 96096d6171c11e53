"""Power and the reset button: lockout survives a power cut, the button held at boot erases
everything, and an ordinary reboot erases nothing."""

from __future__ import annotations

import pytest

from hardware.hil.target import Target
from responder_app.protocol import BandLockedOut, BandProtocol, BandState, NoMatch

from .flows import DEVICE_ID, expected_proof, provision, release


@pytest.mark.micropython
def test_lockout_after_three_failures_survives_a_power_cut(target: Target) -> None:
    provision(target)
    with target.wired() as device:
        for left in (2, 1, 0):
            with pytest.raises(NoMatch) as refused:
                release(device, target, "stranger")
            assert refused.value.attempts_left == left
        assert 0 < refused.value.lockout_seconds <= 30
        facts = BandProtocol(device).select()
        assert facts.state is BandState.LOCKED_OUT and facts.attempts_left == 0
    target.reboot()
    with target.wired() as device:
        facts = BandProtocol(device).select()
        assert facts.state is BandState.LOCKED_OUT
        assert 0 < facts.lockout_seconds <= 30
        with pytest.raises(BandLockedOut) as locked:  # even the right finger waits
            release(device, target, "patient")
    assert 0 < locked.value.seconds_left <= 30


def test_a_reboot_without_the_button_keeps_everything(target: Target) -> None:
    provision(target)
    with target.wired() as device:
        release(device, target, "patient")
    target.reboot()
    with target.wired() as device:
        assert BandProtocol(device).select().device_id == DEVICE_ID
        challenge, result = release(device, target, "patient")
    assert result.counter == 2  # the release counter was persisted
    assert result.proof == expected_proof(challenge, 2)


@pytest.mark.micropython
def test_the_button_held_at_boot_erases_the_band(target: Target) -> None:
    provision(target)
    files = target.flash_files()
    if files is not None:
        assert files, "provisioning wrote nothing to the flash"
    target.reboot(button_held=True)
    with target.wired() as device:
        facts = BandProtocol(device).select()
    assert facts.state is BandState.UNPROVISIONED
    assert facts.device_id == bytes(16) and facts.summary_length == 0
    if target.enrolled_fingers() is not None:
        assert target.enrolled_fingers() == {}
    if target.flash_files() is not None:
        assert [f for f in target.flash_files() or [] if f.endswith((".bin", ".new"))] == []
    provision(target)  # an erased band can be provisioned again
    with target.wired() as device:
        assert BandProtocol(device).select().state is BandState.READY
