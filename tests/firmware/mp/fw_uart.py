"""ScriptedUART: a machine.UART double that asserts the exact bytes written and answers from
a script, as micropython-lib tests its drivers (machine.UART does not exist on the host)."""


class ScriptedUART:
    """Asserts each write is the next expected frame and queues the scripted reply."""

    def __init__(self, script):
        self.script = list(script)
        self.rx = bytearray()
        self.writes = []

    def write(self, data):
        data = bytes(data)
        self.writes.append(data)
        assert self.script, "unexpected write " + repr(data)
        expected, reply = self.script.pop(0)
        if expected is not None:
            assert data == expected, "wrote %r, expected %r" % (data, expected)
        self.rx += reply
        return len(data)

    def any(self):
        return len(self.rx)

    def readinto(self, buf, nbytes=None):
        n = min(len(buf), len(self.rx))
        if nbytes is not None:
            n = min(n, nbytes)
        if not n:
            return None
        buf[:n] = self.rx[:n]
        self.rx = self.rx[n:]
        return n

    def read(self, n=None):
        if not self.rx:
            return None
        n = len(self.rx) if n is None else min(n, len(self.rx))
        out = bytes(self.rx[:n])
        self.rx = self.rx[n:]
        return out
