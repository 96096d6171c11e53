"""The break-glass release, step by step (docs/crypto.md, "Break-glass"):

1. The responder makes a request: a fresh HPKE key pair for this one access, and a BreakGlass
   body whose nonce is SHA-256(tag || that public key)[:16], so the logged entry names the only
   key the shares may go to.
2. Each authority that agrees signs the statement (`ledger_client.ledger.author.approve_break_glass`).
3. The responder appends the BreakGlass entry with the approvals; the ledger refuses it
   without a quorum of registered agencies (`BREAK_GLASS_QUORUM`).
4. Each authority releases its share only for an entry that is on the ledger (proven by an
   inclusion proof in a checkpoint signed by the pinned ledger key), that names the kit's
   patient, that carries its own valid approval, whose nonce matches the requester's key, and
   whose request (responder, nonce) it has not answered before, at whatever entry index: one
   access per request, even from a ledger that logged the same override twice. The share
   goes sealed to the requester's one-time key, bound to the entry's hash.
5. The responder opens k shares and recovers EK for this access.
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Mapping

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from ledger_client.crypto import RecipientKey, RecipientPublicKey, SigningKey, open_sealed, seal
from ledger_client.crypto.errors import CryptoError
from ledger_client.ledger.codec import break_glass_statement, encode_entry
from ledger_client.ledger.entries import BreakGlass, SignedEntry
from ledger_client.ledger.errors import BadCheckpoint, LedgerError, ProofError
from ledger_client.ledger.merkle import hash_leaf, verify_inclusion
from ledger_client.ledger.protocol import Ledger

from .kit import BreakGlassKit, combine_shares, share_info

__all__ = ["BreakGlassRefused", "BreakGlassRequest", "new_request", "AnsweredEntries",
           "release_share", "recover_emergency_key", "nonce_for"]

_NONCE_TAG = b"ICEband/v1/break-glass-requester"
_RESEAL_INFO = b"ICEband/v1/break-glass-release"


class BreakGlassRefused(Exception):
    """An authority refuses to release its share; the message says why."""


def nonce_for(requester_key: RecipientPublicKey) -> bytes:
    return hashlib.sha256(_NONCE_TAG + requester_key.to_bytes()).digest()[:16]


@dataclass(frozen=True)
class BreakGlassRequest:
    responder: bytes            # the requesting responder's Ed25519 key (the entry's author)
    body: BreakGlass            # without approvals; authorities sign its statement
    one_time_key: RecipientKey  # the shares come back sealed to its public half

    @property
    def statement(self) -> bytes:
        return break_glass_statement(self.responder, self.body)


def new_request(responder: bytes, patient: bytes, reason: str) -> BreakGlassRequest:
    key = RecipientKey.generate()
    return BreakGlassRequest(responder, BreakGlass(patient, reason, nonce_for(key.public_key())), key)


class AnsweredEntries:
    """The requests an authority already answered, one line each, appended and synced: a
    request (its responder and nonce, which names the one-time key) opens the key for one
    access only, however many ledger entries carry it. Lines are `<responder hex> <nonce hex>`;
    a file from before holds `<origin> <entry index>` lines, still honoured (`legacy_indexes`)."""

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = Path(path)

    def _lines(self) -> list[str]:
        return self.path.read_text().splitlines() if self.path.exists() else []

    @staticmethod
    def _key(responder: bytes, nonce: bytes) -> str:
        return f"{responder.hex()} {nonce.hex()}"

    def contains(self, responder: bytes, nonce: bytes) -> bool:
        return self._key(responder, nonce) in self._lines()

    def legacy_indexes(self, origin: str) -> list[int]:
        """Entry indexes answered on the ledger `origin` under the older, per-entry format."""
        found = []
        for line in self._lines():
            where, _, index = line.rpartition(" ")
            if where == origin and index.isdigit():
                found.append(int(index))
        return found

    def add(self, responder: bytes, nonce: bytes) -> None:
        with open(self.path, "a", encoding="ascii") as f:
            f.write(self._key(responder, nonce) + "\n")
            f.flush()
            os.fsync(f.fileno())


def _answered_before(answered: AnsweredEntries, ledger: Ledger, origin: str,
                     entry: SignedEntry, body: BreakGlass) -> bool:
    """True when this request (responder, nonce) was answered already, in either format."""
    if answered.contains(entry.author, body.nonce):
        return True
    for index in answered.legacy_indexes(origin):
        try:
            old = ledger.entry(index)
        except (IndexError, LedgerError):
            return True  # cannot tell which request it was: refuse rather than release twice
        if isinstance(old.body, BreakGlass) and \
                (old.author, old.body.nonce) == (entry.author, body.nonce):
            return True
    return False


def _proven_entry(ledger: Ledger, ledger_key: bytes, index: int) -> tuple[SignedEntry, str]:
    try:
        checkpoint = ledger.checkpoint()
        checkpoint.verify(ledger_key)
        if not 0 <= index < checkpoint.tree_size:
            raise BreakGlassRefused(f"entry {index} is not on the ledger")
        entry = ledger.entry(index)
        verify_inclusion(index, checkpoint.tree_size, hash_leaf(encode_entry(entry)),
                         ledger.inclusion_proof(index, checkpoint.tree_size), checkpoint.root_hash)
    except (BadCheckpoint, ProofError, IndexError) as exc:
        raise BreakGlassRefused(f"entry {index} is not proven on the ledger: {exc}") from None
    except LedgerError as exc:
        raise BreakGlassRefused(f"the ledger cannot show entry {index}: {exc}") from None
    return entry, checkpoint.origin


def release_share(kit: BreakGlassKit, *, ledger: Ledger, ledger_key: bytes, entry_index: int,
                  requester_key: RecipientPublicKey, agency_signing: SigningKey,
                  agency_recipient: RecipientKey, answered: AnsweredEntries) -> bytes:
    """One authority's share, sealed to the requester's one-time key; or `BreakGlassRefused`."""
    entry, origin = _proven_entry(ledger, ledger_key, entry_index)
    body = entry.body
    if not isinstance(body, BreakGlass):
        raise BreakGlassRefused(f"entry {entry_index} is a {entry.kind.name}, not a break-glass entry")
    if body.patient != kit.patient:
        raise BreakGlassRefused("the break-glass entry is about another patient")
    if body.nonce != nonce_for(requester_key):
        raise BreakGlassRefused("the entry does not name this requester's key")
    me = agency_signing.verify_key.to_bytes()
    mine = [a for a in body.approvals if a.agency == me]
    try:
        if not mine:
            raise InvalidSignature()
        Ed25519PublicKey.from_public_bytes(me).verify(
            mine[0].signature, break_glass_statement(entry.author, body))
    except InvalidSignature:
        raise BreakGlassRefused("this authority did not approve that entry") from None
    if _answered_before(answered, ledger, origin, entry, body):
        raise BreakGlassRefused(f"the request of entry {entry_index} (responder and nonce) was "
                                "answered already (one access per request)")
    share = kit.share_of(me)
    try:
        plain = open_sealed(share.sealed, agency_recipient,
                            info=share_info(kit.header(), me, share.index))
    except CryptoError as exc:
        raise BreakGlassRefused(f"this authority's share does not open: {exc}") from None
    answered.add(entry.author, body.nonce)
    leaf = hash_leaf(encode_entry(entry))
    return bytes([share.index]) + seal(plain, requester_key, info=_RESEAL_INFO + leaf)


def recover_emergency_key(kit: BreakGlassKit, request: BreakGlassRequest, entry: SignedEntry,
                          released: Mapping[bytes, bytes]) -> RecipientKey:
    """EK from the authorities' answers (agency -> `release_share` output)."""
    leaf = hash_leaf(encode_entry(entry))
    opened: dict[int, bytes] = {}
    for agency, answer in released.items():
        if not answer or kit.share_of(agency).index != answer[0]:
            raise CryptoError("an answer does not carry that authority's share index")
        opened[answer[0]] = open_sealed(answer[1:], request.one_time_key, info=_RESEAL_INFO + leaf)
    return combine_shares(kit, opened)
