"""Builds applets for the tests: a real Vault in a scratch directory, a FakeSensor, a FakeClock."""

import hashlib

import proto
from applet import Applet
from drivers.r30x import SensorError
from vault import Vault

from fw_clock import FakeClock
from fw_data import ADDRESS, BLOB, DEVICE_ID, SECRET, SUMMARY, TMP, fresh_dir
from fw_sensor import FakeSensor

SELECT = b"\x00\xa4\x04\x00\x09" + proto.AID + b"\x00"
POLL = b"\x80\x11\x00\x00\x00"
GET_RESPONSE = b"\x00\xc0\x00\x00\x00"


def sw(resp):
    return (resp[-2] << 8) | resp[-1]


def parse_tlv(body):
    """Tag -> value; values are views into `body` (no copy: the 64 KB heap is tight)."""
    body = memoryview(body)
    out = {}
    i = 0
    while i < len(body):
        tag = body[i]
        length = body[i + 1]
        i += 2
        if length == 0x81:
            length = body[i]
            i += 1
        elif length == 0x82:
            length = (body[i] << 8) | body[i + 1]
            i += 2
        out[tag] = body[i:i + length]
        i += length
    return out


def apdu(ins, p1=0, p2=0, data=b"", le=None, cla=0x80):
    out = bytes((cla, ins, p1, p2))
    if data:
        out += bytes((len(data),)) + data
    if le is not None:
        out += bytes((le,))
    return out


class Band:
    """An applet with its vault directory, fake sensor and fake clock."""

    def __init__(self, name, fresh=True):
        self.root = fresh_dir(name) if fresh else TMP + "/" + name
        self.clock = FakeClock()
        self.sensor = FakeSensor(SensorError)
        self.vault = Vault(self.root)
        self.applet = Applet(self.vault, self.sensor, self.clock)

    def reboot(self):
        """A new vault and applet on the same files; the sensor keeps its templates."""
        self.clock = FakeClock(self.clock.now + 5000)
        self.vault = Vault(self.root)
        self.applet = Applet(self.vault, self.sensor, self.clock)

    def send(self, data, wired=False):
        return bytes(self.applet.process(data, wired))  # a view into the applet's buffer

    def select(self, wired=False):
        resp = self.send(SELECT, wired)
        assert sw(resp) == 0x9000, resp
        return parse_tlv(resp[:-2])

    def release(self, finger, challenge=b"\x5a" * 32, max_polls=100):
        """BEGIN, then polls with `finger` on the sensor; returns (final R-APDU, statuses seen)."""
        resp = self.send(apdu(0x10, data=challenge))
        if sw(resp) != 0x9000:
            return resp, []
        self.sensor.finger = finger
        seen = []
        for _ in range(max_polls):
            resp = self.send(POLL)
            seen.append(sw(resp))
            if sw(resp) not in (0x6202, 0x6203, 0x6204):
                break
            self.clock.advance(0.5)
        self.sensor.finger = None
        return resp, seen

    def read_chained(self, resp):
        """Follows 61xx: (first body, SHA-256 of the whole body, its length). Hashing as it
        goes keeps the 64 KB heap free of a copy of the blob."""
        first = resp[:-2]
        digest = hashlib.sha256()
        n = 0
        while True:
            digest.update(resp[:-2])
            n += len(resp) - 2
            if (sw(resp) >> 8) != 0x61:
                break
            resp = self.send(GET_RESPONSE)
        assert sw(resp) == 0x9000, resp
        return first, digest.digest(), n


def digest(data):
    return hashlib.sha256(data).digest()


def provisioned(name):
    """A band provisioned straight through its vault (the APDU path has its own tests in
    test_fw_provision: staging it here too would crowd the 64 KB heap)."""
    band = Band(name)
    band.vault.provision(DEVICE_ID, ADDRESS, SECRET, BLOB, SUMMARY)
    band.sensor.enrolled = "alice"
    band.applet.lock.mark()
    band.select()
    return band

