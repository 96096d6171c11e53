"""Brute force across reboots on the MicroPython unix port (the band's interpreter):

    micropython -X heapsize=64k mp_bruteforce.mpy ROOT SECONDS

An impostor fails instantly, pulls the battery after every failure (a new Vault and Applet
from the files) and tries again the moment the band allows, waiting powered (tick() persists
the countdown every 30 s) for SECONDS of the band's clock. Prints "ATTEMPTS n BOUND m" where
m is lockout.attempts_within(SECONDS); the caller asserts n <= m and FAR * m < 0.017.
"""

import os
import sys

import lockout
import proto
from fw_clock import FakeClock  # tests/firmware/mp: the one MicroPython test clock
from applet import Applet
from vault import Files, Vault

SELECT = b"\x00\xa4\x04\x00\x09" + proto.AID + b"\x00"


class Impostor:
    page = -1
    score = 0

    def gen_img(self):
        return 0

    def img2tz(self, buffer_id):
        return 0

    def search(self, buffer_id):
        return 0x09

    def ring(self, mode, color):
        return 0


def lockout_left(response):
    body = bytes(response[:-2])
    i = 0
    while i + 2 <= len(body):
        if body[i] == 0x85:
            return int.from_bytes(body[i + 2:i + 2 + body[i + 1]], "big")
        i += 2 + body[i + 1]
    raise AssertionError("no lockout tag")


def main(root, seconds):
    files = Files()
    v = Vault(root, files)
    v.provision(bytes(16), bytes(20), bytes(32), b"blob" * 20, b"")
    clock = FakeClock()
    start = clock.now
    attempts = 0
    while clock.now - start <= seconds * 1000:
        applet = Applet(Vault(root, files), Impostor(), clock)
        r = applet.process(SELECT)
        assert r[-2:] == b"\x90\x00"
        left = lockout_left(r)
        while left:
            clock.now += min(left, 30) * 1000
            applet.tick()
            left = applet.lock.seconds_left()
        if clock.now - start > seconds * 1000:
            break
        assert applet.process(b"\x80\x10\x00\x00\x20" + bytes(32))[-2:] == b"\x90\x00"
        while True:
            sw = bytes(applet.process(b"\x80\x11\x00\x00\x00")[-2:])
            if sw[0] == 0x63:
                break
        attempts += 1
    print("ATTEMPTS %d BOUND %d" % (attempts, lockout.attempts_within(seconds)))


main(sys.argv[1], int(sys.argv[2]))
