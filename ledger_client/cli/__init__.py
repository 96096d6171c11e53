"""`iceband`: the one command line of the project.

Each area of the project owns one module that adds its subcommands to the parser
(`register(subparsers)`); this module only assembles them and maps errors to exit codes.
Modules are imported lazily by name so that `iceband record view` never imports Kivy.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from typing import Sequence

__all__ = ["main", "build_parser", "CliError", "EXIT_USAGE"]

EXIT_USAGE = 2

# Modules that contribute subcommands, in the order `iceband --help` lists them.
_COMMAND_MODULES = (
    "ledger_client.cli.record",
    "ledger_client.cli.workflows",
    "ledger_client.cli.ledger",
    "ledger_client.cli.band",
    "ledger_client.cli.breakglass",
    "responder_app.cli",
    "hardware.cli",
)


class CliError(Exception):
    """A user-facing error: printed as one line, exit status `code`."""

    def __init__(self, message: str, code: int = EXIT_USAGE) -> None:
        super().__init__(message)
        self.code = code


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="iceband",
        description="ICEband: emergency access to medical records from a fingerprint-locked band.",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for name in _COMMAND_MODULES:
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name != name:  # a real import failure inside the module
                raise
            continue  # that area is not built yet
        module.register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.func(args) or 0)
    except CliError as exc:
        print(f"iceband: error: {exc}", file=sys.stderr)
        return exc.code
    except KeyboardInterrupt:
        print("iceband: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
