"""The SQLite backend: proofs against signed checkpoints, tamper detection, crash safety."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from ledger_client.crypto import SigningKey
from ledger_client.ledger import (
    BadCheckpoint, Checkpoint, LedgerCorrupt, LedgerUnavailable, ProofError, UnknownBackend,
    open_ledger)
from ledger_client.ledger.author import write
from ledger_client.ledger.merkle import hash_leaf, verify_consistency, verify_inclusion
from ledger_client.ledger.sqlite import SqliteLedger
from ledger_client.ledger.verify import verify_ledger_file

from .conformance.actors import Cast

REPO = Path(__file__).resolve().parents[2]


def populated(path: Path, accesses: int = 20) -> tuple[SqliteLedger, Cast]:
    ledger = SqliteLedger(path)
    cast = Cast(ledger).setup_all()
    write(ledger, cast.hospital, cast.anchor_body(1))
    for counter in range(accesses):
        write(ledger, cast.responder, cast.access_body(counter))
    return ledger, cast


def test_inclusion_and_consistency_proofs_verify_against_signed_checkpoints(tmp_path: Path) -> None:
    ledger, _ = populated(tmp_path / "l.db")
    old = ledger.checkpoint()
    Cast(ledger).register_patient()
    new = ledger.checkpoint()
    assert new.tree_size == old.tree_size + 1
    text = new.to_text(ledger.public_key)
    parsed = Checkpoint.from_text(text)
    parsed.verify(ledger.public_key)
    assert parsed == new
    for index in range(new.tree_size):
        proof = ledger.inclusion_proof(index, new.tree_size)
        verify_inclusion(index, new.tree_size, hash_leaf(ledger.encoded_entry(index)), proof,
                         parsed.root_hash)
    for size in range(0, new.tree_size + 1):
        verify_consistency(size, new.tree_size, ledger.root_at(size), new.root_hash,
                           ledger.consistency_proof(size, new.tree_size))
    assert old.root_hash == ledger.root_at(old.tree_size)
    with pytest.raises(ProofError):
        ledger.inclusion_proof(0, new.tree_size + 1)
    ledger.close()


def test_checkpoint_signature_and_origin_are_checked(tmp_path: Path) -> None:
    ledger, _ = populated(tmp_path / "l.db", accesses=1)
    checkpoint = ledger.checkpoint()
    stranger = SigningKey.generate().verify_key.to_bytes()
    with pytest.raises(BadCheckpoint, match="for log"):
        checkpoint.verify(stranger)
    lying = Checkpoint(checkpoint.origin, checkpoint.tree_size + 1, checkpoint.root_hash,
                       checkpoint.timestamp_ms, checkpoint.signature)
    with pytest.raises(BadCheckpoint, match="signature"):
        lying.verify(ledger.public_key)
    with pytest.raises(BadCheckpoint):
        Checkpoint.from_text("not a checkpoint")
    ledger.close()


def test_reopening_gives_the_same_tree_and_key(tmp_path: Path) -> None:
    ledger, cast = populated(tmp_path / "l.db")
    before = ledger.checkpoint()
    ledger.close()
    again = open_ledger(f"sqlite:///{tmp_path / 'l.db'}")
    assert again.checkpoint().root_hash == before.root_hash
    assert again.public_key == ledger.public_key  # type: ignore[attr-defined]
    write(again, cast.responder, cast.access_body(99))
    assert again.size() == before.tree_size + 1
    again.close()


def test_bad_urls_and_missing_files_are_clear_errors(tmp_path: Path) -> None:
    with pytest.raises(UnknownBackend, match="no ledger backend for scheme 'ftp'"):
        open_ledger("ftp://example/ledger")
    with pytest.raises(UnknownBackend, match="not a ledger URL"):
        open_ledger("ledger.db")
    with pytest.raises(LedgerUnavailable, match="no ledger at"):
        open_ledger(f"sqlite:///{tmp_path / 'missing.db'}", create=False)
    with pytest.raises(LedgerUnavailable, match="no host"):
        open_ledger("sqlite://host/x.db")


def test_verify_accepts_a_good_ledger(tmp_path: Path) -> None:
    ledger, _ = populated(tmp_path / "l.db")
    checkpoint = ledger.checkpoint()
    ledger.close()
    report = verify_ledger_file(tmp_path / "l.db", public_key=ledger.public_key)
    assert (report.tree_size, report.root_hash) == (checkpoint.tree_size, checkpoint.root_hash)


def _flip_in_rows(path: Path, table: str, column: str, key_column: str, every: int) -> list[str]:
    """Flip one bit at every `every`-th byte of each row's blob; list flips verify missed."""
    failures = []
    db = sqlite3.connect(path, isolation_level=None)
    db.execute("PRAGMA synchronous=OFF")  # a test copy: no need to wait for the disk
    rows = db.execute(f"SELECT {key_column}, {column} FROM {table}").fetchall()
    update = f"UPDATE {table} SET {column} = ? WHERE {key_column} = ?"
    for key, value in rows:
        original = bytes(value)
        for position in range(0, len(original), every):
            flipped = bytearray(original)
            flipped[position] ^= 0x01
            db.execute(update, (bytes(flipped), key))
            try:
                verify_ledger_file(path)
                failures.append(f"{table} {key} byte {position}")
            except LedgerCorrupt:
                pass
            db.execute(update, (original, key))
    db.close()
    return failures


def test_flipping_any_byte_of_any_entry_or_node_fails_verification(tmp_path: Path) -> None:
    ledger, _ = populated(tmp_path / "l.db", accesses=2)
    ledger.close()
    assert _flip_in_rows(tmp_path / "l.db", "entries", "data", "idx", every=1) == []
    assert _flip_in_rows(tmp_path / "l.db", "nodes", "hash", "id", every=3) == []
    verify_ledger_file(tmp_path / "l.db")  # restored


def test_tampered_derived_tables_and_metadata_fail_verification(tmp_path: Path) -> None:
    ledger, cast = populated(tmp_path / "l.db", accesses=3)
    public_key = ledger.public_key
    ledger.close()
    path = tmp_path / "l.db"
    tamperings = [
        "UPDATE devices SET revoked = 1",
        "UPDATE records SET version = version + 1",
        "UPDATE grants SET granted = 0",
        "DELETE FROM patient_entries WHERE idx = (SELECT MAX(idx) FROM patient_entries)",
        "UPDATE authors SET seq = seq + 1",
        "DELETE FROM entries WHERE idx = 3",
        "DELETE FROM entries WHERE idx = (SELECT MAX(idx) FROM entries)",
        "INSERT INTO nodes VALUES (999999, zeroblob(32))",
    ]
    for sql in tamperings:
        copy = tmp_path / "copy.db"
        copy.write_bytes(path.read_bytes())
        db = sqlite3.connect(copy)
        db.execute(sql)
        db.commit()
        db.close()
        with pytest.raises(LedgerCorrupt):
            verify_ledger_file(copy)
            pytest.fail(f"verify accepted: {sql}")
    with pytest.raises(LedgerCorrupt, match="pinned"):
        verify_ledger_file(path, public_key=SigningKey.generate().verify_key.to_bytes())
    verify_ledger_file(path, public_key=public_key)


def test_flipping_entry_bytes_in_the_file_itself_fails_verification(tmp_path: Path) -> None:
    ledger, _ = populated(tmp_path / "l.db", accesses=4)
    encoded = [ledger.encoded_entry(i) for i in range(ledger.size())]
    ledger.close()
    raw = (tmp_path / "l.db").read_bytes()
    assert not (tmp_path / "l.db-wal").exists() or (tmp_path / "l.db-wal").stat().st_size == 0
    target = tmp_path / "flipped.db"
    checked = 0
    for index, data in enumerate(encoded):
        offset = raw.find(data)
        assert offset >= 0, f"entry {index} is not stored verbatim"
        for position in range(0, len(data), 7):
            flipped = bytearray(raw)
            flipped[offset + position] ^= 0x80
            target.write_bytes(bytes(flipped))
            with pytest.raises(LedgerCorrupt) as info:
                verify_ledger_file(target)
            assert info.value.index in (index, None)
            checked += 1
    assert checked > 100


_CRASHER = textwrap.dedent("""
    import os, sys
    from ledger_client.ledger.sqlite import SqliteLedger
    from tests.ledger.conformance.actors import Cast
    from ledger_client.ledger.author import make_entry
    ledger = SqliteLedger(sys.argv[1])
    cast = Cast(ledger).setup_all()
    crash_after = int(sys.argv[2])
    calls = []
    original = SqliteLedger._push_leaf
    def dying(self, *args):
        calls.append(1)
        if len(calls) > crash_after:
            os._exit(9)   # power cut in the middle of the transaction
        return original(self, *args)
    SqliteLedger._push_leaf = dying
    entries = [make_entry(ledger, cast.responder, cast.access_body(i), sequence=i)
               for i in range(10)]
    ledger.append_batch(entries)
""")


@pytest.mark.parametrize("crash_after", [0, 3, 9])
def test_a_crash_inside_a_batch_leaves_the_previous_verifiable_ledger(
        tmp_path: Path, crash_after: int) -> None:
    path = tmp_path / "l.db"
    result = subprocess.run([sys.executable, "-c", _CRASHER, str(path), str(crash_after)],
                            cwd=REPO, capture_output=True, text=True, timeout=60)
    assert result.returncode == 9, result.stderr
    report = verify_ledger_file(path)
    assert report.tree_size == 5  # the set-up entries only: the batch left no trace
    ledger = SqliteLedger(path)
    assert ledger.checkpoint().root_hash == report.root_hash
    ledger.close()


def test_signatures_checked_on_worker_processes_find_the_first_bad_entry(tmp_path: Path) -> None:
    import dataclasses

    from ledger_client.ledger import Refusal, RefusedWrite
    from ledger_client.ledger.author import make_entry

    ledger = SqliteLedger(tmp_path / "l.db", signature_workers=2)
    cast = Cast(ledger).setup_all()
    batch = [make_entry(ledger, cast.responder, cast.access_body(i), sequence=i)
             for i in range(600)]
    forged = list(batch)
    forged[417] = dataclasses.replace(batch[417], signature=bytes(64))
    forged[500] = dataclasses.replace(batch[500], signature=bytes(64))
    with pytest.raises(RefusedWrite) as info:
        ledger.append_batch(forged)
    assert info.value.reason is Refusal.BAD_SIGNATURE and info.value.batch_index == 417
    assert ledger.size() == 5
    ledger.append_batch(batch)
    size = ledger.size()
    ledger.close()
    assert verify_ledger_file(tmp_path / "l.db", workers=2).tree_size == size
    db = sqlite3.connect(tmp_path / "l.db")
    data = db.execute("SELECT data FROM entries WHERE idx = 300").fetchone()[0]
    db.execute("UPDATE entries SET data = ? WHERE idx = 300", (data[:-1] + bytes([data[-1] ^ 1]),))
    db.commit()
    db.close()
    with pytest.raises(LedgerCorrupt) as corrupt:
        verify_ledger_file(tmp_path / "l.db", workers=2)
    assert corrupt.value.index == 300 and "signature" in corrupt.value.why


def test_two_connections_to_one_file_append_in_turn(tmp_path: Path) -> None:
    """E.g. the CLI and the responder app on one machine: each sees the other's appends."""
    first = SqliteLedger(tmp_path / "l.db")
    second = SqliteLedger(tmp_path / "l.db")
    cast = Cast(first).setup_all()
    write(second, cast.responder, cast.access_body(1))
    write(first, cast.responder, cast.access_body(2))
    write(second, cast.responder, cast.access_body(3))
    assert first.size() == second.size() == 8
    assert first.checkpoint().root_hash == second.checkpoint().root_hash
    first.close()
    second.close()
    assert verify_ledger_file(tmp_path / "l.db").tree_size == 8


_FULL_DISK = textwrap.dedent("""
    import os, resource, signal, sys
    from ledger_client.ledger import LedgerUnavailable
    from ledger_client.ledger.sqlite import SqliteLedger
    from tests.ledger.conformance.actors import Cast
    from ledger_client.ledger.author import write
    ledger = SqliteLedger(sys.argv[1])
    cast = Cast(ledger).setup_all()
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    limit = 512 * 1024
    resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))  # the disk fills up
    try:
        for counter in range(100000):
            write(ledger, cast.responder, cast.access_body(counter))
    except LedgerUnavailable as exc:
        print(ledger.size(), exc)
""")


def test_a_full_disk_is_a_ledger_error_and_leaves_a_verifiable_ledger(tmp_path: Path) -> None:
    """A failed COMMIT (EFBIG/ENOSPC) must not escape as a raw sqlite3 error."""
    path = tmp_path / "l.db"
    result = subprocess.run([sys.executable, "-c", _FULL_DISK, str(path)], cwd=REPO,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    size, message = result.stdout.split(" ", 1)
    assert int(size) > 5 and "cannot write the ledger" in message
    assert "nothing was written" in message
    assert verify_ledger_file(path).tree_size == int(size)


@pytest.mark.parametrize("text", [
    "o\n\u00b2\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n1\n\n\u2014 o " + "A" * 92 + "\n",
    "o\n1\n" + "\u00e9" * 44 + "\n1\n\n\u2014 o " + "A" * 92 + "\n",
])
def test_checkpoint_text_with_non_ascii_is_a_bad_checkpoint(text: str) -> None:
    with pytest.raises(BadCheckpoint):
        Checkpoint.from_text(text)


def test_opening_a_damaged_or_foreign_file_is_a_clear_error(tmp_path: Path) -> None:
    from ledger_client.ledger import LedgerError

    (tmp_path / "junk.db").write_bytes(b"this is not a database" * 100)
    with pytest.raises(LedgerUnavailable, match="cannot open ledger"):
        SqliteLedger(tmp_path / "junk.db")
    ledger, _ = populated(tmp_path / "l.db", accesses=1)
    ledger.close()
    for sql, message in (("UPDATE meta SET value = x'39' WHERE name = 'schema_version'", "schema"),
                         ("DELETE FROM meta WHERE name = 'public_key'", "public key")):
        copy = tmp_path / "copy.db"
        copy.write_bytes((tmp_path / "l.db").read_bytes())
        db = sqlite3.connect(copy)
        db.execute(sql.replace("'schema_version'", "x'736368656d615f76657273696f6e'")
                      .replace("'public_key'", "x'7075626c69635f6b6579'"))
        db.commit()
        db.close()
        with pytest.raises(LedgerError, match=message):
            SqliteLedger(copy)
    with pytest.raises(LedgerError, match="not this ledger's key"):
        SqliteLedger(tmp_path / "l.db", signing_key=SigningKey.generate())


def test_break_glass_table_is_checked_and_filled_when_an_older_file_lacks_it(tmp_path: Path) -> None:
    from ledger_client.ledger import AgencyRegistered, BreakGlass, Refusal, RefusedWrite
    from ledger_client.ledger.author import approve_break_glass
    path = tmp_path / "l.db"
    ledger, cast = populated(path, accesses=1)
    second = SigningKey.generate()
    write(ledger, second, AgencyRegistered("County Fire", b"\x01" + bytes(32)))
    body = BreakGlass(cast.address, "finger unreadable", bytes(range(16)))
    body = BreakGlass(body.patient, body.reason, body.nonce, tuple(
        approve_break_glass(a, cast.pub(cast.responder), body) for a in (cast.agency, second)))
    index = write(ledger, cast.responder, body).index
    ledger.close()

    def tampered(sql: str) -> Path:
        copy = tmp_path / "copy.db"
        copy.write_bytes(path.read_bytes())
        with sqlite3.connect(copy) as db:
            db.execute(sql)
        return copy

    for sql in ("DELETE FROM break_glass", "UPDATE break_glass SET idx = idx - 1",
                "INSERT INTO break_glass VALUES (zeroblob(20), zeroblob(16), 1)"):
        with pytest.raises(LedgerCorrupt, match="break_glass"):
            verify_ledger_file(tampered(sql))
    older = tampered("DROP TABLE break_glass")  # a file written before the table existed
    verify_ledger_file(older)
    with SqliteLedger(older) as reopened:  # fills the table from the entries
        with pytest.raises(RefusedWrite) as info:
            write(reopened, cast.responder, body)
        assert info.value.reason is Refusal.REPLAYED_BREAK_GLASS
    with sqlite3.connect(older) as db:
        assert db.execute("SELECT patient, nonce, idx FROM break_glass").fetchall() == \
            [(cast.address, body.nonce, index)]
    verify_ledger_file(older)
