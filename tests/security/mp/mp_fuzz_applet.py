"""APDU fuzzing of the applet on the MicroPython unix port (the band's interpreter, 64 KB heap).

    micropython -X heapsize=64k mp_fuzz_applet.mpy SEED COUNT ROOT

Runs COUNT random APDU sequences (structure-aware and raw) against a provisioned and an
unprovisioned band, over NFC and wired, with a sensor that never sees a finger. Every answer
must end in a known status word (never 6F00: an exception caught by the applet's last line),
and the vault files must be byte for byte unchanged (a wired, unprovisioned band may only add
provisioning staging files). Prints one FAIL line per failure and
"SUMMARY ok=N failures=M". MicroPython-compatible: no f-strings, no typing.
"""

import gc
import hashlib
import os
import random
import sys

import proto
from fw_clock import FakeClock  # tests/firmware/mp: the one MicroPython test clock
from applet import Applet
from vault import Vault

INS = (0xA4, 0xC0, 0x10, 0x11, 0x12, 0x20, 0x40, 0x41, 0x50, 0x52, 0x00, 0xFF)
SELECT = b"\x00\xa4\x04\x00\x09" + proto.AID + b"\x00"


class NoFinger:
    page = -1
    score = 0

    def verify_password(self):
        return True

    def gen_img(self):
        return 0x02

    def img2tz(self, buffer_id):
        return 0x01

    def search(self, buffer_id):
        return 0x09

    def reg_model(self):
        return 0x0A

    def store(self, buffer_id, page):
        return 0

    def empty(self):
        return 0

    def template_count(self):
        return 0

    def ring(self, mode, color):
        return 0


def rbytes(n):
    return bytes(random.getrandbits(8) for _ in range(n))


def apdu():
    kind = random.getrandbits(3)
    if kind == 0:
        return rbytes(random.getrandbits(8) % 40)
    if kind == 1:
        return SELECT
    if kind == 2:  # a provisioning WRITE at offset 0 (staged on a wired, unprovisioned band)
        return bytes((0x80, 0x50, 1 + random.getrandbits(8) % 5, 0, 6, 0, 0)) + rbytes(4)
    cla = (0x00, 0x80, 0x80, random.getrandbits(8))[random.getrandbits(2)]
    ins = INS[random.getrandbits(8) % len(INS)]
    p1 = (0, 0, 1, 3, 5, random.getrandbits(8))[random.getrandbits(8) % 6]
    p2 = (0, 0, random.getrandbits(8))[random.getrandbits(8) % 3]
    out = bytes((cla, ins, p1, p2))
    n = (0, 0, 2, 32, 34, 242, random.getrandbits(8))[random.getrandbits(8) % 7]
    if n:
        out += bytes((n & 0xFF,)) + rbytes(n)
    if random.getrandbits(1):
        out += bytes((random.getrandbits(8),))
    return out


def digest(root, staging=True):
    h = hashlib.sha256()
    for name in sorted(os.listdir(root)):
        if not staging and name.startswith("stage"):
            continue
        h.update(name.encode())
        with open(root + "/" + name, "rb") as f:
            h.update(f.read())
    return h.digest()


def known_sws():
    out = set()
    for name in dir(proto):
        if name.startswith("SW_"):
            out.add(getattr(proto, name))
    return out


def main(seed, count, root):
    random.seed(seed)
    roots = (root + "/u", root + "/p")
    v = Vault(roots[1])
    if not v.provisioned:
        v.provision(bytes(range(16)), bytes(20), bytes(32), b"b" * 300, b"s" * 100)
    Vault(roots[0])
    before = (digest(roots[0]), digest(roots[1]))
    known = known_sws()
    ok = failures = 0
    for i in range(count):
        which = random.getrandbits(1)
        wired = random.getrandbits(1) == 1
        applet = Applet(Vault(roots[which]), NoFinger(), FakeClock())
        bad = None
        for _ in range(1 + random.getrandbits(3)):
            cmd = apdu()
            r = applet.process(cmd, wired)
            sw = (r[-2] << 8) | r[-1]
            if len(r) < 2 or sw == proto.SW_UNKNOWN or not (
                    sw in known or sw & 0xFF00 in (0x6100, 0x63C0)):
                bad = "sw %04X for %s" % (sw, cmd.hex())
                break
            applet.tick()
        # only a wired, unprovisioned band may stage provisioning items (valid WRITEs)
        staging = wired and which == 0
        if bad is None and (digest(roots[0], not staging), digest(roots[1])) != before:
            bad = "the vault changed"
        for name in os.listdir(roots[0]):
            if name.startswith("stage"):
                os.remove(roots[0] + "/" + name)
        if bad is None:
            ok += 1
        else:
            failures += 1
            print("FAIL %d: %s" % (i, bad))
        gc.collect()
    print("SUMMARY ok=%d failures=%d" % (ok, failures))
    return 1 if failures else 0


sys.exit(main(int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]))
