"""`iceband record ...`: emergency records. This module adds the group and `record view`.

`record put` / `record get` come from `ledger_client.cli.workflows.add_record_commands`,
which receives the same sub-subparser set when that module exists.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from ledger_client.cli import CliError

__all__ = ["register", "record_subparsers"]

# The `record` group's subparser action, for other areas to add commands to.
record_subparsers: argparse._SubParsersAction | None = None  # type: ignore[type-arg]


def _view(args: argparse.Namespace) -> int:
    # Imported here so that `iceband --help` stays fast.
    from ledger_client.fhir import InvalidRecord, emergency_view, load_ips

    try:
        view = emergency_view(load_ips(Path(args.file)))
    except InvalidRecord as exc:
        message = str(exc)
        raise CliError(message if args.file in message else f"{args.file}: {message}") from None
    if args.json:
        print(json.dumps(view.to_dict(), indent=2, ensure_ascii=False))
    else:
        print(view.render_text(), end="")
    return 0


def register(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    global record_subparsers
    group = subparsers.add_parser(
        "record",
        help="emergency records (FHIR IPS): view, and store/fetch through the ledger",
        description="Emergency records: FHIR R4 International Patient Summary documents.",
    )
    record_subparsers = group.add_subparsers(title="actions", required=True)
    view = record_subparsers.add_parser(
        "view",
        help="print the emergency view of an IPS document (JSON or XML)",
        description="Print what a responder sees: allergies first (high criticality marked), then "
        "problems, medications, blood group, advance directives, devices, contacts, patient.",
    )
    view.add_argument("file", metavar="FILE", help="a FHIR R4 IPS Bundle, JSON or XML")
    view.add_argument("--json", action="store_true", help="print the view as JSON instead of text")
    view.set_defaults(func=_view)
    try:
        from ledger_client.cli.workflows import add_record_commands  # type: ignore[import-not-found, unused-ignore]
    except ModuleNotFoundError as exc:
        if exc.name != "ledger_client.cli.workflows":
            raise  # a real import failure inside workflows, not "not built yet"
    else:
        add_record_commands(record_subparsers)
