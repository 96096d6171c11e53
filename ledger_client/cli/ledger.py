"""`iceband ledger verify|checkpoint|prove|consistency`: the ledger operator's and the
patient's checks of the transparent log."""

from __future__ import annotations

import argparse
import os
import sys
import time
from typing import TYPE_CHECKING

from ledger_client.cli import CliError
from ledger_client.cli.workflows import EXIT_TAMPERED, home_options, mapped_errors, workspace_from

__all__ = ["register"]

if TYPE_CHECKING:
    from ledger_client.ledger import LedgerCorrupt


def _ledger_url(args: argparse.Namespace) -> str:
    from ledger_client.home import Home
    return str(args.ledger or Home.locate(args.home).ledger_url)


class _Progress:
    """Prints "verified N / M entries" to stderr at most twice a second."""

    def __init__(self, unit: str = "entries") -> None:
        self.last = 0.0
        self.unit = unit

    def __call__(self, done: int, total: int) -> None:
        now = time.monotonic()
        if now - self.last >= 0.5 or done == total:
            self.last = now
            end = "\n" if done == total else "\r"
            print(f"verified {done} / {total} {self.unit}", end=end, file=sys.stderr, flush=True)


@mapped_errors
def _verify(args: argparse.Namespace) -> int:
    from ledger_client.home import Home
    from ledger_client.ledger import LedgerCorrupt
    from ledger_client.ledger.verify import verify_ledger_file
    from ledger_client.ledger.sqlite import path_from_url
    url = _ledger_url(args)
    progress = None if args.quiet else _Progress()
    if url.lower().startswith("evm+"):
        return _verify_chain(url, None if args.quiet else _Progress("blocks"))
    if not url.lower().startswith("sqlite:"):
        raise CliError(f"verify reads a SQLite ledger file or an evm+ ledger; not {url!r}")
    path = path_from_url(url)
    pinned = bytes.fromhex(args.public_key) if args.public_key else \
        Home.locate(args.home).pinned_ledger_key()
    try:
        report = verify_ledger_file(path, public_key=pinned, workers=args.workers,
                                    progress=progress)
    except LedgerCorrupt as exc:
        raise CliError(f"ledger {path} FAILED verification: {_where(exc)}{exc.why}",
                       EXIT_TAMPERED) from None
    rate = report.tree_size / report.seconds if report.seconds else 0.0
    print(f"ledger {path} verified: {report.tree_size} entries, root {report.root_hash.hex()}, "
          f"{rate:,.0f} entries/s{'' if pinned else ' (no pinned ledger key: key not checked)'}")
    return 0


def _where(exc: LedgerCorrupt) -> str:
    return f"first bad entry: {exc.index}: " if exc.index is not None and exc.index >= 0 else ""


def _verify_chain(url: str, progress: _Progress | None) -> int:
    """The EVM backend's replay of its events through the same rules (no Merkle tree)."""
    from ledger_client.evm.audit import verify_evm_url
    from ledger_client.ledger import LedgerCorrupt
    try:
        count = verify_evm_url(url, progress)
    except LedgerCorrupt as exc:
        raise CliError(f"chain ledger FAILED verification: {_where(exc)}{exc.why}",
                       EXIT_TAMPERED) from None
    print(f"chain ledger verified: {count} entries, every signature and write rule")
    return 0


@mapped_errors
def _checkpoint(args: argparse.Namespace) -> int:
    with workspace_from(args) as ws:
        checkpoint = ws.ledger.checkpoint()
        print(checkpoint.to_text(ws.ledger_public_key()), end="")
    return 0


@mapped_errors
def _prove(args: argparse.Namespace) -> int:
    from ledger_client.workflows import prove_entry
    with workspace_from(args) as ws:
        checkpoint = ws.ledger.checkpoint()
        prove_entry(ws.ledger, args.index, checkpoint, ws.ledger_public_key())
        proof = ws.ledger.inclusion_proof(args.index, checkpoint.tree_size)
    print(f"entry {args.index} is included in the signed tree of size {checkpoint.tree_size} "
          f"(root {checkpoint.root_hash.hex()}); audit path:")
    for element in proof:
        print(f"  {element.hex()}")
    return 0


@mapped_errors
def _consistency(args: argparse.Namespace) -> int:
    from ledger_client.ledger.continuity import SeenCheckpoint, check_checkpoint
    with workspace_from(args) as ws:
        key = ws.ledger_public_key()
        old = SeenCheckpoint(args.checkpoint, key).load()  # its signature checked too
        if old is None:
            raise CliError(f"no checkpoint file {args.checkpoint}")
        new = check_checkpoint(ws.ledger, key, old)  # ForkDetected: exit 4
    print(f"the ledger of size {new.tree_size} extends your checkpoint of size {old.tree_size}: "
          "nothing was rewritten")
    return 0


def register(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    common = home_options()
    group = subparsers.add_parser("ledger", help="verify the ledger, print checkpoints and proofs")
    actions = group.add_subparsers(dest="action", required=True)
    verify = actions.add_parser(
        "verify", parents=[common], help="recompute the whole tree, every signature and rule",
        description="Recompute every entry's signature, every write rule in log order, every "
        "tree node and the derived indexes; report the first bad entry (exit 4).")
    verify.add_argument("--public-key", metavar="HEX", help="the ledger key to expect "
                        "(default: the key pinned in the home folder)")
    verify.add_argument("--quiet", action="store_true", help="no progress on stderr")
    verify.add_argument("--workers", type=int, default=os.cpu_count() or 1, metavar="N",
                        help="processes checking signatures (default: one per core)")
    verify.set_defaults(func=_verify)
    checkpoint = actions.add_parser("checkpoint", parents=[common],
                                    help="print a signed checkpoint of the current tree")
    checkpoint.set_defaults(func=_checkpoint)
    prove = actions.add_parser("prove", parents=[common],
                               help="prove an entry's inclusion in the current signed tree")
    prove.add_argument("index", type=int, metavar="INDEX")
    prove.set_defaults(func=_prove)
    consistency = actions.add_parser(
        "consistency", parents=[common],
        help="prove the current ledger extends an earlier checkpoint (nothing rewritten)")
    consistency.add_argument("checkpoint", metavar="CHECKPOINT_FILE")
    consistency.set_defaults(func=_consistency)
    try:
        from ledger_client.evm.cli import register_deploy
    except ModuleNotFoundError as exc:
        if not (exc.name or "").startswith("ledger_client.evm"):
            raise  # a real import failure inside the EVM package
    else:
        register_deploy(actions)
