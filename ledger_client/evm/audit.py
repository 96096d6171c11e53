"""Verify a chain ledger from its events alone, the way `iceband ledger verify` checks a file.

Every `Entry` event is decoded, its author's Ed25519 signature checked, and the whole log is
replayed through the same write rules as the embedded ledger (`ledger_client.ledger.rules`).
This catches what the chain cannot: an entry a relayer wrote that its author never signed,
and any disagreement between the contract's rules and the reference rules. Finally the
contract's own counters (size, each author's next sequence) must match the replay.
"""

from __future__ import annotations

from typing import Callable

from ledger_client.evm.backend import EvmLedger
from ledger_client.ledger import rules
from ledger_client.ledger.protocol import LedgerCorrupt, RefusedWrite

__all__ = ["verify_evm_ledger", "verify_evm_url"]


def verify_evm_ledger(ledger: EvmLedger,
                      on_progress: Callable[[int, int], None] | None = None) -> int:
    """Return the number of entries verified; raise `LedgerCorrupt` at the first bad one."""
    state = rules.MemoryState()
    expected_index = 0
    for logged in ledger.entries(on_progress=on_progress):  # signatures checked on read
        if logged.index != expected_index:
            raise LedgerCorrupt(expected_index, f"missing from the chain (next found: "
                                f"{logged.index})")
        try:
            rules.check(logged.entry, state, signature=False)
        except RefusedWrite as refused:
            raise LedgerCorrupt(logged.index, f"the write rules refuse it: {refused}") from None
        rules.apply(logged.entry, logged.index, state)
        expected_index += 1
    size = ledger.size()
    if size != expected_index:
        raise LedgerCorrupt(expected_index, f"contract counts {size} entries, events show "
                            f"{expected_index}")
    for author, last in state.sequences.items():
        if ledger.next_sequence(author) != last + 1:
            raise LedgerCorrupt(-1, f"contract's next sequence for {author.hex()} is "
                                f"{ledger.next_sequence(author)}, the log says {last + 1}")
    return expected_index


def verify_evm_url(url: str, on_progress: Callable[[int, int], None] | None = None) -> int:
    """`verify_evm_ledger` for a ledger URL (`iceband ledger verify` on an evm+ URL): opens,
    verifies, closes. `on_progress(blocks_done, blocks_total)`."""
    from ledger_client.evm.connect import open_evm_ledger
    with open_evm_ledger(url) as ledger:
        return verify_evm_ledger(ledger, on_progress)
