"""FakeClock: time.ticks_* and sleep_ms on a counter (MicroPython-compatible test double)."""


class FakeClock:
    """time.ticks_* and sleep_ms on a counter that only moves when told (or on sleep)."""

    def __init__(self, start=1000):
        self.now = start

    def ticks_ms(self):
        return self.now

    def ticks_diff(self, a, b):
        return a - b

    def ticks_add(self, a, b):
        return a + b

    def sleep_ms(self, ms):
        self.now += ms

    def advance(self, seconds):
        self.now += int(seconds * 1000)
