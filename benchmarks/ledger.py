"""Ledger benchmark: the figures of issue 3 on this machine.

    .venv/bin/python benchmarks/ledger.py                 # 1,000,000 entries (minutes)
    .venv/bin/python benchmarks/ledger.py --entries 20000 # a quick run

Builds a realistic ledger (patients, hospitals anchoring records, agencies, responders logging
emergency accesses), then prints: batched append rate with every signature and write rule
checked, the raw SQLite insert rate of the same rows (and the ratio), latest-record lookup p99,
inclusion proof build + verify time, full verification rate, and bytes per entry on disk.
Entries are signed outside the timed sections; progress goes to stderr.
"""

from __future__ import annotations

import argparse
import os
import random
import sqlite3
import statistics
import sys
import tempfile
import time
from pathlib import Path

from ledger_client.crypto import RecipientKey, SigningKey, Suite
from ledger_client.ledger import (
    AgencyRegistered, DeviceRegistered, EmergencyAccess, HospitalGranted, PatientRegistered,
    RecordAnchored, ResponderRegistered)
from ledger_client.ledger.codec import sign_entry
from ledger_client.ledger.merkle import hash_leaf, verify_inclusion
from ledger_client.ledger.rules import address_of
from ledger_client.ledger.sqlite import SqliteLedger
from ledger_client.ledger.sqlite_schema import SCHEMA
from ledger_client.ledger.verify import verify_ledger_file


class Progress:
    def __init__(self, label: str, total: int) -> None:
        self.label, self.total, self.shown = label, total, -1

    def __call__(self, done: int, _total: int | None = None) -> None:
        percent = 100 * done // max(self.total, 1)
        if percent != self.shown and (percent % 5 == 0 or done == self.total):
            self.shown = percent
            print(f"\r{self.label}: {done:,}/{self.total:,} ({percent}%)", end="",
                  file=sys.stderr, flush=True)
            if done >= self.total:
                print(file=sys.stderr)


class World:
    """Keys and per-author sequence numbers; makes signed entries on demand."""

    def __init__(self, patients: int, hospitals: int, agencies: int, responders: int) -> None:
        self.rng = random.Random(9162)
        self.ek = RecipientKey.generate(Suite.X25519).public_key().to_bytes()
        self.patients = [SigningKey.generate() for _ in range(patients)]
        self.addresses = [address_of(k.verify_key.to_bytes()) for k in self.patients]
        self.hospitals = [SigningKey.generate() for _ in range(hospitals)]
        self.agencies = [SigningKey.generate() for _ in range(agencies)]
        self.responders = [SigningKey.generate() for _ in range(responders)]
        self.devices = [os.urandom(16) for _ in range(patients)]
        self.versions = [0] * patients
        self.seq: dict[bytes, int] = {}
        self.clock = 1_764_000_000_000

    def sign(self, key: SigningKey, body: object):  # type: ignore[no-untyped-def]
        author = key.verify_key.to_bytes()
        sequence = self.seq.get(author, 0)
        self.seq[author] = sequence + 1
        self.clock += 1
        return sign_entry(body, signer=key, author=author, sequence=sequence,  # type: ignore[arg-type]
                          timestamp_ms=self.clock)

    def setup_entries(self) -> list:  # type: ignore[type-arg]
        out = []
        for agency in self.agencies:
            out.append(self.sign(agency, AgencyRegistered("agency", b"\x01" + bytes(32))))
        for i, responder in enumerate(self.responders):
            out.append(self.sign(self.agencies[i % len(self.agencies)],
                                 ResponderRegistered(responder.verify_key.to_bytes())))
        for i, patient in enumerate(self.patients):
            hospital = self.hospitals[i % len(self.hospitals)]
            out.append(self.sign(patient, PatientRegistered(self.ek)))
            out.append(self.sign(patient, HospitalGranted(hospital.verify_key.to_bytes())))
            out.append(self.sign(patient, DeviceRegistered(self.addresses[i], self.devices[i])))
        return out

    def traffic_entry(self):  # type: ignore[no-untyped-def]
        """10% record anchors, 90% emergency accesses."""
        i = self.rng.randrange(len(self.patients))
        if self.rng.random() < 0.1:
            self.versions[i] += 1
            body = RecordAnchored(self.addresses[i], "ips", self.versions[i],
                                  self.rng.randbytes(32), self.rng.randbytes(120))
            return self.sign(self.hospitals[i % len(self.hospitals)], body)
        body = EmergencyAccess(self.addresses[i], self.devices[i], self.rng.randrange(1 << 20),
                               self.rng.randbytes(16), self.clock, self.rng.random() < 0.05)
        return self.sign(self.rng.choice(self.responders), body)


def p99(samples: list[float]) -> float:
    return statistics.quantiles(samples, n=100)[98]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--entries", type=int, default=1_000_000)
    parser.add_argument("--batch", type=int, default=1000)
    parser.add_argument("--patients", type=int, default=2000)
    parser.add_argument("--dir", type=Path, default=None, help="where to build (default: temp)")
    args = parser.parse_args()
    workdir = Path(args.dir or tempfile.mkdtemp(prefix="iceband-bench-"))
    workdir.mkdir(parents=True, exist_ok=True)
    db_path = workdir / "ledger.db"
    for stale in workdir.glob("*.db*"):
        stale.unlink()

    world = World(args.patients, hospitals=20, agencies=10, responders=200)
    workers = os.cpu_count() or 1
    ledger = SqliteLedger(db_path, signature_workers=workers)
    ledger.append_batch(world.setup_entries())
    progress = Progress("append", args.entries)
    append_seconds, sign_seconds = 0.0, 0.0
    while ledger.size() < args.entries:
        count = min(args.batch, args.entries - ledger.size())
        started = time.perf_counter()
        batch = [world.traffic_entry() for _ in range(count)]
        sign_seconds += time.perf_counter() - started
        started = time.perf_counter()
        ledger.append_batch(batch)
        append_seconds += time.perf_counter() - started
        progress(ledger.size())
    size = ledger.size()

    # The same rows, inserted raw into the same schema, same batch size.
    raw_path = workdir / "raw.db"
    raw = sqlite3.connect(raw_path, isolation_level=None)
    raw.execute("PRAGMA journal_mode=WAL")
    raw.execute("PRAGMA synchronous=NORMAL")
    raw.executescript(SCHEMA)
    source = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True)
    cursor = source.execute("SELECT idx, data FROM entries ORDER BY idx")
    raw_seconds = 0.0
    while rows := cursor.fetchmany(args.batch):
        started = time.perf_counter()
        raw.execute("BEGIN")
        raw.executemany("INSERT INTO entries VALUES (?, ?)", rows)
        raw.execute("COMMIT")
        raw_seconds += time.perf_counter() - started
    raw.close()
    source.close()

    rng = random.Random(1)
    lookups, lookups_cpu = [], []
    for _ in range(10_000):
        address = rng.choice(world.addresses)
        started, cpu = time.perf_counter(), time.thread_time()
        ledger.latest_record(address)
        lookups.append(time.perf_counter() - started)
        lookups_cpu.append(time.thread_time() - cpu)

    checkpoint = ledger.checkpoint()
    proofs, proofs_cpu = [], []
    for _ in range(10_000):
        index = rng.randrange(checkpoint.tree_size)
        started, cpu = time.perf_counter(), time.thread_time()
        proof = ledger.inclusion_proof(index, checkpoint.tree_size)
        verify_inclusion(index, checkpoint.tree_size, hash_leaf(ledger.encoded_entry(index)),
                         proof, checkpoint.root_hash)
        proofs.append(time.perf_counter() - started)
        proofs_cpu.append(time.thread_time() - cpu)
    ledger.close()  # checkpoints the WAL into the file

    report = verify_ledger_file(db_path, public_key=ledger.public_key, workers=workers,
                                progress=Progress("verify", size))
    assert report.root_hash == checkpoint.root_hash
    disk = db_path.stat().st_size + sum(p.stat().st_size for p in workdir.glob("ledger.db-*"))

    appended = args.entries - (len(world.agencies) + len(world.responders) + 3 * args.patients)
    append_rate = appended / append_seconds
    raw_rate = size / raw_seconds
    print(f"entries in the ledger:            {size:,}")
    print(f"append (signature + rules, batch {args.batch}): {append_rate:,.0f} entries/s"
          f"   [target >= 5,000]")
    print(f"raw SQLite insert, same rows:     {raw_rate:,.0f} rows/s"
          f"   (ledger append is {raw_rate / append_rate:.1f}x slower)")
    print(f"latest-record lookup p99:         {p99(lookups) * 1000:.3f} ms wall, "
          f"{p99(lookups_cpu) * 1000:.3f} ms CPU   [target < 2 ms]")
    print(f"inclusion proof build + verify:   mean {statistics.fmean(proofs) * 1000:.3f} ms, "
          f"p99 {p99(proofs) * 1000:.3f} ms wall, {p99(proofs_cpu) * 1000:.3f} ms CPU"
          f"   [target < 1 ms]")
    print(f"full verification:                {size / report.seconds:,.0f} entries/s"
          f"   [target >= 50,000]")
    print(f"bytes per entry on disk:          {disk / size:.0f}   [target < 400]")
    print(f"(signing the entries, not timed above: {appended / sign_seconds:,.0f} entries/s)")
    print(f"machine: {os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f} at the end "
          "(other work on the machine slows every rate above)")
    print(f"files in {workdir}")


if __name__ == "__main__":
    main()
