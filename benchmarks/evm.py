"""EVM ledger figures on a real Anvil node (127.0.0.1, started and stopped here).

    .venv/bin/python benchmarks/evm.py [--events 10000] [--rate-entries 300]

Prints: gas per entry kind (target: emergency access under 60,000), entries/s for single
appends and for batches of 64, and the time to read one patient's audit trail of N events
(decoded, every Ed25519 signature checked), with progress while it builds and reads.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from eth_account import Account  # noqa: E402
from web3 import Web3  # noqa: E402

from ledger_client.crypto import RecipientKey, SigningKey, Suite  # noqa: E402
from ledger_client.evm.anvil import ANVIL_DEV_KEYS, Anvil  # noqa: E402
from ledger_client.evm.connect import deploy_ledger, open_evm_ledger  # noqa: E402
from ledger_client.ledger import (  # noqa: E402
    AgencyKeyRotated, AgencyRegistered, BreakGlass, DeviceRegistered, DeviceRevoked,
    EmergencyAccess, HospitalGranted, HospitalRevoked, PatientRegistered, RecordAnchored,
    ResponderRegistered, ResponderRevoked)
from ledger_client.ledger.author import approve_break_glass, now_ms, write  # noqa: E402
from ledger_client.ledger.codec import sign_entry  # noqa: E402
from ledger_client.ledger.rules import address_of  # noqa: E402

BATCH = 64


def pub(key: SigningKey) -> bytes:
    return key.verify_key.to_bytes()


def gas_table(ledger, deploy_gas: int) -> None:
    patient, hospital, responder = SigningKey.generate(), SigningKey.generate(), SigningKey.generate()
    agencies = [SigningKey.generate(), SigningKey.generate()]
    address, device = address_of(pub(patient)), os.urandom(16)
    ek = RecipientKey.generate(Suite.X25519).public_key().to_bytes()
    hybrid = RecipientKey.generate(Suite.MLKEM768_X25519).public_key().to_bytes()
    steps = [
        ("patient registered (X25519 EK)", patient, PatientRegistered(ek)),
        ("hospital granted", patient, HospitalGranted(pub(hospital))),
        ("device registered", patient, DeviceRegistered(address, device)),
        ("record anchored (300 B pointer)", hospital,
         RecordAnchored(address, "ips", 1, os.urandom(32), os.urandom(300))),
        ("record anchored, next version", hospital,
         RecordAnchored(address, "ips", 2, os.urandom(32), os.urandom(300))),
        ("agency registered (hybrid PQ key)", agencies[0], AgencyRegistered("Metro EMS", hybrid)),
        ("agency registered (X25519 key)", agencies[1], AgencyRegistered("County EMS", ek)),
        ("agency key rotated", agencies[1], AgencyKeyRotated(ek[:-1] + b"\x01")),
        ("responder registered", agencies[0], ResponderRegistered(pub(responder))),
        ("emergency access", responder,
         EmergencyAccess(address, device, 1, os.urandom(16), now_ms(), False)),
        ("emergency access (again)", responder,
         EmergencyAccess(address, device, 2, os.urandom(16), now_ms(), True)),
    ]
    print(f"{'entry kind':<36}{'gas':>9}")
    print(f"{'(contract deployment)':<36}{deploy_gas:>9,}")
    for label, key, body in steps:
        write(ledger, key, body)
        print(f"{label:<36}{ledger.chain.recent[-1].receipt['gasUsed']:>9,}")
    request = BreakGlass(address, "finger unreadable", os.urandom(16))
    approved = BreakGlass(address, request.reason, request.nonce,
                          tuple(approve_break_glass(a, pub(responder), request) for a in agencies))
    for label, key, body in [("break-glass (2 approvals)", responder, approved),
                             ("device revoked", patient, DeviceRevoked(address, device)),
                             ("responder revoked", agencies[0], ResponderRevoked(pub(responder))),
                             ("hospital revoked", patient, HospitalRevoked(pub(hospital)))]:
        write(ledger, key, body)
        print(f"{label:<36}{ledger.chain.recent[-1].receipt['gasUsed']:>9,}")


class Scene:
    """One patient with a device and one active responder, for bulk accesses."""

    def __init__(self, ledger) -> None:
        self.ledger = ledger
        self.patient, self.agency, self.responder = (SigningKey.generate() for _ in range(3))
        self.address, self.device = address_of(pub(self.patient)), os.urandom(16)
        write(ledger, self.patient, PatientRegistered(b"\x01" + os.urandom(32)))
        write(ledger, self.patient, DeviceRegistered(self.address, self.device))
        write(ledger, self.agency, AgencyRegistered("Metro EMS", b"\x01" + os.urandom(32)))
        write(ledger, self.agency, ResponderRegistered(pub(self.responder)))
        self.sequence = ledger.next_sequence(pub(self.responder))

    def access(self):
        body = EmergencyAccess(self.address, self.device, self.sequence + 1, os.urandom(16),
                               now_ms(), False)
        entry = sign_entry(body, signer=self.responder, author=pub(self.responder),
                           sequence=self.sequence, timestamp_ms=now_ms())
        self.sequence += 1
        return entry


def rates(ledger, count: int) -> None:
    scene = Scene(ledger)
    started = time.perf_counter()
    for _ in range(count):
        ledger.append(scene.access())
    single = count / (time.perf_counter() - started)
    batches = max(1, count // BATCH)
    started = time.perf_counter()
    for _ in range(batches):
        ledger.append_batch([scene.access() for _ in range(BATCH)])
    batched = batches * BATCH / (time.perf_counter() - started)
    print(f"append, one entry per transaction : {single:8.1f} entries/s ({count} entries)")
    print(f"append_batch, {BATCH} per transaction  : {batched:8.1f} entries/s ({batches * BATCH} entries)")
    gas = ledger.chain.recent[-1].receipt["gasUsed"]
    print(f"gas per emergency access in a batch of {BATCH}: {gas / BATCH:,.0f}")


def audit(ledger, events: int) -> None:
    scene = Scene(ledger)
    written, started = 0, time.perf_counter()
    while written < events:
        size = min(BATCH, events - written)
        ledger.append_batch([scene.access() for _ in range(size)])
        written += size
        if written % (BATCH * 20) == 0 or written == events:
            print(f"  building audit trail: {written}/{events} events", flush=True)
    print(f"built {events} events in {time.perf_counter() - started:.1f} s")
    last = [0.0]

    def progress(done: int, total: int) -> None:
        if time.perf_counter() - last[0] > 0.5 or done == total:
            last[0] = time.perf_counter()
            print(f"  reading audit: block {done}/{total}", flush=True)
    started = time.perf_counter()
    trail = list(ledger.entries(scene.address, on_progress=progress))
    elapsed = time.perf_counter() - started
    assert len(trail) == events + 2, len(trail)  # + registration and device
    print(f"read one patient's audit of {len(trail)} entries (decoded, signatures checked): "
          f"{elapsed:.2f} s ({len(trail) / elapsed:,.0f} entries/s)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=10_000)
    parser.add_argument("--rate-entries", type=int, default=300)
    args = parser.parse_args()
    with Anvil() as node:
        print(f"anvil on {node.rpc_url} (hardfork paris)")
        w3 = Web3(Web3.HTTPProvider(node.rpc_url))
        deployment = deploy_ledger(w3, Account.from_key(ANVIL_DEV_KEYS[0]))
        ledger = open_evm_ledger(f"evm+{node.rpc_url}/{deployment.address}")
        gas_table(ledger, deployment.gas_used)
        rates(ledger, args.rate_entries)
        audit(ledger, args.events)
        ledger.close()


if __name__ == "__main__":
    main()
