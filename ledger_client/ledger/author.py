"""Writing to a ledger as one author: sequence numbers and signatures handled here."""

from __future__ import annotations

import time

from ledger_client.crypto import SigningKey
from ledger_client.ledger.codec import break_glass_statement, sign_entry
from ledger_client.ledger.entries import Approval, Body, BreakGlass, SignedEntry
from ledger_client.ledger.protocol import Ledger, Receipt

__all__ = ["make_entry", "write", "approve_break_glass", "now_ms"]


def now_ms() -> int:
    return time.time_ns() // 1_000_000


def make_entry(ledger: Ledger, key: SigningKey, body: Body, *, sequence: int | None = None,
               timestamp_ms: int | None = None) -> SignedEntry:
    """Sign `body` as `key`'s next entry on `ledger` (or at an explicit `sequence`)."""
    author = key.verify_key.to_bytes()
    if sequence is None:
        sequence = ledger.next_sequence(author)
    return sign_entry(body, signer=key, author=author, sequence=sequence,
                      timestamp_ms=now_ms() if timestamp_ms is None else timestamp_ms)


def write(ledger: Ledger, key: SigningKey, body: Body) -> Receipt:
    """Sign and append one entry; raises `RefusedWrite` when the ledger refuses it."""
    return ledger.append(make_entry(ledger, key, body))


def approve_break_glass(agency_key: SigningKey, responder: bytes, body: BreakGlass) -> Approval:
    """One agency's approval of a break-glass request by `responder`."""
    return Approval(agency_key.verify_key.to_bytes(),
                    agency_key.sign(break_glass_statement(responder, body)))
