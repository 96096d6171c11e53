"""Power loss at every flash write of the band, in turn, during what a band does in the field:
a release (the counter goes up), a failed attempt (the failure is counted before the search,
so cutting power after seeing the result gains nothing), and the lockout countdown.

The band is the unmodified firmware (applet, release, vault on real files); the power cut is
injected in the vault's own file operations: a write keeps only half its bytes, then nothing
after it runs (not even the applet's catch-all). After each cut the band reboots from its files
and must hold the old state or the new one, still verify (the blob hash, the HMAC proof the app
checks), and never reuse a release counter it has already shown to a reader.
"""

from __future__ import annotations

import hashlib
import hmac
import os
from pathlib import Path
from typing import Callable

import pytest

from fuzzkit.firmware import SELECT, FakeClock, firmware_modules
from responder_app.session import release_proof

FW = firmware_modules()
SECRET, BLOB = os.urandom(32), os.urandom(700)
BEGIN = b"\x80\x10\x00\x00\x20"
POLL = b"\x80\x11\x00\x00\x00"
GET_RESPONSE = b"\x00\xc0\x00\x00\x00"


class PowerCut(BaseException):
    """Not an Exception: the applet's last-line `except Exception` must not see it."""


class Sensor:
    def __init__(self, matches: bool) -> None:
        self.matches, self.searched = matches, 0
        self.page, self.score = (1, 200) if matches else (-1, 0)

    def gen_img(self) -> int:
        return 0x00

    def img2tz(self, buffer_id: int) -> int:
        return 0x00

    def search(self, buffer_id: int) -> int:
        self.searched += 1
        return 0x00 if self.matches else 0x09

    def ring(self, mode: int, color: int) -> int:
        return 0x00


def cutting_files(budget: int | None = None):  # type: ignore[no-untyped-def]
    """The firmware's Files; once armed, the power fails at file operation number `budget`
    (writes, renames and removes count; reads cannot damage anything)."""
    class CuttingFiles(FW["vault"].Files):  # type: ignore[name-defined,misc]
        def __init__(self) -> None:
            self.budget, self.ops = budget, 0

        def _spend(self) -> None:
            if self.ops == self.budget:
                raise PowerCut()
            self.ops += 1

        def write(self, path: str, parts: tuple) -> None:
            if self.ops == self.budget:  # torn write: half the bytes reach the flash
                data = b"".join(bytes(p) for p in parts)
                with open(path, "wb") as f:
                    f.write(data[: len(data) // 2])
            self._spend()
            super().write(path, parts)

        def rename(self, old: str, new: str) -> None:
            self._spend()
            super().rename(old, new)

        def remove(self, path: str) -> None:
            self._spend()
            super().remove(path)
    return CuttingFiles()


def _provisioned(root: str, failures: int = 0, lockout_s: int = 0, counter: int = 5) -> None:
    vault = FW["vault"].Vault(root)
    vault.provision(bytes(range(16)), bytes(20), SECRET, BLOB, b"summary")
    vault.save_counters(counter, failures, lockout_s)


def _state(root: str) -> tuple[int, int, int]:
    v = FW["vault"].Vault(root)
    assert v.provisioned and v.secret == SECRET and v.blob_hash == hashlib.sha256(BLOB).digest()
    return v.release_counter, v.failures, v.lockout_s


def _release(applet, challenge: bytes) -> bytes | None:  # type: ignore[no-untyped-def]
    """BEGIN + POLL (+ GET RESPONSE); the whole answer on 9000, None otherwise."""
    assert bytes(applet.process(SELECT))[-2:] == b"\x90\x00"
    if bytes(applet.process(BEGIN + challenge))[-2:] != b"\x90\x00":
        return None
    answer = b""
    while True:
        r = bytes(applet.process(POLL if not answer else GET_RESPONSE))
        if r[-2] == 0x62:
            continue
        answer += r[:-2]
        if r[-2] == 0x61:
            continue
        return answer if r[-2:] == b"\x90\x00" else None


def _verify(answer: bytes, challenge: bytes) -> int:
    """What the app checks (responder_app.session.release_proof): returns the counter."""
    assert answer[:2] == b"\x90\x04" and answer[6:8] == b"\x91\x20" and answer[-len(BLOB):] == BLOB
    counter = int.from_bytes(answer[2:6], "big")
    proof = answer[8:40]
    assert hmac.compare_digest(proof, release_proof(SECRET, challenge, BLOB, counter))
    return counter


def _each_cut(tmp: Path, setup: Callable[[str], None],
              act: Callable[[object, Sensor], None], matches: bool) -> list[tuple]:
    """Runs `act` with the power cut at operation 0, 1, 2 ... until it completes uncut."""
    outcomes = []
    for budget in range(100):
        root = str(tmp / f"cut{budget}")
        setup(root)
        before = _state(root)
        files = cutting_files()
        sensor = Sensor(matches)
        applet = FW["applet"].Applet(FW["vault"].Vault(root, files), sensor, FakeClock())
        files.budget, files.ops = budget, 0  # armed after boot: the cut falls inside the action
        try:
            act(applet, sensor)
            cut = False
        except PowerCut:
            cut = True
        outcomes.append((before, _state(root), sensor.searched, cut))
        if not cut:
            return outcomes
    raise AssertionError("the action never completed")


def test_power_cut_at_every_write_of_a_release(tmp_path: Path) -> None:
    shown: list[int] = []

    def act(applet, sensor) -> None:  # type: ignore[no-untyped-def]
        challenge = os.urandom(32)
        answer = _release(applet, challenge)
        assert answer is not None
        shown.append(_verify(answer, challenge))

    outcomes = _each_cut(tmp_path, _provisioned, act, matches=True)
    assert len(outcomes) >= 3  # the pre-search failure, the counter, and the final switch
    for before, after, _, cut in outcomes:
        assert after in (before, (before[0], before[1] + 1, before[2]), (before[0] + 1, 0, 0)), after
    assert shown == [6]  # only the uncut run answered, with the next counter


def test_counter_never_repeats_after_a_cut_that_followed_the_answer(tmp_path: Path) -> None:
    """A cut right after the answer left the band (the next flash write) must not let the
    band show the same counter again: the app would take it for a replay, or worse, accept a
    replay of the first answer."""
    root = str(tmp_path / "band")
    _provisioned(root)
    seen = []
    for round_ in range(4):
        sensor, challenge = Sensor(True), os.urandom(32)
        applet = FW["applet"].Applet(FW["vault"].Vault(root), sensor, FakeClock())
        answer = _release(applet, challenge)
        assert answer is not None
        seen.append(_verify(answer, challenge))
        files = cutting_files()
        applet = FW["applet"].Applet(FW["vault"].Vault(root, files), Sensor(False), FakeClock())
        files.budget, files.ops = round_, 0  # the next attempt loses power at flash op round_
        try:
            _release(applet, os.urandom(32))
        except PowerCut:
            pass
    assert seen == sorted(set(seen)), seen


def test_power_cut_at_every_write_of_a_failed_attempt_still_counts_it(tmp_path: Path) -> None:
    def act(applet, sensor) -> None:  # type: ignore[no-untyped-def]
        assert _release(applet, os.urandom(32)) is None

    outcomes = _each_cut(tmp_path, lambda root: _provisioned(root, failures=2), act, matches=False)
    for before, after, searched, cut in outcomes:
        assert after in (before, (before[0], before[1] + 1, 30)), after
        if searched:  # the finger was compared: the failure is on flash, whatever came after
            assert after[1] == before[1] + 1 and after[2] == 30, (before, after)


@pytest.mark.parametrize("elapsed_s", [31, 300])
def test_power_cut_while_persisting_the_lockout_countdown(tmp_path: Path, elapsed_s: int) -> None:
    def act(applet, sensor) -> None:  # type: ignore[no-untyped-def]
        applet.lock._ticks.now += elapsed_s * 1000  # the band waited, powered
        applet.tick()

    outcomes = _each_cut(tmp_path, lambda root: _provisioned(root, failures=5, lockout_s=240),
                         act, matches=False)
    for before, after, _, _ in outcomes:
        left = max(0, 240 - elapsed_s)
        assert after in (before, (before[0], 5, left)), after  # never lower than the truth
