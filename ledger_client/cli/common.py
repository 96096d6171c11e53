"""Options and error mapping shared by the workflow and ledger commands."""

from __future__ import annotations

import argparse
import functools
import getpass
import os
import sqlite3
import sys
from typing import Callable

from ledger_client.cli import CliError

__all__ = ["home_options", "passphrase_from_env_or_prompt", "workspace_from", "mapped_errors",
           "EXIT_REFUSED", "EXIT_TAMPERED", "EXIT_UNAVAILABLE", "PASSPHRASE_ENV"]

PASSPHRASE_ENV = "ICEBAND_PASSPHRASE"
EXIT_REFUSED = 3       # the ledger refused the write
EXIT_TAMPERED = 4      # a proof, hash or signature failed: data was altered
EXIT_UNAVAILABLE = 5   # the ledger or the store cannot be reached


def home_options() -> argparse.ArgumentParser:
    parent = argparse.ArgumentParser(add_help=False)
    parent.add_argument("--home", metavar="DIR", help="home folder (default $ICEBAND_HOME or ~/.iceband)")
    parent.add_argument("--ledger", metavar="URL", help="ledger URL (default sqlite file in the home)")
    parent.add_argument("--store", metavar="DIR", help="record store (default the home's store/)")
    return parent


def passphrase_from_env_or_prompt(prompt: str) -> str:
    value = os.environ.get(PASSPHRASE_ENV)
    if value is not None:
        return value
    if not sys.stdin.isatty():
        raise CliError(f"{prompt}: set {PASSPHRASE_ENV} or run in a terminal to be asked")
    return getpass.getpass(f"{prompt[0].upper()}{prompt[1:]}: ")


def workspace_from(args: argparse.Namespace):  # type: ignore[no-untyped-def]
    from ledger_client.home import Home
    from ledger_client.workflows import Workspace
    return Workspace(Home.locate(args.home), ledger_url=args.ledger, store_location=args.store)


def mapped_errors(func: Callable[[argparse.Namespace], int]) -> Callable[[argparse.Namespace], int]:
    """Turn the layers' typed errors into one-line CLI errors with distinct exit codes."""

    @functools.wraps(func)
    def run(args: argparse.Namespace) -> int:
        from ledger_client.crypto import CryptoError, DecryptError, KeyFileError
        from ledger_client.fhir import FhirError
        from ledger_client.home import HomeError
        from ledger_client.ledger import (
            BadCheckpoint, LedgerCorrupt, LedgerError, LedgerUnavailable, MalformedEntry,
            ProofError, RefusedWrite, UnknownBackend)
        from ledger_client.store import BlobMissing, HashMismatch, StoreError
        from ledger_client.workflows import WorkflowError
        try:
            return func(args)
        except RefusedWrite as exc:
            raise CliError(f"the ledger refused the write: {exc}", EXIT_REFUSED) from None
        except (HashMismatch, ProofError, BadCheckpoint, LedgerCorrupt, MalformedEntry,
                DecryptError) as exc:
            raise CliError(f"verification failed: {exc}", EXIT_TAMPERED) from None
        except (LedgerUnavailable, BlobMissing, UnknownBackend) as exc:
            raise CliError(str(exc), EXIT_UNAVAILABLE) from None
        except sqlite3.DatabaseError as exc:
            raise CliError(f"the ledger database is damaged: {exc} (run `iceband ledger verify`)",
                           EXIT_TAMPERED) from None
        except KeyFileError as exc:
            raise CliError(f"key file: {exc}") from None
        except (HomeError, WorkflowError, FhirError, CryptoError, LedgerError, StoreError,
                ValueError) as exc:
            raise CliError(str(exc)) from None
    return run
