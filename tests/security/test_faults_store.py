"""The record store full: a put that cannot be written is a clear error, leaves no partial or
temporary file (only, at most, an empty fan-out folder), keeps every stored blob readable, and a hospital's anchoring stops before the
ledger (no anchor points at a ciphertext that is not there).

The store is a real 64 KiB tmpfs when this process may mount one (root, as in CI's container);
otherwise the same script runs under RLIMIT_FSIZE, where the kernel refuses the write (EFBIG)
instead of ENOSPC. Either way the OSError comes from the kernel, not from a mock."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Iterator

import pytest

SCRIPT = r"""
import hashlib, json, os, resource, signal, sys
from pathlib import Path
from ledger_client.crypto import RecipientKey, SigningKey, patient_address
from ledger_client.ledger.author import write
from ledger_client.ledger.entries import HospitalGranted, PatientRegistered
from ledger_client.ledger.sqlite import SqliteLedger
from ledger_client.store import StoreUnavailable, open_store
from responder_app.demo import anchor_record

store_dir, ledger_path, mode = sys.argv[1], sys.argv[2], sys.argv[3]
if mode == "rlimit":
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    resource.setrlimit(resource.RLIMIT_FSIZE, (1024 * 1024, 1024 * 1024))
store = open_store(store_dir)
kept = [store.put(os.urandom(4000)) for _ in range(5)]
before = sorted(str(p.relative_to(store_dir)) for p in Path(store_dir).rglob("*"))  # files and folders
out = {"kept": [d.hex() for d in kept]}
try:
    store.put(os.urandom(2048 * 1024))
    out["put"] = "stored"
except StoreUnavailable as exc:
    out["put"] = str(exc)
after = sorted(str(p.relative_to(store_dir)) for p in Path(store_dir).rglob("*"))
out["same_files"] = before == after
out["readable"] = all(hashlib.sha256(store.get(d)).digest() == d for d in kept)
patient, hospital, ek = SigningKey.generate(), SigningKey.generate(), RecipientKey.generate()
with SqliteLedger(ledger_path) as ledger:
    write(ledger, patient, PatientRegistered(ek.public_key().to_bytes()))
    write(ledger, patient, HospitalGranted(hospital.verify_key.to_bytes()))
    size = ledger.size()
    try:
        anchor_record(ledger, Path(store_dir), hospital, ek, patient_address(patient.verify_key),
                      os.urandom(2048 * 1024), 1)
        out["anchor"] = "anchored"
    except StoreUnavailable as exc:
        out["anchor"] = str(exc)
    out["ledger_unchanged"] = ledger.size() == size
print(json.dumps(out))
"""


@pytest.fixture
def full_store(tmp_path: Path) -> Iterator[tuple[Path, str]]:
    store = tmp_path / "store"
    store.mkdir()
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", str(store)],
                             capture_output=True).returncode == 0
    try:
        yield store, "tmpfs" if mounted else "rlimit"
    finally:
        if mounted:
            subprocess.run(["umount", str(store)], check=True)


def test_full_store_refuses_cleanly_and_nothing_is_anchored(
        full_store: tuple[Path, str], tmp_path: Path) -> None:
    store, mode = full_store
    result = subprocess.run([sys.executable, "-c", SCRIPT, str(store), str(tmp_path / "l.db"), mode],
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    out = json.loads(result.stdout)
    reason = "No space left on device" if mode == "tmpfs" else "File too large"
    assert out["put"] == f"cannot write to record store {store}: {reason}"
    assert out["same_files"] and out["readable"] and len(out["kept"]) == 5
    assert out["anchor"].startswith("cannot write to record store") and out["ledger_unchanged"]
    assert not [p for p in store.rglob("*.tmp")]
