"""Bad input: one clear line, a distinct exit code, and no stored state changed."""

from __future__ import annotations

import hashlib
import shutil
import sqlite3
from pathlib import Path

import pytest

from ledger_client.cli import main

from .conftest import Iceband


def state_of(home: Path) -> tuple:
    """Everything a command could change: ledger rows, store files, identity folders."""
    db_path = home / "ledger.db"
    rows: list = []
    if db_path.exists():
        db = sqlite3.connect(db_path)
        rows = db.execute("SELECT idx, data FROM entries ORDER BY idx").fetchall()
        db.close()
    files = sorted((str(p.relative_to(home)), hashlib.sha256(p.read_bytes()).hexdigest())
                   for p in home.rglob("*") if p.is_file() and "ledger.db" not in p.name)
    return rows, files


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory, ips_file: Path) -> Path:
    """One small world, built once; each test works on its own copy."""
    home = tmp_path_factory.mktemp("template") / "home"
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("ICEBAND_PASSPHRASE", "correct horse")
        for args in (("hospital", "create", "st-mary"), ("patient", "create", "alice"),
                     ("grant", "alice", "st-mary"),
                     ("record", "put", "alice", str(ips_file), "--hospital", "st-mary")):
            assert main([*args, "--home", str(home)]) == 0
    return home


@pytest.fixture
def world(iceband: Iceband, template: Path) -> Iceband:
    shutil.copytree(template, iceband.home)
    return iceband


@pytest.mark.parametrize("args, code, message", [
    (("grant", "alice", "nowhere"), 2, "no hospital named 'nowhere'"),
    (("grant", "bob", "st-mary"), 2, "no patient named 'bob'"),
    (("revoke", "alice", "st-mary", "--ledger", "ftp://x/y"), 5, "no ledger backend for scheme 'ftp'"),
    (("patient", "create", "alice"), 2, "a patient named 'alice' already exists"),
    (("patient", "create", "../evil"), 2, "bad name '../evil'"),
    (("device", "revoke", "alice", "zz"), 2, "device id must be hex digits"),
    (("device", "revoke", "alice", "00" * 40), 2, "device id must be 1-32 bytes"),
    (("device", "revoke", "alice", "0011"), 3, "unknown_device"),
    (("responder", "create", "bob", "--agency", "nobody"), 2, "no agency named 'nobody'"),
    (("audit", "nobody"), 2, "no patient named 'nobody'"),
    (("record", "get", "bob", "--as", "patient"), 2, "no patient named 'bob'"),
])
def test_bad_arguments(world: Iceband, args: tuple, code: int, message: str) -> None:
    before = state_of(world.home)
    result = world(*args)
    assert result.code == code, result.err
    if code:
        assert result.err.startswith("iceband: error: ") and message in result.err
        assert result.err.count("\n") == 1
        assert state_of(world.home) == before


def test_an_invalid_record_stores_and_anchors_nothing(world: Iceband, tmp_path: Path) -> None:
    before = state_of(world.home)
    for content in (b"{not json", b'{"resourceType": "Patient"}', b"", b"\xff\xfe\x00"):
        bad = tmp_path / "bad.json"
        bad.write_bytes(content)
        result = world("record", "put", "alice", str(bad), "--hospital", "st-mary")
        assert result.code == 2 and result.err.startswith("iceband: error: "), result.err
    missing = world("record", "put", "alice", str(tmp_path / "absent.json"), "--hospital", "st-mary")
    assert missing.code == 2 and "absent.json" in missing.err
    assert state_of(world.home) == before


def test_a_wrong_passphrase_changes_nothing(world: Iceband, monkeypatch: pytest.MonkeyPatch) -> None:
    before = state_of(world.home)
    monkeypatch.setenv("ICEBAND_PASSPHRASE", "wrong")
    result = world("revoke", "alice", "st-mary")
    assert result.code == 2 and "key file" in result.err
    assert state_of(world.home) == before


def test_no_passphrase_without_a_terminal_is_a_clear_error(
        world: Iceband, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("ICEBAND_PASSPHRASE")
    monkeypatch.setattr("sys.stdin.isatty", lambda: False, raising=False)
    result = world("revoke", "alice", "st-mary")
    assert result.code == 2 and "set ICEBAND_PASSPHRASE" in result.err


def test_a_different_ledger_behind_the_home_is_not_trusted(world: Iceband) -> None:
    (world.home / "ledger.db").rename(world.home / "old.db")
    for suffix in ("-wal", "-shm", ".key"):
        (world.home / f"ledger.db{suffix}").unlink(missing_ok=True)
    result = world("patient", "create", "mallory")
    assert result.code == 2 and "differs from the one pinned" in result.err
    assert not (world.home / "patients" / "mallory").exists()


def test_an_interactive_new_key_asks_twice(world: Iceband, monkeypatch: pytest.MonkeyPatch) -> None:
    """Typed at a terminal (getpass replaced: there is no terminal in CI)."""
    monkeypatch.delenv("ICEBAND_PASSPHRASE")
    monkeypatch.setattr("sys.stdin.isatty", lambda: True, raising=False)
    answers = iter(["one", "two"])
    monkeypatch.setattr("getpass.getpass", lambda prompt: next(answers))
    before = state_of(world.home)
    result = world("hospital", "create", "general")
    assert result.code == 2 and "the two passphrases differ" in result.err
    assert state_of(world.home) == before
    answers = iter(["same", "same", "same"])
    assert world("hospital", "create", "general").code == 0
    monkeypatch.setattr("getpass.getpass", lambda prompt: "same")
    assert world("grant", "alice", "general").code == 2  # alice's passphrase is another one
