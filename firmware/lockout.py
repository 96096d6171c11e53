"""Lockout arithmetic (docs/protocol.md section 6): pure functions, no I/O.

3 free failures, then a delay doubling from 30 s, capped at 960 s so that a sensor FAR of 1e-5
times the attempts possible in 12.8 days stays under 0.017. Never a permanent lock.
"""

from micropython import const

__all__ = ["FREE_FAILURES", "BASE_DELAY_S", "CAP_S", "delay_after", "attempts_left",
           "attempts_within", "FAILURES_MAX"]

FREE_FAILURES = const(3)
BASE_DELAY_S = const(30)
CAP_S = const(960)
FAILURES_MAX = const(255)  # the counter saturates here; the delay is capped long before


def delay_after(failures: int) -> int:
    """Seconds the band refuses a release after the `failures`-th consecutive failure."""
    if failures < FREE_FAILURES:
        return 0
    shift = failures - FREE_FAILURES
    if shift >= 6:  # 30 << 5 = 960 already reaches the cap
        return CAP_S
    return min(BASE_DELAY_S << shift, CAP_S)


def attempts_left(failures: int, locked: bool) -> int:
    """Attempts allowed before the next delay (tag 84 and the x of 63Cx)."""
    if locked:
        return 0
    if failures < FREE_FAILURES:
        return FREE_FAILURES - failures
    return 1


def attempts_within(seconds: int) -> int:
    """Most attempts an impostor who fails instantly can make in `seconds` from a fresh count."""
    elapsed = 0
    attempts = 0
    failures = 0
    while elapsed <= seconds:
        attempts += 1
        failures += 1
        delay = delay_after(failures)
        if delay == CAP_S:  # steady state: one attempt per cap from here on
            return attempts + (seconds - elapsed) // CAP_S
        elapsed += delay
    return attempts
