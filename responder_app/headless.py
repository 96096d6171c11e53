"""The responder flow without a screen: the same session the app runs, reported as text.

Used by `iceband scan --headless` and `iceband demo --headless`. Exit status 0 only when a
record (online, or the band's offline summary) was shown.
"""

from __future__ import annotations

import sys
import threading
from typing import Callable, TextIO

from . import errors as e
from .device import BandReader
from .outbox import Outbox
from .profile import TabletProfile
from .protocol import ReleaseProgress
from .session import ResponderCredentials, ResponderSession

__all__ = ["run_headless", "EXIT_SHOWN", "EXIT_REFUSED", "EXIT_NO_BAND", "render_outcome"]

EXIT_SHOWN, EXIT_REFUSED, EXIT_NO_BAND = 0, 1, 3

_PROGRESS_TEXT = {
    ReleaseProgress.STARTED: "band is waiting: place the patient's finger on the band",
    ReleaseProgress.WAITING_FOR_FINGER: "waiting for the finger...",
    ReleaseProgress.CAPTURING: "finger seen, reading it...",
    ReleaseProgress.MATCHING: "matching...",
}


def render_outcome(outcome) -> str:  # type: ignore[no-untyped-def]
    lines = []
    if outcome.offline:
        lines.append("*** OFFLINE: the band's own summary; the full record could not be fetched ***")
    lines.append(outcome.view.render_text())
    lines.extend(f"note: {note}" for note in outcome.notes)
    return "\n".join(lines)


def run_headless(reader: BandReader, profile: TabletProfile, credentials: ResponderCredentials,
                 *, out: TextIO | None = None, band_wait_s: float = 30.0,
                 on_progress: Callable[[ReleaseProgress], None] | None = None,
                 cancel: threading.Event | None = None) -> int:
    out = out or sys.stdout  # looked up per call: a default bound at import outlives a redirect
    outbox = Outbox(profile.outbox_path, credentials.signing_key)
    try:
        queued = outbox.sync(profile.open_ledger)
        if queued.sent:
            print(f"sent {queued.sent} queued access event(s) to the ledger", file=out)
        print(f"hold the band to {reader.description}...", file=out, flush=True)
        try:
            device = reader.wait_for_band(band_wait_s, cancel)
        except e.TransportError as exc:
            print(f"no band: {exc}", file=out)
            return EXIT_NO_BAND
        session = ResponderSession(device, credentials, ledger=profile.open_ledger,
                                   store=profile.open_store, outbox=outbox)
        try:
            band = session.connect()
            facts = band.facts
            print(f"band {facts.device_id.hex()} of patient {facts.patient_address_text}; "
                  f"{facts.attempts_left} fingerprint tries left"
                  + ("" if band.online else " (ledger unreachable: offline)"), file=out, flush=True)

            def progress(status: ReleaseProgress) -> None:
                print(_PROGRESS_TEXT[status], file=out, flush=True)
                if on_progress:
                    on_progress(status)

            session.release(on_status=progress, cancel=cancel)
            outcome = session.read_record()
            print(render_outcome(outcome), file=out)
            where = ("logged on the ledger at index %d" % outcome.logged_index
                     if outcome.logged_index is not None else "queued for the ledger")
            print(f"access {outcome.event.event_id.hex()} {where}", file=out)
            return EXIT_SHOWN
        except e.SessionError as exc:
            print(f"REFUSED ({exc.title}): {exc}", file=out)
            return EXIT_REFUSED
        finally:
            session.close()
    finally:
        outbox.close()
