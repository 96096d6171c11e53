"""`iceband hospital|agency|responder|patient create`, `grant`, `revoke`, `device`, `audit`,
and `record put|get` (added to the record group by `add_record_commands`)."""

from __future__ import annotations

import argparse
import functools
import getpass
import json
import os
import sqlite3
import sys
from pathlib import Path
from typing import Callable

from ledger_client.cli import CliError

# The options and error mapping are shared with `ledger_client.cli.ledger`.
__all__ = ["register", "add_record_commands", "home_options", "mapped_errors", "workspace_from",
           "passphrase_from_env_or_prompt", "EXIT_REFUSED", "EXIT_TAMPERED", "EXIT_UNAVAILABLE",
           "PASSPHRASE_ENV"]

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
    """$ICEBAND_PASSPHRASE, else ask on the terminal (twice for a new key)."""
    value = os.environ.get(PASSPHRASE_ENV)
    if value is not None:
        return value
    if not sys.stdin.isatty():
        raise CliError(f"{prompt}: set {PASSPHRASE_ENV} or run in a terminal to be asked")
    value = getpass.getpass(f"{prompt[0].upper()}{prompt[1:]}: ")
    if prompt.startswith("new "):
        if not value:
            raise CliError("an empty passphrase would leave the key unprotected")
        if getpass.getpass("Again, to confirm: ") != value:
            raise CliError("the two passphrases differ; nothing was created")
    return value


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
        from ledger_client.ledger.continuity import AuditError, ForkDetected
        from ledger_client.store import BlobMissing, HashMismatch, StoreError
        from ledger_client.workflows import WorkflowError
        try:
            return func(args)
        except RefusedWrite as exc:
            raise CliError(f"the ledger refused the write: {exc}", EXIT_REFUSED) from None
        except ForkDetected as exc:
            raise CliError(f"FORK DETECTED: {exc}; the checkpoint you verified before is kept, "
                           "do not trust this ledger", EXIT_TAMPERED) from None
        except (HashMismatch, ProofError, BadCheckpoint, LedgerCorrupt, MalformedEntry,
                DecryptError, AuditError) as exc:
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


ask = passphrase_from_env_or_prompt

_SUITES = {"x25519": "X25519", "mlkem768-x25519": "MLKEM768_X25519"}


def _suite(args: argparse.Namespace):  # type: ignore[no-untyped-def]
    from ledger_client.crypto import Suite
    return Suite[_SUITES[args.suite]]


@mapped_errors
def _create(args: argparse.Namespace) -> int:
    from ledger_client import workflows as wf
    with workspace_from(args) as ws:
        if args.role == "hospital":
            ident = wf.create_hospital(ws, args.name, ask)
        elif args.role == "agency":
            ident = wf.create_agency(ws, args.name, ask, _suite(args))
        elif args.role == "patient":
            ident = wf.create_patient(ws, args.name, ask, _suite(args))
        else:
            ident = wf.create_responder(ws, args.name, args.agency, ask)
        extra = f", address 0x{ident.address.hex()}" if args.role == "patient" else ""
        print(f"created {args.role} {ident.name}: key {ident.public_key.hex()}{extra}")
    return 0


@mapped_errors
def _revoke_responder(args: argparse.Namespace) -> int:
    from ledger_client import workflows as wf
    with workspace_from(args) as ws:
        receipt = wf.revoke_responder(ws, args.name, ask)
        print(f"revoked responder {args.name} (ledger entry {receipt.index})")
    return 0


@mapped_errors
def _grant_or_revoke(args: argparse.Namespace) -> int:
    from ledger_client import workflows as wf
    action = wf.grant_hospital if args.command == "grant" else wf.revoke_hospital
    with workspace_from(args) as ws:
        receipt = action(ws, args.patient, args.hospital, ask)
        verb = "granted" if args.command == "grant" else "revoked"
        print(f"{args.patient} {verb} {args.hospital} (ledger entry {receipt.index})")
    return 0


@mapped_errors
def _device(args: argparse.Namespace) -> int:
    from ledger_client import workflows as wf
    device_id = wf.parse_device_id(args.device)
    with workspace_from(args) as ws:
        if args.action == "revoke":
            receipt = wf.revoke_device(ws, args.patient, device_id, ask)
        else:
            receipt = wf.register_device(ws, args.patient, device_id, ask, hospital=args.hospital)
        verb = "revoked" if args.action == "revoke" else "registered"
        print(f"{verb} band {device_id.hex()} of {args.patient} (ledger entry {receipt.index})")
    return 0


@mapped_errors
def _audit(args: argparse.Namespace) -> int:
    from ledger_client.workflows import audit_patient
    with workspace_from(args) as ws:
        report = audit_patient(ws, args.patient)
    if args.json:
        print(json.dumps(report.to_dict(), indent=2))
    else:
        print(report.render_text(), end="")
    return 0


@mapped_errors
def _record_put(args: argparse.Namespace) -> int:
    from ledger_client.workflows import put_record
    with workspace_from(args) as ws:
        result = put_record(ws, args.patient, Path(args.file), args.hospital, ask,
                            record_id=args.record_id)
    print(f"anchored {args.record_id!r} version {result.version} of {args.patient} "
          f"(sha256 {result.ciphertext_sha256.hex()}, ledger entry {result.index})")
    return 0


@mapped_errors
def _record_get(args: argparse.Namespace) -> int:
    from ledger_client.workflows import get_record
    with workspace_from(args) as ws:
        opened = get_record(ws, args.patient, ask)
    if args.json:
        print(json.dumps(opened.view.to_dict(), indent=2, ensure_ascii=False))
    else:
        anchor = opened.anchor
        print(f"record {anchor.record_id!r} version {anchor.version}, ledger entry {anchor.index}: "
              "hash and inclusion proof verified")
        print(opened.view.render_text(), end="")
    return 0


def add_record_commands(record_subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    common = home_options()
    put = record_subparsers.add_parser(
        "put", parents=[common], help="validate, encrypt, store and anchor a patient's record",
        description="Validate a FHIR IPS document, encrypt it to the patient's emergency key, "
        "store the ciphertext and anchor its SHA-256 on the ledger, signed by the hospital.")
    put.add_argument("patient", metavar="PATIENT")
    put.add_argument("file", metavar="FILE", help="FHIR R4 IPS Bundle (JSON or XML)")
    put.add_argument("--hospital", required=True, metavar="HOSPITAL")
    put.add_argument("--record-id", default="ips", help="record id (default: ips)")
    put.set_defaults(func=_record_put)
    get = record_subparsers.add_parser(
        "get", parents=[common], help="fetch, verify, decrypt and show a patient's record",
        description="Fetch the latest record, check its hash against the ledger and the anchor "
        "against a signed checkpoint, decrypt with the patient's emergency key, show the view.")
    get.add_argument("patient", metavar="PATIENT")
    get.add_argument("--as", dest="as_role", choices=["patient"], required=True,
                     help="whose key opens the record (the patient's emergency key)")
    get.add_argument("--json", action="store_true")
    get.set_defaults(func=_record_get)


def register(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    common = home_options()
    for role, what in (("hospital", "a hospital key (patients grant it)"),
                       ("agency", "a responder agency, registered on the ledger"),
                       ("responder", "a responder, registered by its agency"),
                       ("patient", "a patient: identity and emergency keys, registered")):
        group = subparsers.add_parser(role, help=f"{role} identities: {what}")
        actions = group.add_subparsers(dest="action", required=True)
        create = actions.add_parser("create", parents=[common], help=f"create {what}")
        create.add_argument("name", metavar="NAME")
        if role == "responder":
            create.add_argument("--agency", required=True, metavar="AGENCY")
            revoke = actions.add_parser("revoke", parents=[common],
                                        help="revoke a responder (signed by its agency)")
            revoke.add_argument("name", metavar="NAME")
            revoke.set_defaults(func=_revoke_responder)
        if role in ("agency", "patient"):
            create.add_argument("--suite", choices=sorted(_SUITES), default="x25519",
                                help="HPKE suite of the new key (default x25519)")
        create.set_defaults(func=_create, role=role)
    for command, verb in (("grant", "let a hospital anchor the patient's records"),
                          ("revoke", "withdraw a hospital's grant")):
        parser = subparsers.add_parser(command, parents=[common], help=verb)
        parser.add_argument("patient", metavar="PATIENT")
        parser.add_argument("hospital", metavar="HOSPITAL")
        parser.set_defaults(func=_grant_or_revoke, command=command)
    device = subparsers.add_parser("device", help="a patient's bands on the ledger")
    device_actions = device.add_subparsers(dest="action", required=True)
    for action in ("register", "revoke"):
        parser = device_actions.add_parser(action, parents=[common], help=f"{action} a band")
        parser.add_argument("patient", metavar="PATIENT")
        parser.add_argument("device", metavar="DEVICE", help="the band's device id (hex)")
        if action == "register":
            parser.add_argument("--hospital", help="sign as this granted hospital, not the patient")
        parser.set_defaults(func=_device)
    audit = subparsers.add_parser("audit", parents=[common],
                                  help="every change and access to a patient's records, proven")
    audit.add_argument("patient", metavar="PATIENT")
    audit.add_argument("--json", action="store_true")
    audit.set_defaults(func=_audit)
