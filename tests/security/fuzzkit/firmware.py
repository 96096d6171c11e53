"""The band's firmware on CPython (the same files as on the ESP32): hostile sensor replies into
the R30x driver, APDU sequences into the applet with a real vault on disk."""

from __future__ import annotations

import hashlib
import importlib
import os
import shutil
import sys
import tempfile
import types
from pathlib import Path

from . import Outcome, SimpleHarness

__all__ = ["firmware_modules", "FakeClock", "NoFingerSensor", "r30x_driver_harness",
           "applet_harness", "vault_digest", "split_apdus", "SELECT"]

REPO = Path(__file__).resolve().parents[3]


def firmware_modules() -> dict[str, types.ModuleType]:
    """Imports firmware/ as MicroPython does (top-level modules), with the host fakes."""
    from hardware.host import mpcompat
    mpcompat.install()
    folder = str(REPO / "firmware")
    if folder not in sys.path:
        sys.path.append(folder)
    return {name: importlib.import_module(name)
            for name in ("applet", "vault", "proto", "lockout", "drivers.r30x")}


class FakeClock:
    """time.ticks_* on a counter that moves only on sleep or when told: no real waiting."""

    def __init__(self) -> None:
        self.now = 1000
        self.slept = 0

    def ticks_ms(self) -> int:
        return self.now

    def ticks_diff(self, a: int, b: int) -> int:
        return a - b

    def ticks_add(self, a: int, b: int) -> int:
        return a + b

    def sleep_ms(self, ms: int) -> None:
        self.now += ms
        self.slept += ms


class _ByteUART:
    def __init__(self, rx: bytes) -> None:
        self.rx = bytearray(rx)

    def write(self, data: bytes) -> int:
        return len(data)

    def any(self) -> int:
        return len(self.rx)

    def readinto(self, buf, nbytes=None):  # type: ignore[no-untyped-def]
        n = min(len(buf), len(self.rx), 7)  # short reads, as a real UART gives
        if not n:
            return None
        buf[:n] = self.rx[:n]
        del self.rx[:n]
        return n


def _ack(payload: bytes) -> bytes:
    length = len(payload) + 2
    total = 0x07 + (length >> 8) + (length & 0xFF) + sum(payload)
    return (b"\xef\x01\xff\xff\xff\xff\x07" + length.to_bytes(2, "big") + payload
            + (total & 0xFFFF).to_bytes(2, "big"))


def r30x_driver_harness() -> SimpleHarness:
    fw = firmware_modules()
    r30x = fw["drivers.r30x"]
    seeds = [_ack(b"\x00") * 3 + _ack(b"\x00\x00\x05\x00\x40") + _ack(b"\x00\x00\x01") + _ack(b"\x00"),
             _ack(b"\x02") + _ack(b"\x09") + _ack(b"\x01"),
             b"\x55" + _ack(b"\x00") + b"\xef\x01" + _ack(b"\x00\x00")]

    def check(data: bytes) -> Outcome:
        clock = FakeClock()
        driver = r30x.R30x(_ByteUART(data), clock)
        answered = 0
        calls = (driver.verify_password, driver.gen_img, lambda: driver.img2tz(1),
                 lambda: driver.search(1), driver.template_count, lambda: driver.ring(1, 2))
        for call in calls:
            try:
                result = call()
                assert isinstance(result, (bool, int))
                answered += 1
            except r30x.SensorError:
                pass
        # every read has a deadline: six calls wait at most 600+600+600+1500+600+600 ms
        assert clock.slept <= 4500 + 6, f"the driver waited {clock.slept} ms"
        return "accepted" if answered == len(calls) else "rejected"
    return SimpleHarness(seeds, check)


class NoFingerSensor:
    """A sensor nobody touches: every capture says "no finger" (so nothing may change)."""

    page = -1
    score = 0

    def verify_password(self) -> bool:
        return True

    def gen_img(self) -> int:
        return 0x02

    def img2tz(self, buffer_id: int) -> int:
        return 0x01

    def search(self, buffer_id: int) -> int:
        return 0x09

    def reg_model(self) -> int:
        return 0x0A

    def store(self, buffer_id: int, page: int) -> int:
        return 0x00

    def empty(self) -> int:
        return 0x00

    def template_count(self) -> int:
        return 0

    def ring(self, mode: int, color: int) -> int:
        return 0x00


def vault_digest(root: str, staging: bool = True) -> bytes:
    """SHA-256 over every file name and content under the vault folder (without the
    provisioning staging files when `staging` is False)."""
    digest = hashlib.sha256()
    for name in sorted(os.listdir(root)):
        if not staging and name.startswith("stage"):
            continue
        digest.update(name.encode() + b"\0")
        with open(os.path.join(root, name), "rb") as f:
            digest.update(f.read())
    return digest.digest()


def split_apdus(data: bytes) -> list[bytes]:
    """One length byte, then that many bytes, per APDU."""
    out, i = [], 0
    while i < len(data):
        out.append(data[i + 1:i + 1 + data[i]])
        i += 1 + data[i]
    return out


SELECT = b"\x00\xa4\x04\x00\x09\xf0ICEBAND\x01\x00"


def applet_harness() -> SimpleHarness:
    fw = firmware_modules()
    proto = fw["proto"]
    folder = tempfile.mkdtemp(prefix="iceband-fuzz-applet-")
    roots = {}
    for provisioned in (False, True):
        root = os.path.join(folder, "band%d" % provisioned)
        vault = fw["vault"].Vault(root)
        if provisioned:
            vault.provision(bytes(range(16)), bytes(20), os.urandom(32), os.urandom(300),
                            os.urandom(200))
        roots[provisioned] = root
    digests = {p: vault_digest(r, staging=False) for p, r in roots.items()}
    known = {v for k, v in vars(proto).items() if k.startswith("SW_")}

    def seq(*apdus: bytes) -> bytes:
        return b"".join(bytes([len(a)]) + a for a in apdus)
    seeds = [b"\x00" + seq(SELECT, b"\x80\x10\x00\x00\x20" + bytes(32), b"\x80\x11\x00\x00\x00",
                           b"\x80\x12\x00\x00", b"\x80\x20\x00\x00\x00"),
             b"\x03" + seq(SELECT, b"\x80\x40\x00\x00", b"\x80\x41\x00\x00",
                           b"\x80\x50\x01\x00\x12\x00\x00" + bytes(16),
                           b"\x80\x50\x03\x00\x04\x00\x00ab", b"\x80\x52\x00\x00"),
             b"\x02" + seq(SELECT, b"\x00\xc0\x00\x00\x00", b"\x80\x20\x00\x10\xff",
                           b"\x80\x11\x00\x00", b"\x00\xa4\x04\x00\x05abcde"),
             b"\x01" + seq(SELECT, b"\x80\x50\x01\x00\x12\x00\x00" + bytes(16),
                           b"\x80\x50\x03\x00\x04\x00\x00ab", b"\x80\x50\x03\x00\x04\x00\x05ab",
                           b"\x80\x52\x00\x00")]

    def check(data: bytes) -> Outcome:
        flags = data[0] if data else 0
        wired, provisioned = bool(flags & 1), bool(flags & 2)
        vault = fw["vault"].Vault(roots[provisioned])
        applet = fw["applet"].Applet(vault, NoFingerSensor(), FakeClock())
        ok = 0
        for apdu in split_apdus(data[1:]):
            response = bytes(applet.process(apdu, wired))
            sw = (response[-2] << 8) | response[-1]
            assert len(response) >= 2 and (sw in known or sw & 0xFF00 in (0x6100, 0x63C0)), \
                f"unknown status word {sw:04X}"
            assert sw != proto.SW_UNKNOWN, f"an exception inside the applet for {apdu.hex()}"
            ok += sw == proto.SW_OK
            applet.tick()
        state = (vault.release_counter, vault.failures, vault.lockout_s, vault.provisioned)
        # only a wired, unprovisioned band may stage provisioning items (valid WRITEs); nothing
        # else may touch the flash, and COMMIT cannot succeed without an enrolled finger
        staging_allowed = wired and not provisioned
        root = roots[provisioned]
        assert vault_digest(root, staging=not staging_allowed) == digests[provisioned], \
            "the vault changed"
        for name in os.listdir(root):  # the next input starts from the same flash
            if name.startswith("stage"):
                os.remove(os.path.join(root, name))
        again = fw["vault"].Vault(roots[provisioned])
        assert (again.release_counter, again.failures, again.lockout_s, again.provisioned) == state
        return "accepted" if ok else "rejected"
    return SimpleHarness(seeds, check, lambda: shutil.rmtree(folder, ignore_errors=True))
