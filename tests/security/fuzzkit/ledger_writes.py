"""Signed entries with hostile content into a real SQLite ledger: the write rules must refuse
what they should, a refused write (single or batch) must change nothing, and the file must
verify afterwards.

Each input's bytes seed the choices (author, kind, fields from small pools that mix valid and
invalid values, sequence off by one or not, batch of one to three); the entries are signed by
real keys, so they reach the rules rather than stopping at the signature check.
"""

from __future__ import annotations

import os
import random
import shutil
import tempfile
from pathlib import Path

from ledger_client.crypto import RecipientKey, SigningKey
from ledger_client.ledger.author import approve_break_glass, write
from ledger_client.ledger.codec import sign_entry
from ledger_client.ledger.entries import (
    AgencyKeyRotated, AgencyRegistered, BreakGlass, DeviceRegistered, DeviceRevoked,
    EmergencyAccess, HospitalGranted, HospitalRevoked, PatientRegistered, RecordAnchored,
    ResponderRegistered, ResponderRevoked)
from ledger_client.ledger.errors import RefusedWrite
from ledger_client.ledger.rules import address_of
from ledger_client.ledger.sqlite import SqliteLedger
from ledger_client.ledger.verify import verify_ledger_file

from . import Outcome, SimpleHarness

__all__ = ["ledger_writes_harness"]


def ledger_writes_harness() -> SimpleHarness:
    folder = tempfile.mkdtemp(prefix="iceband-fuzz-ledger-")
    path = Path(folder) / "ledger.db"
    ledger = SqliteLedger(path)
    keys = [SigningKey.generate() for _ in range(6)]  # patient, hospital, agency x2, responder, stranger
    patient, hospital, agency, agency2, responder, stranger = keys
    pub = [k.verify_key.to_bytes() for k in keys]
    write(ledger, patient, PatientRegistered(RecipientKey.generate().public_key().to_bytes()))
    write(ledger, patient, HospitalGranted(pub[1]))
    write(ledger, agency, AgencyRegistered("A", RecipientKey.generate().public_key().to_bytes()))
    write(ledger, agency2, AgencyRegistered("B", RecipientKey.generate().public_key().to_bytes()))
    write(ledger, agency, ResponderRegistered(pub[4]))
    write(ledger, patient, DeviceRegistered(address_of(pub[0]), b"band-1"))
    patients = [address_of(pub[0]), address_of(pub[5]), bytes(20)]
    devices = [b"band-1", b"band-2", b"\x00"]
    calls = [0]

    def body(rng: random.Random, author: bytes):  # type: ignore[no-untyped-def]
        p, key, dev = rng.choice(patients), rng.choice(pub), rng.choice(devices)
        kind = rng.randrange(12)
        if kind == 11:
            bg = BreakGlass(p, rng.choice(("burns", "x" * 255)), os.urandom(16))
            approvers = rng.sample(keys, rng.randrange(0, 4))
            return BreakGlass(bg.patient, bg.reason, bg.nonce, tuple(
                approve_break_glass(a, author if rng.randrange(4) else pub[5], bg) for a in approvers))
        return [
            lambda: PatientRegistered(b"\x01" + os.urandom(32)), lambda: HospitalGranted(key),
            lambda: HospitalRevoked(key),
            lambda: RecordAnchored(p, rng.choice(("ips", "other")), rng.choice((0, 1, 2, 7, 2**32 - 1)),
                                   os.urandom(32), b"ptr"),
            lambda: DeviceRegistered(p, dev), lambda: DeviceRevoked(p, dev),
            lambda: AgencyRegistered("C", b"\x01" + os.urandom(32)),
            lambda: AgencyKeyRotated(b"\x01" + os.urandom(32)), lambda: ResponderRegistered(key),
            lambda: ResponderRevoked(key),
            lambda: EmergencyAccess(p, dev, rng.randrange(5), os.urandom(16), 1, rng.random() < .5),
        ][kind]()

    def check(data: bytes) -> Outcome:
        rng = random.Random(data)
        if data.startswith(b"ok"):  # the seeds: a grant of a new hospital, always valid
            write(ledger, patient, HospitalGranted(os.urandom(32)))
            return "accepted"
        entries = []
        next_seq: dict[bytes, int] = {}
        for _ in range(1 + rng.randrange(3)):
            signer = rng.choice(keys)
            author = signer.verify_key.to_bytes()
            seq = next_seq.get(author, ledger.next_sequence(author)) + rng.choice((0, 0, 0, -1, 1))
            next_seq[author] = seq + 1
            entries.append(sign_entry(body(rng, author), signer=signer, author=author,
                                      sequence=max(seq, 0), timestamp_ms=1_764_000_000_000))
        before = (ledger.size(), ledger.checkpoint().root_hash)
        try:
            ledger.append_batch(entries) if len(entries) > 1 else ledger.append(entries[0])
            outcome: Outcome = "accepted"
            assert ledger.size() == before[0] + len(entries)
        except RefusedWrite:
            outcome = "rejected"
            assert (ledger.size(), ledger.checkpoint().root_hash) == before, "a refusal changed the ledger"
        calls[0] += 1
        if calls[0] & (calls[0] - 1) == 0 and calls[0] >= 64:  # 64, 128, 256 ...: O(n log n)
            verify_ledger_file(path)
        return outcome

    def close() -> None:
        verify_ledger_file(path)
        ledger.close()
        shutil.rmtree(folder, ignore_errors=True)
    return SimpleHarness([b"ok"] + [bytes([i]) for i in range(8)], check, close)
