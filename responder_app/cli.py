"""`iceband demo` and `iceband scan`: the responder app from the command line.

    iceband demo [--headless] [--record FILE] [--finger match|wrong] [--ledger URL]
    iceband scan --reader DEVICE [--headless] [--profile DIR]
    iceband tablet setup RESPONDER [--home DIR] [--profile DIR]

`demo` builds a demo world in a temporary home (ledger, record store, a simulated band running
the firmware, a tablet profile), then opens the app against it, or, with `--headless` or no
display, runs the same flow and prints the emergency view. Exit 0 only when a record was shown.
"""

from __future__ import annotations

import argparse
import getpass
import os
import sys
import tempfile
from pathlib import Path

from ledger_client.cli import CliError

__all__ = ["register"]


def register(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    from hardware.sim.fingerprint.sensor import Timing  # light: no simulator starts

    demo = subparsers.add_parser(
        "demo", help="the whole flow on a simulated band (app, or --headless text)",
        description="Provision a demo patient on an embedded ledger in a temporary home, start "
                    "a simulated band running the firmware, and read it as a responder.")
    demo.add_argument("--headless", action="store_true",
                      help="no window: run the flow and print the emergency view")
    demo.add_argument("--record", type=Path, metavar="FILE",
                      help="the patient's FHIR IPS document (JSON or XML); default: an HL7 example")
    demo.add_argument("--finger", choices=("match", "wrong"), default="match",
                      help="which finger the patient puts on the band (default: match)")
    demo.add_argument("--ledger", metavar="URL",
                      help="ledger URL (default: a new sqlite:/// file in the demo home)")
    demo.add_argument("--sensor-timing", choices=Timing.NAMES, default="instant",
                      help="simulated fingerprint sensor speed (default: instant)")
    demo.add_argument("--band", choices=("firmware", "inprocess"), default="firmware",
                      help="firmware: the firmware in its own process with the simulated PN532 "
                           "pair, read through nfcpy (default); inprocess: the applet in this "
                           "process, no radio (faster)")
    demo.add_argument("--home", type=Path, metavar="DIR",
                      help="keep the demo world in DIR instead of a temporary folder")
    demo.set_defaults(func=_demo)

    scan = subparsers.add_parser(
        "scan", help="read a band with a reader as a responder",
        description="Sign in with the tablet's responder profile and read a band.")
    scan.add_argument("--reader", required=True, metavar="DEVICE",
                      help="usb, tty:USB0:pn532, a PN532's serial path, udp[:host[:port]], "
                           "or serial:PORT for a band on USB serial")
    scan.add_argument("--headless", action="store_true", help="no window: print the result")
    scan.add_argument("--profile", type=Path, metavar="DIR",
                      help="responder profile folder (default: $ICEBAND_HOME/tablet)")
    scan.add_argument("--wait", type=float, default=30.0, metavar="SECONDS",
                      help="how long to wait for a band (default 30)")
    scan.set_defaults(func=_scan)

    tablet = subparsers.add_parser(
        "tablet", help="prepare this tablet for a responder (keys for iceband scan)",
        description="Copy a responder's signing key and their agency's key from the home "
                    "folder into the tablet profile, both under the responder's passphrase.")
    actions = tablet.add_subparsers(dest="action", metavar="ACTION", required=True)
    setup = actions.add_parser("setup", help="create the tablet profile for RESPONDER")
    setup.add_argument("responder", metavar="RESPONDER")
    setup.add_argument("--home", metavar="DIR", help="home folder (default $ICEBAND_HOME or ~/.iceband)")
    setup.add_argument("--profile", type=Path, metavar="DIR",
                       help="tablet profile folder (default HOME/tablet)")
    setup.set_defaults(func=_tablet_setup)


def _has_display() -> bool:
    return bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))


def _demo(args: argparse.Namespace) -> int:
    from hardware.sim.fingerprint import Timing

    from .demo import DEMO_FINGER, WRONG_FINGER, build_demo_world
    from .headless import run_headless
    from .protocol import ReleaseProgress
    if args.record is not None and not args.record.is_file():
        raise CliError(f"no such record file: {args.record}")
    timing = Timing.named(args.sensor_timing)
    headless = args.headless or not _has_display()
    if not args.headless and headless:
        print("no display: running the demo headless", file=sys.stderr)
    with tempfile.TemporaryDirectory(prefix="iceband-demo-") as temp:
        home = args.home or Path(temp)
        with _start_band(args.band, timing) as band:
            band.tap()
            try:
                world = build_demo_world(home, band=band, record=args.record,
                                         ledger_url=args.ledger, progress=print)
            except Exception as exc:  # an invalid record or an unreachable ledger
                from ledger_client.fhir import FhirError
                from ledger_client.ledger.errors import LedgerError
                if isinstance(exc, (FhirError, LedgerError, OSError)):
                    raise CliError(f"cannot set up the demo: {exc}") from None
                raise
            finger = DEMO_FINGER if args.finger == "match" else WRONG_FINGER
            if headless:
                credentials = world.profile.sign_in(world.passphrase)

                def patient(status: ReleaseProgress) -> None:
                    if status is ReleaseProgress.STARTED:
                        band.place_finger(finger)

                return run_headless(band, world.profile, credentials, on_progress=patient)
            from .ui.app import run_app
            return run_app(world.profile, band, demo_band=band, demo_finger=finger,
                           demo_passphrase=world.passphrase)


def _start_band(kind: str, timing: object):  # type: ignore[no-untyped-def]
    print(f"starting the simulated band ({kind})...", flush=True)
    if kind == "firmware":
        from .hil_band import FirmwareBand
        return FirmwareBand(timing=timing)  # type: ignore[arg-type]
    from .sim_band import SimulatedBand
    return SimulatedBand(timing=timing)  # type: ignore[arg-type]


def _passphrase(prompt: str) -> str:
    value = os.environ.get("ICEBAND_PASSPHRASE")
    if value is not None:
        return value
    if not sys.stdin.isatty():
        raise CliError(f"{prompt}: set ICEBAND_PASSPHRASE or run in a terminal to be asked")
    return getpass.getpass(f"{prompt}: ")


def _tablet_setup(args: argparse.Namespace) -> int:
    from ledger_client.crypto import CryptoError
    from ledger_client.home import Home, HomeError, Role

    from .profile import TabletProfile

    home = Home.locate(args.home)
    folder = args.profile or home.root / "tablet"
    if (folder / "profile.json").exists():
        raise CliError(f"{folder} already holds a tablet profile; remove it first")
    try:
        responder = home.identity(Role.RESPONDER, args.responder)
        if not responder.agency:
            raise CliError(f"responder {args.responder} has no agency on record")
        signing = home.signing_key(Role.RESPONDER, args.responder,
                                   _passphrase(f"passphrase for responder {args.responder}"))
        agency = home.recipient_key(Role.AGENCY, responder.agency,
                                    _passphrase(f"passphrase for agency {responder.agency}"))
        profile = TabletProfile.create(folder, name=args.responder,
                                       passphrase=_passphrase(
                                           f"passphrase for responder {args.responder}"),
                                       signing_key=signing, agency_key=agency,
                                       ledger_url=home.ledger_url,
                                       store_dir=home.store_location)
    except (HomeError, CryptoError) as exc:
        raise CliError(str(exc)) from None
    print(f"tablet profile for {args.responder} ({responder.agency}) in {profile.folder}")
    return 0


def _scan(args: argparse.Namespace) -> int:
    from .device import open_reader
    from .errors import TransportError
    from .headless import run_headless
    from .profile import ProfileError, SignInError, TabletProfile

    folder = args.profile or Path(os.environ.get("ICEBAND_HOME", Path.home() / ".iceband")) / "tablet"
    try:
        profile = TabletProfile.load(folder)
    except ProfileError as exc:
        raise CliError(str(exc)) from None
    try:
        reader = open_reader(args.reader)
    except TransportError as exc:
        raise CliError(str(exc), 3) from None
    try:
        if args.headless or not _has_display():
            passphrase = _passphrase(f"passphrase for {profile.name}")
            try:
                credentials = profile.sign_in(passphrase)
            except SignInError as exc:
                raise CliError(f"sign-in failed: {exc}") from None
            return run_headless(reader, profile, credentials, band_wait_s=args.wait)
        from .ui.app import run_app
        return run_app(profile, reader)
    finally:
        reader.close()
