"""Benchmark body (MicroPython-compatible): heap and applet time for releases with an instant
fake sensor. Run by benchmarks/firmware.py on the unix port and on CPython; prints KEY=VALUE."""

import gc
import sys
import time

from fw_band import GET_RESPONSE, POLL, apdu, provisioned, sw

try:
    ticks_us = time.ticks_us
    ticks_diff = time.ticks_diff
except AttributeError:  # CPython
    def ticks_us():
        return time.perf_counter_ns() // 1000

    def ticks_diff(a, b):
        return a - b


def one_release(band):
    """BEGIN, polls until the match, GET RESPONSE until 9000; returns the APDU count."""
    count = 1
    band.applet.process(apdu(0x10, data=b"\x5a" * 32))
    band.sensor.finger = "alice"
    resp = band.applet.process(POLL)
    while resp[-2] == 0x62:
        resp = band.applet.process(POLL)
        count += 1
    while resp[-2] == 0x61:
        resp = band.applet.process(GET_RESPONSE)
        count += 1
    assert sw(resp) == 0x9000
    band.sensor.finger = None
    return count + 1


def main(rounds):
    band = provisioned("bench")
    apdus = one_release(band)  # warm: files exist, buffers allocated
    if hasattr(gc, "mem_alloc"):  # MicroPython only
        gc.collect()
        print("RESIDENT_BYTES=%d" % gc.mem_alloc())
        gc.disable()  # nothing freed during the release: allocated bytes bound its peak
        before = gc.mem_alloc()
        one_release(band)
        print("RELEASE_ALLOCATED_BYTES=%d" % (gc.mem_alloc() - before))
        gc.enable()
        gc.collect()
    start = ticks_us()
    for _ in range(rounds):
        one_release(band)
    elapsed = ticks_diff(ticks_us(), start)
    print("RELEASE_APDUS=%d" % apdus)
    print("RELEASE_US=%d" % (elapsed // rounds))


main(int(sys.argv[1]) if len(sys.argv) > 1 else 20)
