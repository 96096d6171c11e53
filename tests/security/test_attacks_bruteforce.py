"""Brute force across reboots: an impostor who fails instantly, pulls the battery after every
failure and tries again the moment the band allows, for 12.8 days of the band's own clock.

The band is the unmodified firmware (applet, release, lockout, vault on real files); only the
sensor (always "no match") and the clock (a counter) are doubles. The attempts counted here
must never exceed what the firmware's own `lockout.attempts_within` says, and the R503's
FAR (datasheet: under 0.001 %) times that number must stay under FIDO's 0.017.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

from fuzzkit.firmware import SELECT, FakeClock, firmware_modules

FAR_R503 = 1e-5
WINDOW_S = int(12.8 * 86400)


class Impostor:
    """A finger on the sensor that never matches."""
    page, score = -1, 0

    def gen_img(self) -> int:
        return 0x00

    def img2tz(self, buffer_id: int) -> int:
        return 0x00

    def search(self, buffer_id: int) -> int:
        return 0x09  # not found

    def ring(self, mode: int, color: int) -> int:
        return 0x00


def _fast_files(fw):  # type: ignore[no-untyped-def]
    """The firmware's own Files, minus fsync: the "flash" here is a tmp folder and 40,000
    syncs would only slow the run; write-then-rename is unchanged."""
    class FastFiles(fw["vault"].Files):
        def write(self, path: str, parts: tuple) -> None:
            with open(path, "wb") as f:
                for part in parts:
                    f.write(part)
    return FastFiles()


def _lockout_left(response: bytes) -> int:
    body = response[:-2]
    i = 0
    while i + 2 <= len(body):
        tag, length = body[i], body[i + 1]
        if tag == 0x85:
            return int.from_bytes(body[i + 2:i + 2 + length], "big")
        i += 2 + length
    raise AssertionError("SELECT has no lockout tag")


def test_impostor_attempts_in_12_8_days_stay_within_the_far_budget(tmp_path: Path) -> None:
    fw = firmware_modules()
    lockout = fw["lockout"]
    shm = Path("/dev/shm")  # RAM-backed when present: ~40,000 renames on a disk take a minute
    folder = Path(tempfile.mkdtemp(dir=shm)) if shm.is_dir() else tmp_path
    try:
        _brute_force(fw, lockout, str(folder / "band"))
    finally:
        if folder != tmp_path:
            shutil.rmtree(folder, ignore_errors=True)


def _brute_force(fw, lockout, root: str) -> None:  # type: ignore[no-untyped-def]
    files = _fast_files(fw)
    vault = fw["vault"].Vault(root, files)
    vault.provision(bytes(16), bytes(20), os.urandom(32), b"blob" * 20, b"")
    clock = FakeClock()
    start = clock.now
    attempts = reboots = 0
    while clock.now - start <= WINDOW_S * 1000:
        # pull the battery: a fresh boot reads everything back from the files
        applet = fw["applet"].Applet(fw["vault"].Vault(root, files), Impostor(), clock)
        reboots += 1
        selected = bytes(applet.process(SELECT))
        assert selected[-2:] == b"\x90\x00"
        left = _lockout_left(selected)
        while left:  # wait, powered, as the main loop runs: tick() persists the countdown
            clock.now += min(left, 30) * 1000
            applet.tick()
            left = applet.lock.seconds_left()
        if clock.now - start > WINDOW_S * 1000:
            break
        assert bytes(applet.process(b"\x80\x10\x00\x00\x20" + bytes(32)))[-2:] == b"\x90\x00"
        while True:
            sw = bytes(applet.process(b"\x80\x11\x00\x00\x00"))[-2:]
            if sw[0] == 0x63:
                break
            assert sw in (b"\x62\x02", b"\x62\x03", b"\x62\x04"), sw.hex()
        attempts += 1
    bound = lockout.attempts_within(WINDOW_S)
    assert attempts <= bound, (attempts, bound)
    assert attempts >= bound - 2, "the simulation should reach the bound it checks"
    assert FAR_R503 * bound < 0.017, FAR_R503 * bound
    assert reboots >= attempts and vault.provisioned


def test_lockout_is_never_permanent(tmp_path: Path) -> None:
    """After 300 failures (the counter saturates at 255) the wait is still the cap, not forever."""
    fw = firmware_modules()
    lockout = fw["lockout"]
    delays = [lockout.delay_after(n) for n in range(0, 300)]
    assert max(delays) == lockout.CAP_S and delays[-1] == lockout.CAP_S
    assert delays[:3] == [0, 0, 0] and delays[3:6] == [30, 60, 120]


def test_the_same_brute_force_on_the_unix_port(tmp_path: Path) -> None:
    """The band's own interpreter (64 KB heap, compiled firmware): the same bound holds."""
    import re

    import unix_port_fuzz
    dest = unix_port_fuzz.stage(tmp_path / "stage")
    shm = Path("/dev/shm")
    folder = Path(tempfile.mkdtemp(dir=shm)) if shm.is_dir() else tmp_path
    try:
        result = unix_port_fuzz.run_bruteforce(dest, folder / "band", WINDOW_S)
    finally:
        if folder != tmp_path:
            shutil.rmtree(folder, ignore_errors=True)
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]
    found = re.search(r"ATTEMPTS (\d+) BOUND (\d+)", result.stdout)
    assert found, result.stdout
    attempts, bound = int(found[1]), int(found[2])
    assert bound == firmware_modules()["lockout"].attempts_within(WINDOW_S)  # same arithmetic
    assert bound - 2 <= attempts <= bound and FAR_R503 * bound < 0.017
