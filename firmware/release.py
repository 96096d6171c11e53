"""The polled release (docs/protocol.md 2.2): one bounded sensor step per POLL.

Counters are persisted before any answer; before each Search the failure is persisted as if
the attempt failed (anti-tearing), and a match clears it.
"""

from micropython import const

import lockout
import proto
from drivers.r30x import NOT_FOUND, OK, SensorError
from hmac_sha256 import hmac_sha256
from vault import VaultError

TYPE_CHECKING = False  # mypy reads the block below; MicroPython never runs it
if TYPE_CHECKING:
    from fwtypes import Sensor, Ticks
    from vault import Vault

__all__ = ["Release", "Clock", "ring"]

_IDLE = const(0)
_WAIT = const(1)
_IMAGE = const(2)
_FEATURES = const(3)
_PERSIST_EVERY_MS = const(30000)


def ring(sensor: "Sensor", mode: int) -> None:
    """Best effort: sensors without a ring LED (R307) refuse it, and a silent sensor is
    reported by the capture step, not here."""
    try:
        sensor.ring(mode, 2)
    except SensorError:
        pass


class Clock:
    """Lockout seconds left, counted on the monotonic clock from the last persisted value."""

    def __init__(self, vault: "Vault", ticks: "Ticks") -> None:
        self._vault = vault
        self._ticks = ticks
        self._mark = ticks.ticks_ms()

    def mark(self) -> None:
        self._mark = self._ticks.ticks_ms()

    def seconds_left(self) -> int:
        elapsed_ms = self._ticks.ticks_diff(self._ticks.ticks_ms(), self._mark)
        left_ms = self._vault.lockout_s * 1000 - elapsed_ms
        return 0 if left_ms <= 0 else (left_ms + 999) // 1000

    def tick(self) -> None:
        """Persists the countdown every 30 s so a reboot resumes it, never restarts lower."""
        vault = self._vault
        if vault.lockout_s == 0:
            return
        elapsed_ms = self._ticks.ticks_diff(self._ticks.ticks_ms(), self._mark)
        if elapsed_ms >= _PERSIST_EVERY_MS or elapsed_ms >= vault.lockout_s * 1000:
            vault.save_counters(vault.release_counter, vault.failures, self.seconds_left())
            self.mark()


class Release:
    """State of one release wait; `poll()` returns (status word, body)."""

    def __init__(self, vault: "Vault", sensor: "Sensor", ticks: "Ticks", lock: Clock) -> None:
        self._vault = vault
        self._sensor = sensor
        self._ticks = ticks
        self._lock = lock
        self._phase = _IDLE
        self._challenge = b""
        self._deadline = ticks.ticks_ms()
        self._ring_lit = False

    @property
    def active(self) -> bool:
        return self._phase != _IDLE

    def begin(self, challenge: bytes) -> None:
        self._challenge = bytes(challenge)
        self._phase = _WAIT
        self._ring_lit = False
        self._deadline = self._ticks.ticks_add(self._ticks.ticks_ms(), proto.FINGER_DEADLINE_MS)

    def end(self) -> None:
        if self._phase != _IDLE and self._ring_lit:
            ring(self._sensor, 4)
        self._phase = _IDLE

    def _expired(self) -> bool:
        return self._ticks.ticks_diff(self._deadline, self._ticks.ticks_ms()) <= 0

    def poll(self) -> "tuple[int, bytes]":
        try:
            return self._step()
        except SensorError:
            self.end()
            return proto.SW_SENSOR_ERROR, b""
        except VaultError:
            self.end()
            return proto.SW_MEMORY_FAILURE, b""

    def _step(self) -> "tuple[int, bytes]":
        # The window bounds every step, not only the empty-sensor ones: a POLL held back past
        # it (a relay, a stalled reader) must not start a capture or a match.
        if self._expired():
            self.end()
            return proto.SW_NO_FINGER, b""
        sensor = self._sensor
        if self._phase == _WAIT:
            if not self._ring_lit:
                self._ring_lit = True
                ring(sensor, 1)  # breathing blue: "place your finger"
            if sensor.gen_img() == OK:
                self._phase = _IMAGE
                return proto.SW_CAPTURING, b""
            return proto.SW_WAIT_FINGER, b""
        if self._phase == _IMAGE:
            if sensor.img2tz(1) == OK:
                self._phase = _FEATURES
                return proto.SW_MATCHING, b""
            self._phase = _WAIT  # a smudged image: try again within the same window
            return proto.SW_WAIT_FINGER, b""
        return self._match()

    def _match(self) -> "tuple[int, bytes]":
        vault = self._vault
        failures = min(vault.failures + 1, lockout.FAILURES_MAX)
        vault.save_counters(vault.release_counter, failures, lockout.delay_after(failures))
        self._lock.mark()
        code = self._sensor.search(1)
        if code == NOT_FOUND:
            self.end()
            left = self._lock.seconds_left()
            retries = lockout.attempts_left(failures, left > 0)
            return proto.SW_NO_MATCH | retries, proto.tlv(proto.TAG_LOCKOUT, left.to_bytes(4, "big"))
        if code != OK:
            self.end()
            return proto.SW_SENSOR_ERROR, b""
        counter = vault.release_counter + 1
        vault.save_counters(counter, 0, 0)
        self._lock.mark()
        self.end()
        counter_bytes = counter.to_bytes(4, "big")
        proof = hmac_sha256(vault.secret, proto.DOMAIN_TAG, self._challenge, vault.blob_hash,
                            counter_bytes)
        head = (proto.tlv(proto.TAG_COUNTER, counter_bytes) + proto.tlv(proto.TAG_PROOF, proof)
                + proto.tlv_header(proto.TAG_BLOB, vault.blob_len))
        return proto.SW_OK, head

