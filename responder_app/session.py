"""The responder's session with one band, from SELECT to the logged access. No Kivy here.

    session = ResponderSession(device, credentials, ledger=..., store=..., outbox=...)
    band = session.connect()                       # public facts, revocation check
    session.release(on_status=..., cancel=...)     # finger wait; WrongFinger, LockedOut ...
    outcome = session.read_record()                # verified record, or the offline summary
    session.close()                                # drops every secret and the record

Every refusal is a `SessionError` kind with a message for the responder. The session holds
the record only in memory and forgets it on `close()`; nothing of it is written anywhere.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import threading
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Callable

from ledger_client.crypto import RecipientKey, SigningKey
from ledger_client.crypto.errors import CryptoError
from ledger_client.crypto.records import decrypt_record
from ledger_client.ledger.errors import LedgerError, LedgerUnavailable
from ledger_client.ledger.protocol import Ledger
from ledger_client.store import BlobMissing, HashMismatch, RecordStore, StoreUnavailable

from . import errors as e
from . import ledger_checks as checks
from .device import BandDevice
from .emergency_blob import EmergencyPayload, open_emergency_blob, open_summary
from .outbox import AccessEvent, Outbox, new_event_id
from .protocol import (
    RELEASE_DOMAIN_TAG, BandLockedOut, BandProtocol, BandState, NoMatch, PublicFacts,
    ReleaseCancelled, ReleaseProgress, ReleaseResult)

if TYPE_CHECKING:
    from ledger_client.fhir import EmergencyView

__all__ = ["ResponderCredentials", "BandInfo", "Outcome", "ResponderSession",
           "release_proof"]

_UNREACHABLE = (LedgerUnavailable, StoreUnavailable, OSError, ConnectionError)


@dataclass(frozen=True)
class ResponderCredentials:
    """What the responder unlocked with their passphrase."""
    name: str
    signing_key: SigningKey
    agency_key: RecipientKey

    @property
    def public_key(self) -> bytes:
        return self.signing_key.verify_key.to_bytes()


@dataclass(frozen=True)
class BandInfo:
    facts: PublicFacts
    online: bool           # the ledger answered: revocation and registration were checked


@dataclass
class Outcome:
    view: EmergencyView
    offline: bool
    event: AccessEvent
    logged_index: int | None          # ledger index of the access entry; None while queued
    record_version: int | None = None
    notes: list[str] = field(default_factory=list)


def release_proof(device_secret: bytes, challenge: bytes, sealed_blob: bytes, counter: int) -> bytes:
    """HMAC-SHA256(secret, tag || challenge || SHA-256(blob) || counter BE4), protocol 2.2."""
    message = (RELEASE_DOMAIN_TAG + challenge + hashlib.sha256(sealed_blob).digest()
               + counter.to_bytes(4, "big"))
    return hmac.new(device_secret, message, hashlib.sha256).digest()


class ResponderSession:
    """One band, one responder. Methods run in order; each may raise a `SessionError`."""

    def __init__(self, device: BandDevice, credentials: ResponderCredentials, *,
                 ledger: Callable[[], Ledger], store: Callable[[], RecordStore],
                 outbox: Outbox, clock: Callable[[], float] = time.time) -> None:
        self._protocol = BandProtocol(device)
        self._device = device
        self._credentials = credentials
        self._open_ledger = ledger
        self._open_store = store
        self._outbox = outbox
        self._clock = clock
        self._ledger: Ledger | None = None
        self._online = False
        self.facts: PublicFacts | None = None
        self._payload: EmergencyPayload | None = None
        self._release: ReleaseResult | None = None
        self._event: AccessEvent | None = None
        self._logged_index: int | None = None

    # --- step 1: which band is this ---------------------------------------------------------

    def connect(self) -> BandInfo:
        facts = self._band(self._protocol.select, "reading the band")
        if facts.state is BandState.UNPROVISIONED:
            raise e.NotProvisioned("this band has not been set up for a patient")
        try:
            ledger = self._open_ledger()
        except _UNREACHABLE:
            ledger = None   # offline: the ledger checks the band again when the access syncs
        if ledger is not None:
            try:
                checks.check_band(ledger, self._credentials.public_key, facts)
            except _UNREACHABLE:
                ledger = None
            except BaseException:
                ledger.close()
                raise
        self._ledger, self._online = ledger, ledger is not None
        self.facts = facts  # only a band that passed the checks may be asked to release
        return BandInfo(facts, self._online)

    # --- step 2: the finger -----------------------------------------------------------------

    def release(self, *, on_status: Callable[[ReleaseProgress], None] | None = None,
                cancel: threading.Event | None = None) -> None:
        facts = self._need_facts()
        challenge = os.urandom(32)
        try:
            result = self._band(lambda: self._protocol.release(
                challenge, on_status=on_status, cancel=cancel), "waiting for the finger")
        except NoMatch as exc:
            if exc.lockout_seconds or exc.attempts_left == 0:
                raise e.LockedOut(exc.lockout_seconds) from None
            raise e.WrongFinger(exc.attempts_left) from None
        except BandLockedOut as exc:
            raise e.LockedOut(exc.seconds_left) from None
        except ReleaseCancelled:
            raise e.Cancelled("the finger wait was cancelled") from None
        try:
            payload = open_emergency_blob(result.sealed_blob, self._credentials.agency_key,
                                          facts.device_id)
        except CryptoError:
            raise e.ReleaseRefused("the band's emergency blob is not sealed to your agency "
                                   "(or was altered)") from None
        authenticated = self._check_patient_key(facts, payload)
        proof = release_proof(payload.device_secret, challenge, result.sealed_blob, result.counter)
        if not hmac.compare_digest(proof, result.proof):
            raise e.ReplayDetected("the band's proof does not answer this challenge: a recorded "
                                   "or forged release")
        last = self._last_counter(facts.device_id)
        if result.counter <= last:
            raise e.ReplayDetected(f"the release counter did not move forward ({result.counter} "
                                   f"after {last}): a replayed release or a cloned band")
        # Anyone can seal a blob and a device secret to the agency's public key, so the HMAC
        # alone does not say the band is the patient's. Only a band the ledger vouched for
        # (registered, carrying the patient's registered EK) raises the replay floor; an
        # unauthenticated one is checked against the known floor but never moves it, and its
        # access is logged as offline, which no tablet takes as a floor (last_logged_counter).
        if authenticated:
            self._outbox.remember_counter(facts.device_id, result.counter)
        self._payload, self._release = payload, result
        # The key is out: log the access now, whatever happens to the record afterwards
        # (tampered, store away, app closed). Queued first, so it is sent exactly once.
        self._event = AccessEvent(new_event_id(), facts.patient_address, facts.device_id,
                                  result.counter, int(self._clock() * 1000),
                                  offline=not authenticated)
        self._outbox.add(self._event)
        self._logged_index = self._send_outbox(self._event)

    def _check_patient_key(self, facts: PublicFacts, payload: EmergencyPayload) -> bool:
        """True when the ledger authenticated the band: `connect` found it registered to the
        patient and not revoked, and the blob's EK is the patient's registered one (a forger
        cannot seal that EK's private half). False when the ledger could not be asked."""
        if self._ledger is None:
            return False
        try:
            checks.check_patient_key(self._ledger, facts.patient_address,
                                     payload.emergency_key.public_key().to_bytes())
        except _UNREACHABLE:
            return False  # not authenticated: treated as an offline access
        return True

    def _last_counter(self, device_id: bytes) -> int:
        last = self._outbox.last_counter(device_id)
        if self._ledger is not None and self.facts is not None:
            try:
                last = max(last, checks.last_logged_counter(
                    self._ledger, self.facts.patient_address, device_id))
            except _UNREACHABLE:
                pass
        return last

    # --- step 3: the record -------------------------------------------------------------------

    def read_record(self) -> Outcome:
        facts, payload, event = self._need_facts(), self._payload, self._event
        if payload is None or event is None:
            raise e.SessionError("no successful release in this session")
        notes: list[str] = []
        view: EmergencyView | None = None
        version: int | None = None
        if self._ledger is not None:
            try:
                view, version = self._online_record(facts, payload)
            except _UNREACHABLE as exc:
                notes.append(f"record store or ledger unreachable ({exc}); showing the band's "
                             "offline summary")
            except e.NoRecord as exc:
                notes.append(f"{exc}; showing the band's offline summary")
        else:
            notes.append("ledger unreachable: the band is not authenticated (a forged band "
                         "would look the same) and its revocation is not checked; showing the "
                         "band's offline summary")
        offline = view is None
        if view is None:
            view = self._offline_summary(facts)
        logged = self._logged_index
        if logged is None:
            notes.append("the access is queued on this tablet and will be logged when the "
                         "network returns")
        return Outcome(view, offline, event, logged, version, notes)

    def _online_record(self, facts: PublicFacts,
                       payload: EmergencyPayload) -> tuple[EmergencyView, int]:
        assert self._ledger is not None
        anchor = self._ledger.latest_record(facts.patient_address)
        if anchor is None:
            raise e.NoRecord("the ledger holds no record for this patient")
        try:
            blob = self._open_store().get(anchor.ciphertext_sha256)
        except BlobMissing:
            raise e.RecordTampered("the record store lacks the record the ledger names "
                                   "(deleted or swapped)") from None
        except HashMismatch:
            raise e.RecordTampered("the fetched record's hash differs from the ledger's: "
                                   "the record was altered") from None
        if hashlib.sha256(blob).digest() != anchor.ciphertext_sha256:
            raise e.RecordTampered("the fetched record's hash differs from the ledger's: "
                                   "the record was altered")
        from ledger_client.fhir import FhirError, emergency_view, load_ips  # heavy: first use

        try:
            plain = decrypt_record(blob, emergency_key=payload.emergency_key,
                                   patient=facts.patient_address_text,
                                   record_id=anchor.record_id, version=anchor.version)
            view = emergency_view(load_ips(plain))
        except (CryptoError, FhirError) as exc:
            raise e.RecordTampered(f"the record does not open or validate: {exc}") from None
        finally:
            plain = b""  # drop the clear record now; only the view is kept, in memory
        return view, anchor.version

    def _offline_summary(self, facts: PublicFacts) -> EmergencyView:
        if facts.summary_length == 0:
            raise e.NoRecord("offline, and the band carries no summary")
        from ledger_client.fhir import FhirError, decode_summary

        sealed = self._band(lambda: self._protocol.read_summary(facts.summary_length),
                            "reading the offline summary")
        try:
            return decode_summary(open_summary(sealed, self._credentials.agency_key,
                                               facts.device_id))
        except (CryptoError, FhirError) as exc:
            raise e.RecordTampered(f"the band's offline summary does not open: {exc}") from None

    def _send_outbox(self, event: AccessEvent) -> int | None:
        if self._ledger is None:
            return None
        self._outbox.flush(self._ledger)
        for item in self._outbox.history():
            if item.event.event_id == event.event_id:
                return item.ledger_index
        return None

    # --- helpers ----------------------------------------------------------------------------

    def _need_facts(self) -> PublicFacts:
        if self.facts is None:
            raise e.SessionError("connect to the band first")
        return self.facts

    def _band(self, call: Callable[[], object], doing: str):  # type: ignore[no-untyped-def]
        """Runs one band exchange, translating transport and protocol errors for the responder."""
        try:
            return call()
        except e.TransportError as exc:
            if exc.kind is e.TransportErrorKind.NO_DEVICE:
                raise e.NoReader(f"the reader failed while {doing}: {exc}") from exc
            raise e.BandLost(f"lost the band while {doing}: {exc}; hold it to the reader "
                             "again") from exc
        except (NoMatch, BandLockedOut, ReleaseCancelled):
            raise
        except e.ApduError as exc:
            raise _apdu_to_session(exc, doing) from exc
        except e.ProtocolError as exc:
            raise e.SessionError(f"the band answered something unexpected while {doing}: "
                                 f"{exc}") from exc

    def close(self) -> None:
        """Forgets the emergency key, the device secret and the release; releases the band."""
        self._payload = None
        self._release = None
        self._event = None
        if self._ledger is not None:
            self._ledger.close()
            self._ledger = None
        self._device.close()


def _apdu_to_session(exc: e.ApduError, doing: str) -> e.SessionError:
    sw = exc.sw
    if sw == e.StatusWord.NOT_FOUND:
        return e.NotProvisioned("this card is not an ICEband (no ICEband application)")
    if sw == e.StatusWord.NO_FINGER:
        return e.ReleaseRefused("no finger was placed on the band in time; try again")
    if sw == e.StatusWord.SENSOR_ERROR:
        return e.ReleaseRefused("the band's fingerprint sensor is not working")
    if sw == e.StatusWord.MEMORY_FAILURE:
        return e.ReleaseRefused("the band could not save its counters; nothing was released")
    if sw == e.StatusWord.CONDITIONS_NOT_SATISFIED:
        return e.NotProvisioned(f"the band refused while {doing} ({exc})")
    return e.SessionError(f"the band refused while {doing}: {exc}")
