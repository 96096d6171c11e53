"""`iceband band provision|status|reset`: a band on a USB serial port (a real one, or the
simulated band's `serial_path`), spoken to with the APDUs of docs/protocol.md.

provision: seals the emergency blob (device secret + the patient's emergency key) and the
offline summary to every agency registered on the ledger, bound to a fresh device id; enrolls
the patient's finger (two presses); writes everything; registers the device on the ledger.
The APDU sequence is responder_app.provisioning's (the same package ships both).
"""

from __future__ import annotations

import argparse
import os
from typing import TYPE_CHECKING

from ledger_client.cli import CliError
from ledger_client.cli.workflows import (EXIT_REFUSED, EXIT_UNAVAILABLE, home_options,
                                         mapped_errors, passphrase_from_env_or_prompt,
                                         workspace_from)

if TYPE_CHECKING:
    from ledger_client.crypto import RecipientPublicKey
    from ledger_client.ledger import Ledger
    from ledger_client.workflows import Workspace
    from responder_app.device import BandDevice

__all__ = ["register", "registered_agencies", "BAND_ITEM_MAX"]

BAND_ITEM_MAX = 4096  # the band stores at most this much blob, and as much summary
_OPEN_TIMEOUT_S = 2.0

RESET_TEXT = """\
A band is erased only by hand, never over NFC or USB (docs/protocol.md 2.4):
  1. Unplug the band's USB cable (or switch it off).
  2. Press and hold the reset button (GPIO32 on the reference build; not the BOOT button).
  3. Keep holding while the band powers up, for at least 3 seconds.
  4. The ring flashes red: the vault (keys, blob, counters) and the enrolled finger are gone.
A short tap while it boots (released within 3 s) opens the maintenance REPL instead and erases
nothing. Afterwards revoke the old device id on the ledger (`iceband device revoke`) and
provision again (`iceband band provision PATIENT --port DEVICE`)."""


def registered_agencies(ledger: "Ledger") -> "list[RecipientPublicKey]":
    """The current HPKE key of every agency registered on the ledger (rotations applied)."""
    from ledger_client.crypto import RecipientPublicKey
    from ledger_client.ledger.entries import AgencyRegistered
    keys: dict[bytes, RecipientPublicKey] = {}
    for logged in ledger.entries():
        author = logged.entry.author
        if isinstance(logged.entry.body, AgencyRegistered) and author not in keys:
            current = ledger.agency_recipient_key(author)
            if current is not None:
                keys[author] = RecipientPublicKey.from_bytes(current)
    return list(keys.values())


def _open_band(port: str) -> "BandDevice":
    from responder_app.errors import TransportError
    from responder_app.transport_serial import SerialReader
    try:
        return SerialReader(port).wait_for_band(_OPEN_TIMEOUT_S)
    except TransportError as exc:
        raise CliError(str(exc), EXIT_UNAVAILABLE) from None


def _band_errors(exc: Exception, port: str) -> CliError:
    from responder_app.errors import ApduError, TransportError
    if isinstance(exc, TransportError):
        return CliError(f"the band on {port} stopped answering: {exc}", EXIT_UNAVAILABLE)
    if isinstance(exc, ApduError):
        return CliError(f"the band refused: {exc}", EXIT_REFUSED)
    return CliError(f"the band on {port} answered out of protocol: {exc}", EXIT_UNAVAILABLE)


class _Prompts:
    """Says each step once: press 1, lift, press 2 (the band polls many times per step)."""

    def __init__(self) -> None:
        self._said: set[str] = set()

    def _say(self, text: str) -> None:
        if text not in self._said:
            self._said.add(text)
            print(text, flush=True)

    def press(self, which: int) -> None:
        self._say(f"place the patient's finger on the sensor (press {which} of 2) ...")

    def lift(self) -> None:
        self._say("lift the finger")
        self.press(2)  # the next step, though the band only asks once it sees no finger


def _summary_plain(ws: "Workspace", patient: bytes, emergency_key: object) -> bytes:
    """The encoded offline summary of the latest record, b"" when none is anchored yet."""
    from ledger_client.fhir import encode_summary
    from ledger_client.workflows import WorkflowError
    from ledger_client.workflows.records import open_latest_record
    ledger_key = ws.ledger_public_key() if ws.ledger.capabilities.proofs else None
    try:
        opened = open_latest_record(ws.ledger, ws.store, patient, emergency_key,  # type: ignore[arg-type]
                                    ledger_key=ledger_key)
    except WorkflowError:
        return b""
    return encode_summary(opened.view)


@mapped_errors
def _provision(args: argparse.Namespace) -> int:
    from ledger_client.home import Role
    from ledger_client.workflows import register_device
    from responder_app.emergency_blob import EmergencyPayload, seal_emergency_blob, seal_summary
    from responder_app.errors import ApduError, ProtocolError, TransportError
    from responder_app.protocol import BandProtocol, BandState
    from responder_app.provisioning import provision_band

    with workspace_from(args) as ws:
        identity = ws.home.identity(Role.PATIENT, args.patient)
        agencies = registered_agencies(ws.ledger)
        if not agencies:
            raise CliError("no agency is registered on the ledger: nobody could open the blob")
        emergency_key = ws.home.recipient_key(
            Role.PATIENT, args.patient,
            passphrase_from_env_or_prompt(f"passphrase for patient {args.patient}"))
        summary_plain = _summary_plain(ws, identity.address, emergency_key)
        device_id, secret = os.urandom(16), os.urandom(32)
        blob = seal_emergency_blob(EmergencyPayload(secret, emergency_key), agencies, device_id)
        summary = seal_summary(summary_plain, agencies, device_id) if summary_plain else b""
        for what, size in (("sealed blob", len(blob)), ("sealed summary", len(summary))):
            if size > BAND_ITEM_MAX:
                raise CliError(f"the {what} is {size} bytes, over the band's {BAND_ITEM_MAX}: "
                               "fewer agencies or the X25519 suite")
        print(f"sealed for {len(agencies)} agencies: blob {len(blob)} B, summary "
              f"{len(summary)} B" + ("" if summary else " (no record anchored yet)"), flush=True)
        with _open_band(args.port) as device:
            try:
                facts = BandProtocol(device).select()
                if facts.state != BandState.UNPROVISIONED:
                    raise CliError(f"the band on {args.port} is already provisioned (device "
                                   f"{facts.device_id.hex()}); erase it first: iceband band reset",
                                   EXIT_REFUSED)
                prompts = _Prompts()
                prompts.press(1)
                provision_band(device, device_id=device_id, address=identity.address,
                               secret=secret, sealed_blob=blob, sealed_summary=summary,
                               press=prompts.press, lift=prompts.lift)
            except (ApduError, TransportError, ProtocolError) as exc:
                raise _band_errors(exc, args.port) from None
        print(f"band provisioned: device {device_id.hex()}, patient 0x{identity.address.hex()}",
              flush=True)
        receipt = register_device(ws, args.patient, device_id, passphrase_from_env_or_prompt,
                                  hospital=args.hospital)
        print(f"device registered on the ledger (entry {receipt.index})")
    return 0


def _status(args: argparse.Namespace) -> int:
    from responder_app.errors import ApduError, ProtocolError, TransportError
    from responder_app.protocol import BandProtocol
    with _open_band(args.port) as device:
        try:
            facts = BandProtocol(device).select()
        except (ApduError, TransportError, ProtocolError) as exc:
            raise _band_errors(exc, args.port) from None
    print(f"protocol version  {facts.version}")
    print(f"state             {facts.state.name.lower().replace('_', ' ')}")
    print(f"device id         {facts.device_id.hex()}")
    print(f"patient address   {facts.patient_address_text}")
    print(f"attempts left     {facts.attempts_left}")
    print(f"lockout           {facts.lockout_seconds} s")
    print(f"offline summary   {facts.summary_length} bytes")
    return 0


def _reset(args: argparse.Namespace) -> int:
    print(RESET_TEXT)
    return 0


def register(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    group = subparsers.add_parser("band", help="provision a band, read its public facts")
    actions = group.add_subparsers(dest="action", metavar="ACTION", required=True)
    common = home_options()
    provision = actions.add_parser(
        "provision", parents=[common],
        help="enroll the patient's finger, write the sealed blob and summary, register the band")
    provision.add_argument("patient", metavar="PATIENT")
    provision.add_argument("--port", required=True, metavar="DEVICE",
                           help="the band's USB serial (e.g. /dev/ttyUSB0, or a simulated band's)")
    provision.add_argument("--hospital", help="register the band as this granted hospital")
    provision.set_defaults(func=_provision)
    status = actions.add_parser("status", help="the band's public facts (SELECT)")
    status.add_argument("--port", required=True, metavar="DEVICE")
    status.set_defaults(func=_status)
    reset = actions.add_parser("reset", help="how to erase a band (the button at boot)")
    reset.set_defaults(func=_reset)
