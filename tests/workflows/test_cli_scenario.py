"""The issue's CLI scenario end to end from a fresh home folder, and tampering caught."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from ledger_client.home import Home, Role
from ledger_client.ledger import EmergencyAccess
from ledger_client.ledger.author import now_ms, write
from ledger_client.workflows import Workspace

from .conftest import REPO, Iceband


def build_world(iceband: Iceband, ips_file: Path) -> None:
    iceband.ok("hospital", "create", "st-mary")
    iceband.ok("agency", "create", "metro-ems")
    iceband.ok("responder", "create", "bob", "--agency", "metro-ems")
    out = iceband.ok("patient", "create", "alice")
    assert "address 0x" in out
    iceband.ok("grant", "alice", "st-mary")
    assert "version 1" in iceband.ok("record", "put", "alice", str(ips_file), "--hospital", "st-mary")
    assert "version 2" in iceband.ok("record", "put", "alice", str(ips_file), "--hospital", "st-mary")
    iceband.ok("device", "register", "alice", "0a0b0c0d0e0f", "--hospital", "st-mary")


def log_access_as(home: Path, responder: str, device: bytes, offline: bool = False) -> None:
    """What the responder app does at the scene (the app's own tests drive the band)."""
    with Workspace(Home(home)) as ws:
        key = ws.home.signing_key(Role.RESPONDER, responder, "correct horse")
        patient = ws.home.identity(Role.PATIENT, "alice").address
        write(ws.ledger, key, EmergencyAccess(patient, device, 7, os.urandom(16), now_ms(), offline))


def test_the_whole_scenario_from_a_fresh_home(iceband: Iceband, ips_file: Path) -> None:
    build_world(iceband, ips_file)
    shown = iceband.ok("record", "get", "alice", "--as", "patient")
    assert "version 2" in shown and "verified" in shown and "ALLERG" in shown
    view = json.loads(iceband.ok("record", "get", "alice", "--as", "patient", "--json"))
    assert isinstance(view, dict) and view
    log_access_as(iceband.home, "bob", bytes.fromhex("0a0b0c0d0e0f"), offline=True)
    iceband.ok("device", "revoke", "alice", "0a0b0c0d0e0f")
    iceband.ok("revoke", "alice", "st-mary")
    report = json.loads(iceband.ok("audit", "alice", "--json"))
    kinds = [event["kind"] for event in report["events"]]
    assert kinds == ["patient_registered", "hospital_granted", "record_anchored",
                     "record_anchored", "device_registered", "emergency_access",
                     "device_revoked", "hospital_revoked"]
    assert all(event["proof"] == "inclusion proof verified" for event in report["events"])
    whos = {event["kind"]: event["who"] for event in report["events"]}
    assert whos["record_anchored"] == "hospital st-mary"
    assert whos["emergency_access"] == "responder bob (metro-ems)"
    access = next(e for e in report["events"] if e["kind"] == "emergency_access")
    assert "queued offline" in access["what"] and "0a0b0c0d0e0f" in access["what"]
    text = iceband.ok("audit", "alice")
    assert "granted hospital st-mary" in text and "revoked hospital st-mary" in text
    assert "verified: " in iceband.ok("ledger", "verify", "--quiet")
    assert "included in the signed tree" in iceband.ok("ledger", "prove", "3")


def test_a_revoked_hospital_and_a_revoked_device_are_refused(iceband: Iceband, ips_file: Path) -> None:
    build_world(iceband, ips_file)
    iceband.ok("device", "revoke", "alice", "0a0b0c0d0e0f")
    again = iceband("device", "revoke", "alice", "0a0b0c0d0e0f")
    assert again.code == 3 and "revoked_device" in again.err
    iceband.ok("revoke", "alice", "st-mary")
    refused = iceband("record", "put", "alice", str(ips_file), "--hospital", "st-mary")
    assert refused.code == 2 and "has not granted hospital st-mary" in refused.err
    store = iceband.home / "store"
    assert len([p for p in store.rglob("*") if p.is_file()]) == 2  # no orphan third blob


def test_a_tampered_ciphertext_is_refused(iceband: Iceband, ips_file: Path) -> None:
    build_world(iceband, ips_file)
    blobs = sorted((p for p in (iceband.home / "store").rglob("*") if p.is_file()),
                   key=lambda p: p.stat().st_mtime)
    for blob in blobs:
        data = bytearray(blob.read_bytes())
        data[len(data) // 2] ^= 0x01
        blob.write_bytes(bytes(data))
    result = iceband("record", "get", "alice", "--as", "patient")
    assert result.code == 4 and "corrupt: expected SHA-256" in result.err
    assert "ALLERG" not in result.out


def test_tampering_with_the_ledger_fails_audit_and_verify(iceband: Iceband, ips_file: Path) -> None:
    build_world(iceband, ips_file)
    db = sqlite3.connect(iceband.home / "ledger.db")
    index, data = db.execute("SELECT idx, data FROM entries WHERE idx = 4").fetchone()
    flipped = bytearray(data)
    flipped[-70] ^= 0x04  # inside the anchored record's fields
    db.execute("UPDATE entries SET data = ? WHERE idx = ?", (bytes(flipped), index))
    db.commit()
    db.close()
    verify = iceband("ledger", "verify", "--quiet")
    assert verify.code == 4 and "first bad entry: 4" in verify.err
    audit = iceband("audit", "alice")
    assert audit.code == 4 and "verification failed" in audit.err


def test_the_installed_command_runs_as_a_process(tmp_path: Path, ips_file: Path) -> None:
    env = dict(os.environ, ICEBAND_PASSPHRASE="pw", ICEBAND_HOME=str(tmp_path / "h"))

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "ledger_client", *args], cwd=REPO, env=env,
                              capture_output=True, text=True, timeout=120)

    assert run("patient", "create", "carol").returncode == 0
    unknown = run("grant", "carol", "nowhere")
    assert unknown.returncode == 2
    assert unknown.stderr.strip() == ("iceband: error: no hospital named 'nowhere' in "
                                      f"{tmp_path / 'h'} (known: none yet)")
    assert "iceband.ledger/" in run("ledger", "checkpoint").stdout


def test_a_revoked_responder_can_no_longer_log_accesses(iceband: Iceband, ips_file: Path) -> None:
    import pytest

    from ledger_client.ledger import Refusal, RefusedWrite

    build_world(iceband, ips_file)
    log_access_as(iceband.home, "bob", bytes.fromhex("0a0b0c0d0e0f"))
    assert "revoked responder bob" in iceband.ok("responder", "revoke", "bob")
    with pytest.raises(RefusedWrite) as info:
        log_access_as(iceband.home, "bob", bytes.fromhex("0a0b0c0d0e0f"))
    assert info.value.reason is Refusal.REVOKED_RESPONDER
    again = iceband("responder", "revoke", "bob")
    assert again.code == 3 and "revoked_responder" in again.err


def test_a_post_quantum_patient_key_works_end_to_end(iceband: Iceband, ips_file: Path) -> None:
    iceband.ok("hospital", "create", "st-mary")
    iceband.ok("patient", "create", "dora", "--suite", "mlkem768-x25519")
    iceband.ok("grant", "dora", "st-mary")
    iceband.ok("record", "put", "dora", str(ips_file), "--hospital", "st-mary")
    assert "verified" in iceband.ok("record", "get", "dora", "--as", "patient")
    audit = iceband.ok("audit", "dora")
    assert "emergency key MLKEM768_X25519" in audit
    assert "verified: 3 entries" in iceband.ok("ledger", "verify", "--quiet")


@pytest.mark.evm
def test_ledger_verify_dispatches_a_chain_url_to_the_evm_replay(iceband: Iceband) -> None:
    result = iceband("ledger", "verify", "--ledger", "evm+tester://")
    assert result.code == 0, result.err
    assert result.out.startswith("chain ledger verified: 0 entries")
    assert "verified 1 / 1 blocks" in result.err
    unknown = iceband("ledger", "verify", "--ledger", "ftp://x")
    assert unknown.code == 2 and "not 'ftp://x'" in unknown.err


def test_a_saved_checkpoint_proves_nothing_was_rewritten_later(
        iceband: Iceband, ips_file: Path, tmp_path: Path) -> None:
    build_world(iceband, ips_file)
    saved = tmp_path / "checkpoint.txt"
    saved.write_text(iceband.ok("ledger", "checkpoint"))
    iceband.ok("revoke", "alice", "st-mary")
    assert "nothing was rewritten" in iceband.ok("ledger", "consistency", str(saved))
    lines = saved.read_text().split("\n")
    lines[1] = str(int(lines[1]) - 1)      # a checkpoint the ledger never signed
    forged = tmp_path / "forged.txt"
    forged.write_text("\n".join(lines))
    result = iceband("ledger", "consistency", str(forged))
    assert result.code == 4 and "signature does not verify" in result.err
    # Tree nodes lost or altered: the ledger can no longer prove it extends the checkpoint.
    db = sqlite3.connect(iceband.home / "ledger.db")
    db.execute("UPDATE nodes SET hash = zeroblob(32)")
    db.commit()
    db.close()
    broken = iceband("ledger", "consistency", str(saved))
    assert broken.code == 4
