"""`iceband breakglass kit|override|release|open`: the emergency override for a patient whose
finger cannot be read (docs/crypto.md, "Break-glass"; library: `ledger_client.breakglass`).

    kit PATIENT --authority A --authority B --authority C --quorum 2   (the patient, once)
    override PATIENT --responder R --reason TEXT --approve A --approve B (logs the entry)
    release PATIENT --entry N --authority A                              (each authority)
    open PATIENT --entry N                                               (the responder)

Files live under `<home>/breakglass/`: the kit (sealed material only), the request's one-time
key (a passphrase-protected key file), each authority's released share and the entries it has
answered. Passphrases come from $ICEBAND_PASSPHRASE or a prompt. In the field each authority
runs `release` on its own machine with only its own keys; one home folder here plays all parts.
"""

from __future__ import annotations

import argparse
from pathlib import Path

__all__ = ["register"]


def _folder(ws) -> Path:  # type: ignore[no-untyped-def]
    folder = Path(ws.home.root) / "breakglass"
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    return folder


def _kit(ws, patient: str):  # type: ignore[no-untyped-def]
    from ledger_client.breakglass import BreakGlassKit
    from ledger_client.workflows import WorkflowError
    path = _folder(ws) / f"{patient}.kit"
    if not path.exists():
        raise WorkflowError(f"no break-glass kit for {patient}: run `iceband breakglass kit`")
    return BreakGlassKit.from_bytes(path.read_bytes())


def _make_kit(args: argparse.Namespace) -> int:
    from ledger_client.breakglass import make_kit
    from ledger_client.cli.workflows import ask, workspace_from
    from ledger_client.crypto import RecipientPublicKey
    from ledger_client.home import Role
    with workspace_from(args) as ws:
        patient = ws.home.identity(Role.PATIENT, args.patient)
        ek = ws.home.recipient_key(Role.PATIENT, args.patient,
                                   ask(f"passphrase for patient {args.patient}"))
        authorities = []
        for name in args.authority:
            agency = ws.home.identity(Role.AGENCY, name)
            assert agency.recipient_key is not None
            authorities.append((agency.public_key, RecipientPublicKey.from_bytes(agency.recipient_key)))
        kit = make_kit(ek, patient.address, authorities, args.quorum)
        (_folder(ws) / f"{args.patient}.kit").write_bytes(kit.to_bytes())
        print(f"break-glass kit for {args.patient}: any {args.quorum} of "
              f"{', '.join(args.authority)} can release the emergency key")
    return 0


def _override(args: argparse.Namespace) -> int:
    from ledger_client.breakglass import new_request
    from ledger_client.cli.workflows import ask, workspace_from
    from ledger_client.crypto import save_key_file
    from ledger_client.home import Role
    from ledger_client.ledger.author import approve_break_glass, write
    from ledger_client.ledger.entries import BreakGlass
    with workspace_from(args) as ws:
        address = ws.home.identity(Role.PATIENT, args.patient).address
        responder = ws.home.signing_key(Role.RESPONDER, args.responder,
                                        ask(f"passphrase for responder {args.responder}"))
        request = new_request(responder.verify_key.to_bytes(), address, args.reason)
        approvals = tuple(approve_break_glass(
            ws.home.signing_key(Role.AGENCY, name, ask(f"passphrase for authority {name}")),
            request.responder, request.body) for name in args.approve)
        body = BreakGlass(address, args.reason, request.body.nonce, approvals)
        receipt = write(ws.ledger, responder, body)
        public = request.one_time_key.public_key().to_bytes()
        save_key_file(_folder(ws) / f"request-{receipt.index}.key", request.one_time_key.to_bytes(),
                      kind="break-glass-request", public=public,
                      passphrase=ask(f"passphrase for responder {args.responder}"))
        (_folder(ws) / f"request-{receipt.index}.pub").write_bytes(public)
        print(f"EMERGENCY OVERRIDE logged on the ledger as entry {receipt.index} "
              f"({len(approvals)} approvals); authorities may now release their shares")
    return 0


def _release(args: argparse.Namespace) -> int:
    from ledger_client.breakglass import AnsweredEntries, BreakGlassRefused, release_share
    from ledger_client.cli import CliError
    from ledger_client.cli.workflows import EXIT_REFUSED, ask, workspace_from
    from ledger_client.crypto import RecipientPublicKey
    from ledger_client.home import Role
    from ledger_client.workflows import WorkflowError
    with workspace_from(args) as ws:
        folder = _folder(ws)
        public = folder / f"request-{args.entry}.pub"  # public; the entry's nonce binds it
        if not public.exists():
            raise WorkflowError(f"no break-glass request for entry {args.entry}")
        passphrase = ask(f"passphrase for authority {args.authority}")
        try:
            share = release_share(
                _kit(ws, args.patient), ledger=ws.ledger, ledger_key=ws.ledger_public_key(),
                entry_index=args.entry, requester_key=RecipientPublicKey.from_bytes(public.read_bytes()),
                agency_signing=ws.home.signing_key(Role.AGENCY, args.authority, passphrase),
                agency_recipient=ws.home.recipient_key(Role.AGENCY, args.authority, passphrase),
                answered=AnsweredEntries(folder / f"answered-{args.authority}.txt"))
        except BreakGlassRefused as exc:
            raise CliError(f"{args.authority} refuses: {exc}", EXIT_REFUSED) from None
        (folder / f"share-{args.entry}-{args.authority}.bin").write_bytes(share)
        print(f"{args.authority} released its share for entry {args.entry}")
    return 0


def _open(args: argparse.Namespace) -> int:
    from ledger_client.breakglass import recover_emergency_key
    from ledger_client.breakglass.release import BreakGlassRequest
    from ledger_client.cli.workflows import ask, workspace_from
    from ledger_client.crypto import RecipientKey, load_key_file
    from ledger_client.fhir.render import render_text
    from ledger_client.home import Role
    from ledger_client.workflows.records import open_latest_record
    with workspace_from(args) as ws:
        folder, kit = _folder(ws), _kit(ws, args.patient)
        entry = ws.ledger.entry(args.entry)
        key = load_key_file(folder / f"request-{args.entry}.key", ask("passphrase for the request"))
        request = BreakGlassRequest(entry.author, entry.body, RecipientKey.from_bytes(key.secret))  # type: ignore[arg-type,unused-ignore]
        answers = {}
        for path in sorted(folder.glob(f"share-{args.entry}-*.bin")):
            name = path.name.removeprefix(f"share-{args.entry}-").removesuffix(".bin")
            answers[ws.home.identity(Role.AGENCY, name).public_key] = path.read_bytes()
        ek = recover_emergency_key(kit, request, entry, answers)
        opened = open_latest_record(ws.ledger, ws.store, kit.patient, ek,
                                    ledger_key=ws.ledger_public_key())
        print(f"EMERGENCY OVERRIDE (break-glass entry {args.entry})")
        print(render_text(opened.view))
    return 0


def register(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    from ledger_client.cli.workflows import home_options, mapped_errors
    common = home_options()
    group = subparsers.add_parser("breakglass", help="emergency override by a quorum of authorities")
    actions = group.add_subparsers(dest="action", metavar="ACTION", required=True)
    kit = actions.add_parser("kit", parents=[common], help="split the patient's emergency key k-of-n")
    kit.add_argument("patient")
    kit.add_argument("--authority", action="append", required=True, metavar="AGENCY")
    kit.add_argument("--quorum", type=int, required=True, metavar="K")
    kit.set_defaults(func=mapped_errors(_make_kit))
    override = actions.add_parser("override", parents=[common], help="log a break-glass entry")
    override.add_argument("patient")
    override.add_argument("--responder", required=True)
    override.add_argument("--reason", required=True)
    override.add_argument("--approve", action="append", required=True, metavar="AGENCY")
    override.set_defaults(func=mapped_errors(_override))
    release = actions.add_parser("release", parents=[common], help="an authority releases its share")
    release.add_argument("patient")
    release.add_argument("--entry", type=int, required=True)
    release.add_argument("--authority", required=True, metavar="AGENCY")
    release.set_defaults(func=mapped_errors(_release))
    opener = actions.add_parser("open", parents=[common], help="recover the key and show the record")
    opener.add_argument("patient")
    opener.add_argument("--entry", type=int, required=True)
    opener.set_defaults(func=mapped_errors(_open))
