"""The SQLite ledger killed mid-transaction: a writer process appends batches in a loop and is
killed with SIGKILL at random points, six times on the same file. After each kill the file
verifies (and `iceband ledger verify` passes at the end), the ledger holds exactly the
batches the writer reported as committed (plus, at most, the one in flight: all or nothing),
and every checkpoint the writer reported is still a prefix of the tree (old-or-new)."""

from __future__ import annotations

import random
import signal
import subprocess
import sys
import time
from pathlib import Path

from ledger_client.crypto import RecipientKey, SigningKey
from ledger_client.ledger.author import write
from ledger_client.ledger.entries import PatientRegistered
from ledger_client.ledger.merkle import verify_consistency
from ledger_client.ledger.sqlite import SqliteLedger
from ledger_client.ledger.verify import verify_ledger_file

BATCH = 40
ROUNDS = 6
WRITER = r"""
import os, sys
from ledger_client.crypto import SigningKey
from ledger_client.ledger.author import make_entry
from ledger_client.ledger.entries import HospitalGranted
from ledger_client.ledger.sqlite import SqliteLedger
from ledger_client.ledger.verify import verify_ledger_file
path, seed, batch = sys.argv[1], bytes.fromhex(sys.argv[2]), int(sys.argv[3])
patient = SigningKey.from_bytes(seed)
author = patient.verify_key.to_bytes()
ledger = SqliteLedger(path)
while True:
    start = ledger.next_sequence(author)
    entries = [make_entry(ledger, patient, HospitalGranted(os.urandom(32)), sequence=start + i)
               for i in range(batch)]
    ledger.append_batch(entries)
    cp = ledger.checkpoint()
    print(cp.tree_size, cp.root_hash.hex(), flush=True)
"""


def _verify_cli(db: Path, public_key: bytes, home: Path) -> subprocess.CompletedProcess[str]:
    iceband = Path(sys.executable).parent / "iceband"
    return subprocess.run([str(iceband), "ledger", "verify", "--home", str(home),
                           "--ledger", f"sqlite://{db}", "--public-key", public_key.hex(),
                           "--quiet", "--workers", "1"],
                          capture_output=True, text=True, timeout=120)


def test_writer_killed_at_random_points_leaves_a_verifiable_old_or_new_ledger(tmp_path: Path) -> None:
    db, home = tmp_path / "ledger.db", tmp_path / "home"
    home.mkdir()
    patient = SigningKey.generate()
    with SqliteLedger(db) as ledger:
        write(ledger, patient, PatientRegistered(RecipientKey.generate().public_key().to_bytes()))
        public_key = ledger.public_key
    reported: list[tuple[int, bytes]] = [(1, b"")]
    rng = random.Random(8)
    kills = 0
    for round_ in range(ROUNDS):
        child = subprocess.Popen([sys.executable, "-c", WRITER, str(db),
                                  patient.to_bytes().hex(), str(BATCH)],
                                 stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        try:
            for _ in range(rng.randrange(1, 4)):
                line = child.stdout.readline()  # type: ignore[union-attr]
                assert line, child.stderr.read()  # type: ignore[union-attr]
                size, root = line.split()
                reported.append((int(size), bytes.fromhex(root)))
            time.sleep(rng.uniform(0, 0.02))  # a different point inside the next batch
            child.send_signal(signal.SIGKILL)
            kills += 1
        finally:
            child.kill()
            rest, _ = child.communicate(timeout=30)
        for line in rest.split("\n"):  # commits printed between our read and the kill
            if line.strip():
                size, root = line.split()
                reported.append((int(size), bytes.fromhex(root)))
        assert child.returncode == -signal.SIGKILL

        verify_ledger_file(db, public_key=public_key)  # the operator's full check, each round
        with SqliteLedger(db, create=False) as ledger:
            last_size = reported[-1][0]
            assert ledger.size() in (last_size, last_size + BATCH), (ledger.size(), last_size)
            now = ledger.checkpoint()
            for size, root in reported[1:]:
                verify_consistency(size, now.tree_size, root, now.root_hash,
                                   ledger.consistency_proof(size, now.tree_size))
            if ledger.size() != last_size:  # the in-flight batch committed: adopt it
                reported.append((now.tree_size, now.root_hash))
    assert kills == ROUNDS and reported[-1][0] > ROUNDS * BATCH
    result = _verify_cli(db, public_key, home)  # and the command an operator runs
    assert result.returncode == 0, result.stdout + result.stderr
