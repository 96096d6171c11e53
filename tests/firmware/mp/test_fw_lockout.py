"""Lockout arithmetic (docs/protocol.md section 6)."""

import lockout

TWELVE_POINT_EIGHT_DAYS = 1105920
FAR = 0.00001


def test_three_free_failures_then_doubling_from_30_s_capped():
    delays = [lockout.delay_after(f) for f in range(0, 12)]
    assert delays == [0, 0, 0, 30, 60, 120, 240, 480, 960, 960, 960, 960]
    assert lockout.delay_after(255) == 960
    assert lockout.delay_after(10 ** 6) == 960  # never permanent


def simulate(seconds):
    """Step by step: an impostor retries the instant the delay allows."""
    t = 0
    failures = 0
    attempts = 0
    while t <= seconds:
        attempts += 1
        failures += 1
        t += lockout.delay_after(failures)
    return attempts


def test_attempts_in_12_8_days_keep_far_budget():
    attempts = lockout.attempts_within(TWELVE_POINT_EIGHT_DAYS)
    assert attempts == simulate(TWELVE_POINT_EIGHT_DAYS) == 1159
    assert attempts * FAR < 0.017


def test_closed_form_matches_simulation_on_short_windows():
    for seconds in (0, 29, 30, 89, 90, 929, 930, 931, 1889, 1890, 100000):
        assert lockout.attempts_within(seconds) == simulate(seconds), seconds


def test_attempts_left():
    assert [lockout.attempts_left(f, False) for f in range(5)] == [3, 2, 1, 1, 1]
    assert lockout.attempts_left(0, True) == 0
    assert lockout.attempts_left(7, True) == 0
