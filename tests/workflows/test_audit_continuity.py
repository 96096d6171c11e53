"""`iceband audit` across audits: the patient's folder keeps the last checkpoint verified; a
ledger that later shows a history not extending it (fork, rollback) is refused with exit 4 and
the saved checkpoint stays; honest growth passes and moves it on. Break-glass comes first."""

from __future__ import annotations

import json
import os
import sqlite3
import stat
from pathlib import Path
from typing import Callable

from ledger_client.crypto import SigningKey
from ledger_client.home import Home, Role
from ledger_client.ledger import HospitalGranted, HospitalRevoked, Ledger
from ledger_client.ledger.author import write
from ledger_client.ledger.sqlite import SqliteLedger

from .conftest import Iceband
from .test_cli_scenario import build_world, log_access_as


def _seen_file(home: Path) -> Path:
    files = list((home / "patients" / "alice").glob("seen-*.checkpoint"))
    assert len(files) == 1, files
    return files[0]


def _copy(src: Path, dst: Path) -> None:
    """A WAL-safe copy of a closed ledger file into a fresh `dst` (the SQLite backup API)."""
    for suffix in ("", "-wal", "-shm"):
        dst.with_name(dst.name + suffix).unlink(missing_ok=True)
    with sqlite3.connect(src) as source, sqlite3.connect(dst) as target:
        source.backup(target)
    source.close()
    target.close()


def _other_history(home: Path, keep: int, then: Callable[[Ledger], None]) -> Path:
    """The operator's second ledger under the same key: the first `keep` entries of the real
    one replayed, then `then` writes whatever it likes."""
    key = SigningKey.from_bytes((home / "ledger.db.key").read_bytes())
    path = home.parent / f"other-{os.urandom(4).hex()}.db"
    with SqliteLedger(home / "ledger.db", create=False) as honest:
        entries = [logged.entry for logged in honest.entries()][:keep]
    with SqliteLedger(path, signing_key=key) as other:
        other.append_batch(entries)
        then(other)
    return path


def _alice(home: Path) -> SigningKey:
    return Home(home).signing_key(Role.PATIENT, "alice", "correct horse")


def _audited_world(iceband: Iceband, ips_file: Path) -> tuple[Path, bytes, int]:
    build_world(iceband, ips_file)
    first = json.loads(iceband.ok("audit", "alice", "--json"))
    assert first["seen_tree_size"] is None and "first audit" in first["continuity"]
    seen = _seen_file(iceband.home)
    assert stat.S_IMODE(seen.stat().st_mode) == 0o600
    honest = iceband.home.parent / "honest.db"
    _copy(iceband.home / "ledger.db", honest)
    return honest, seen.read_bytes(), first["tree_size"]


def test_a_forked_ledger_is_detected_by_iceband_audit(iceband: Iceband, ips_file: Path) -> None:
    honest, saved, size = _audited_world(iceband, ips_file)
    hospital = Home(iceband.home).identity(Role.HOSPITAL, "st-mary").public_key

    def diverge(other: Ledger) -> None:  # a different last entry, then one more: looks like growth
        write(other, _alice(iceband.home), HospitalRevoked(hospital))
        write(other, _alice(iceband.home), HospitalGranted(hospital))
    forked = _other_history(iceband.home, size - 1, diverge)
    _copy(forked, iceband.home / "ledger.db")
    for args in (("audit", "alice"), ("audit", "alice", "--json")):
        result = iceband(*args)
        assert result.code == 4, result.err
        assert "FORK DETECTED" in result.err and "two different histories" in result.err
        assert f"size {size + 1} does not extend the checkpoint of size {size}" in result.err
        assert result.out == ""
        assert _seen_file(iceband.home).read_bytes() == saved  # the fork was not adopted
    # the honest ledger again, grown since: the audit passes and the saved checkpoint moves on
    _copy(honest, iceband.home / "ledger.db")
    iceband.ok("revoke", "alice", "st-mary")
    text = iceband.ok("audit", "alice")
    assert f"consistent: the checkpoint of size {size + 1} extends the one of size {size}" in text
    assert _seen_file(iceband.home).read_bytes() != saved
    report = json.loads(iceband.ok("audit", "alice", "--json"))
    assert report["seen_tree_size"] == report["tree_size"] == size + 1
    assert report["continuity"].startswith("unchanged")


def test_a_rolled_back_ledger_is_detected_by_iceband_audit(iceband: Iceband, ips_file: Path) -> None:
    _, saved, size = _audited_world(iceband, ips_file)
    backup = _other_history(iceband.home, size - 2, lambda other: None)  # an older copy
    _copy(backup, iceband.home / "ledger.db")
    result = iceband("audit", "alice")
    assert result.code == 4
    assert "two different histories" in result.err
    assert f"shrank from {size} to {size - 2} entries" in result.err
    assert _seen_file(iceband.home).read_bytes() == saved


def test_ledger_consistency_uses_the_same_check(iceband: Iceband, ips_file: Path,
                                                tmp_path: Path) -> None:
    honest, _, size = _audited_world(iceband, ips_file)
    mine = tmp_path / "mine.txt"
    mine.write_text(iceband.ok("ledger", "checkpoint"))
    backup = _other_history(iceband.home, size - 1, lambda other: None)
    _copy(backup, iceband.home / "ledger.db")
    result = iceband("ledger", "consistency", str(mine))
    assert result.code == 4 and "shrank" in result.err and "two different histories" in result.err
    missing = iceband("ledger", "consistency", str(tmp_path / "none.txt"))
    assert missing.code == 2 and "no checkpoint file" in missing.err


def test_break_glass_comes_first_in_the_audit(iceband: Iceband, ips_file: Path) -> None:
    build_world(iceband, ips_file)
    iceband.ok("agency", "create", "ems-b")
    out = iceband.ok("breakglass", "override", "alice", "--responder", "bob", "--reason",
                     "unconscious, hands burnt", "--approve", "metro-ems", "--approve", "ems-b")
    entry = int(out.split("entry ")[1].split(" ")[0])
    log_access_as(iceband.home, "bob", bytes.fromhex("0a0b0c0d0e0f"))  # later than the override
    lines = iceband.ok("audit", "alice").splitlines()
    assert lines[0] == "!" * 72 and lines[4] == "!" * 72
    assert lines[1].startswith(f"!! EMERGENCY OVERRIDE (break-glass) at entry {entry}")
    assert lines[2] == "!!   by responder bob (metro-ems), reason: unconscious, hands burnt"
    assert lines[3].startswith("!!   approved by 2 authorities: agency metro-ems, agency ems-b")
    assert "1 emergency override," in lines[5]
    flagged = [line for line in lines[7:] if line.startswith("!!")]
    assert len(flagged) == 1 and f"#{entry}" in flagged[0] and "BREAK-GLASS" in flagged[0]
    report = json.loads(iceband.ok("audit", "alice", "--json"))
    assert list(report).index("overrides") < list(report).index("events")
    [override] = report["overrides"]
    assert override["index"] == entry and override["who"] == "responder bob (metro-ems)"
    assert override["approved_by"] == ["agency metro-ems", "agency ems-b"]
    assert override["proof"] == "inclusion proof verified"
    assert [e["index"] for e in report["events"] if e["override"]] == [entry]
    assert report["events"][-1]["kind"] == "emergency_access"  # events stay in log order


def test_an_altered_saved_checkpoint_fails_the_audit(iceband: Iceband, ips_file: Path) -> None:
    """Whoever edits the patient's saved checkpoint cannot make an older history pass."""
    _, saved, size = _audited_world(iceband, ips_file)
    lines = saved.decode().split("\n")
    lines[1] = str(size - 1)  # a smaller tree the ledger key never signed
    _seen_file(iceband.home).write_text("\n".join(lines))
    result = iceband("audit", "alice")
    assert result.code == 4 and "signature does not verify" in result.err
