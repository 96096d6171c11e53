"""The polled enrolment (docs/protocol.md 2.4): two presses, model, store in page 0."""

from micropython import const

import proto
from drivers.r30x import COMBINE_FAILED, NO_FINGER, OK, SensorError
from release import ring

TYPE_CHECKING = False  # mypy reads the block below; MicroPython never runs it
if TYPE_CHECKING:
    from fwtypes import Sensor, Ticks

__all__ = ["Enroll"]

_IDLE = const(0)
_WAIT = const(1)
_IMAGE = const(2)
_LIFT = const(3)
_MODEL = const(4)
PAGE = const(0)


class Enroll:
    """State of one enrolment; `poll()` returns (status word, body)."""

    def __init__(self, sensor: "Sensor", ticks: "Ticks") -> None:
        self._sensor = sensor
        self._ticks = ticks
        self._phase = _IDLE
        self._press = 1
        self._deadline = ticks.ticks_ms()
        self.enrolled = False

    @property
    def active(self) -> bool:
        return self._phase != _IDLE

    def begin(self) -> None:
        """Empties the sensor library; raises SensorError if the sensor does not answer."""
        self.enrolled = False
        if self._sensor.empty() != OK:
            raise SensorError("sensor refused to empty its library")
        ring(self._sensor, 1)
        self._press = 1
        self._restart_deadline()
        self._phase = _WAIT

    def _restart_deadline(self) -> None:
        self._deadline = self._ticks.ticks_add(self._ticks.ticks_ms(), proto.FINGER_DEADLINE_MS)

    def end(self) -> None:
        if self._phase != _IDLE:
            ring(self._sensor, 4)
        self._phase = _IDLE

    def _expired(self) -> bool:
        return self._ticks.ticks_diff(self._deadline, self._ticks.ticks_ms()) <= 0

    def _progress(self, sw: int) -> "tuple[int, bytes]":
        return sw, bytes((proto.TAG_PRESS, 1, self._press))

    def poll(self) -> "tuple[int, bytes]":
        try:
            return self._step()
        except SensorError:
            self.end()
            return proto.SW_SENSOR_ERROR, b""

    def _step(self) -> "tuple[int, bytes]":
        sensor = self._sensor
        phase = self._phase
        if phase == _WAIT:
            if sensor.gen_img() == OK:
                self._phase = _IMAGE
                return self._progress(proto.SW_CAPTURING)
            if self._expired():
                self.end()
                return proto.SW_NO_FINGER, b""
            return self._progress(proto.SW_WAIT_FINGER)
        if phase == _IMAGE:
            if sensor.img2tz(self._press) != OK:
                self._phase = _WAIT
                return self._progress(proto.SW_WAIT_FINGER)
            if self._press == 1:
                self._phase = _LIFT
                self._restart_deadline()
                return self._progress(proto.SW_LIFT_FINGER)
            self._phase = _MODEL
            return self._progress(proto.SW_MATCHING)
        if phase == _LIFT:
            if sensor.gen_img() == NO_FINGER:
                self._press = 2
                self._phase = _WAIT
                self._restart_deadline()
                return self._progress(proto.SW_WAIT_FINGER)
            if self._expired():
                self.end()
                return proto.SW_NO_FINGER, b""
            return self._progress(proto.SW_LIFT_FINGER)
        code = sensor.reg_model()
        if code == COMBINE_FAILED:
            self.end()
            return proto.SW_ENROLL_FAILED, b""
        if code != OK or sensor.store(1, PAGE) != OK:
            self.end()
            return proto.SW_SENSOR_ERROR, b""
        self.end()
        self.enrolled = True
        return proto.SW_OK, b""
