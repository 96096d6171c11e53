"""What the app does, without Kivy: the session in a worker thread, results posted back.

The Kivy app passes `post` (it wraps `Clock.schedule_once`) and a `Listener`; every listener
call happens through `post`, so on the UI thread. One worker thread runs one step at a time;
`cancel()` interrupts the band wait and the finger wait (which sends CANCEL to the band).
"""

from __future__ import annotations

import importlib
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Callable, Protocol

from .. import errors as e
from ..device import BandReader
from ..outbox import FlushReport, HistoryItem, Outbox
from ..profile import SignInError, TabletProfile
from ..protocol import ReleaseProgress
from ..session import BandInfo, Outcome, ResponderCredentials, ResponderSession

__all__ = ["Listener", "Controller"]

_BAND_POLL_S = 0.5
SYNC_EVERY_S = 15.0  # while waiting for a band, queued accesses are retried this often


class Listener(Protocol):
    def signed_in(self, name: str) -> None: ...
    def sign_in_failed(self, message: str) -> None: ...
    def scanning(self, reader: str, queued: int) -> None: ...
    def no_reader(self, message: str) -> None: ...
    def band_found(self, info: BandInfo) -> None: ...
    def finger_status(self, status: ReleaseProgress) -> None: ...
    def record_shown(self, outcome: Outcome) -> None: ...
    def refused(self, error: e.SessionError) -> None: ...


class Controller:
    def __init__(self, profile: TabletProfile, reader: BandReader,
                 post: Callable[[Callable[[], None]], None], listener: Listener) -> None:
        self.profile = profile
        self.reader = reader
        self._post = post
        self._listener = listener
        self._worker = ThreadPoolExecutor(max_workers=1, thread_name_prefix="responder-session")
        self._cancel = threading.Event()
        self._credentials: ResponderCredentials | None = None
        self._outbox: Outbox | None = None
        self._session: ResponderSession | None = None
        self._closed = False
        self.sync_every_s = SYNC_EVERY_S

    # --- sign in ---------------------------------------------------------------------------

    def sign_in(self, passphrase: str) -> None:
        def work() -> None:
            try:
                credentials = self.profile.sign_in(passphrase)
            except SignInError as exc:
                message = str(exc)
                self._post(lambda: self._listener.sign_in_failed(message))
                return
            self._credentials = credentials
            self._outbox = Outbox(self.profile.outbox_path, credentials.signing_key)
            self._post(lambda: self._listener.signed_in(credentials.name))
            importlib.import_module("ledger_client.fhir")  # warm up while the band comes
        self._worker.submit(work)

    def sign_out(self) -> None:
        self.cancel()
        def work() -> None:
            self._drop_session()
            if self._outbox is not None:
                self._outbox.close()
            self._outbox, self._credentials = None, None
        self._worker.submit(work)

    # --- the scan ---------------------------------------------------------------------------

    def start_scan(self) -> None:
        self._cancel = threading.Event()
        cancel = self._cancel
        self._worker.submit(self._scan, cancel)

    def _scan(self, cancel: threading.Event) -> None:
        assert self._outbox is not None and self._credentials is not None
        self._drop_session()
        queued = self._sync_and_tell()
        last_sync = time.monotonic()
        while not cancel.is_set():
            if queued and time.monotonic() - last_sync >= self.sync_every_s:
                queued, last_sync = self._sync_and_tell(), time.monotonic()  # network back?
            try:
                device = self.reader.wait_for_band(_BAND_POLL_S, cancel)
                break
            except e.TransportError as exc:
                if exc.kind is e.TransportErrorKind.NO_BAND:
                    continue
                message = str(exc)
                self._post(lambda: self._listener.no_reader(message))
                return
        else:
            return
        session = ResponderSession(device, self._credentials, ledger=self.profile.open_ledger,
                                   store=self.profile.open_store, outbox=self._outbox)
        self._session = session
        try:
            info = session.connect()
        except e.SessionError as exc:
            self._refuse(exc)
            return
        self._post(lambda: self._listener.band_found(info))

    def _sync_and_tell(self) -> int:
        assert self._outbox is not None
        queued = self._outbox.sync(self.profile.open_ledger).still_queued
        self._post(lambda: self._listener.scanning(self.reader.description, queued))
        return queued

    def start_release(self) -> None:
        """The responder holds the patient's finger ready: the band's 15 s window starts now.
        Also after a wrong finger: the same band session, a new challenge."""
        self._cancel = threading.Event()
        self._worker.submit(self._release, self._cancel)

    def _release(self, cancel: threading.Event) -> None:
        session = self._session
        if session is None:
            return
        def on_status(status: ReleaseProgress) -> None:
            self._post(lambda: self._listener.finger_status(status))
        try:
            session.release(on_status=on_status, cancel=cancel)
            outcome = session.read_record()
        except e.WrongFinger as exc:
            wrong = exc  # `exc` is unbound after the except block; the lambda runs later
            self._post(lambda: self._listener.refused(wrong))  # keep the session for a retry
            return
        except e.SessionError as exc:
            self._refuse(exc)
            return
        self._post(lambda: self._listener.record_shown(outcome))

    def _refuse(self, error: e.SessionError) -> None:
        self._drop_session()
        self._post(lambda: self._listener.refused(error))

    def finish(self) -> None:
        """The responder is done with the record: forget it, and scan for the next band."""
        self._worker.submit(self._drop_session)

    def _drop_session(self) -> None:
        if self._session is not None:
            self._session.close()
            self._session = None

    def cancel(self) -> None:
        self._cancel.set()

    # --- the outbox -------------------------------------------------------------------------

    def history(self) -> list[HistoryItem]:
        return self._outbox.history() if self._outbox is not None else []

    def sync(self, done: Callable[[FlushReport], None]) -> None:
        def work() -> None:
            if self._outbox is None:
                return
            report = self._outbox.sync(self.profile.open_ledger)
            self._post(lambda: done(report))
        self._worker.submit(work)

    def shutdown(self) -> None:
        """Stops the worker (waiting for the step in progress) and closes the outbox; idempotent."""
        if self._closed:
            return
        self._closed = True
        self.cancel()
        self._worker.submit(self._drop_session)
        self._worker.shutdown(wait=True)
        if self._outbox is not None:
            self._outbox.close()
