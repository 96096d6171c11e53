"""The break-glass kit: the patient's emergency key (EK) recoverable by any k of n authorities.

Made at provisioning by whoever holds EK (the patient's device, or the hospital that
provisions the band). A random 256-bit key K wraps EK with AES-256-GCM; K is split with
Shamir's scheme (pycryptodome's `Crypto.Protocol.SecretSharing.Shamir`, which shares 16-byte
secrets: the two halves of K are split with the same k, n and share indexes) and each
authority's pair of shares is sealed (HPKE) to that authority's recipient key. No single
authority, and no k-1 of them, learns anything about K or EK. Byte format in docs/crypto.md,
"Break-glass".

    kit    = "IBgk" | 01 | k:u8 | n:u8 | patient:20 | nonce:12 | u16-len wrapped EK
             | n x (agency:32 | index:u8 | u16-len sealed share)
    AAD    = the kit's first 27 bytes (magic .. patient) for the wrapped EK
    share  = half1-share:16 | half2-share:16, sealed with info = INFO | header | agency | index
"""

from __future__ import annotations

import os
import struct
from dataclasses import dataclass
from typing import Any, Sequence

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from ledger_client.crypto import MalformedBlob, RecipientKey, RecipientPublicKey, seal
from ledger_client.crypto._reader import Reader
from ledger_client.crypto.errors import CryptoError, DecryptError

__all__ = ["KitShare", "BreakGlassKit", "make_kit", "share_info", "combine_shares", "MAX_AUTHORITIES"]

_MAGIC = b"IBgk"
_VERSION = 1
_SHARE_INFO = b"ICEband/v1/break-glass-share"
MAX_AUTHORITIES = 16  # the ledger's approval list holds at most 16


def _shamir() -> Any:
    try:
        from Crypto.Protocol.SecretSharing import Shamir
    except ImportError:  # pragma: no cover - pycryptodome ships with the evm extra today
        raise CryptoError("break-glass needs pycryptodome (pip install pycryptodome)") from None
    return Shamir


@dataclass(frozen=True)
class KitShare:
    agency: bytes        # the authority's Ed25519 key (as on the ledger's approvals)
    index: int           # Shamir x coordinate, 1..n
    sealed: bytes        # HPKE-sealed 32 bytes: this authority's share of each half of K


@dataclass(frozen=True)
class BreakGlassKit:
    k: int
    patient: bytes
    nonce: bytes
    wrapped_key: bytes
    shares: tuple[KitShare, ...]

    def header(self) -> bytes:
        return _MAGIC + bytes([_VERSION, self.k, len(self.shares)]) + self.patient

    def to_bytes(self) -> bytes:
        out = [self.header(), self.nonce, struct.pack(">H", len(self.wrapped_key)), self.wrapped_key]
        for share in self.shares:
            out += [share.agency, bytes([share.index]), struct.pack(">H", len(share.sealed)),
                    share.sealed]
        return b"".join(out)

    @classmethod
    def from_bytes(cls, data: bytes) -> "BreakGlassKit":
        """Parse; `MalformedBlob` on anything but a well-formed kit."""
        r = Reader(bytes(data), "break-glass kit")
        if r.take(4, "magic") != _MAGIC or r.byte("version") != _VERSION:
            raise MalformedBlob("not an ICEband break-glass kit (v1)")
        k, n = r.byte("k"), r.byte("n")
        if not 2 <= k <= n <= MAX_AUTHORITIES:
            raise MalformedBlob(f"quorum {k} of {n} is not 2 <= k <= n <= {MAX_AUTHORITIES}")
        patient, nonce = r.take(20, "patient"), r.take(12, "nonce")
        wrapped = r.take(r.uint(2, "wrapped key length"), "wrapped key")
        shares = []
        for _ in range(n):
            agency, index = r.take(32, "agency"), r.byte("index")
            shares.append(KitShare(agency, index, r.take(r.uint(2, "share length"), "share")))
        if r.remaining:
            raise MalformedBlob("break-glass kit has trailing bytes")
        if len({s.agency for s in shares}) != n or sorted(s.index for s in shares) != list(range(1, n + 1)):
            raise MalformedBlob("break-glass kit repeats an authority or a share index")
        return cls(k, patient, nonce, wrapped, tuple(shares))

    def share_of(self, agency: bytes) -> KitShare:
        for share in self.shares:
            if share.agency == agency:
                return share
        raise DecryptError("this authority holds no share of this kit")

    def unwrap(self, key: bytes) -> RecipientKey:
        try:
            secret = AESGCM(key).decrypt(self.nonce, self.wrapped_key, self.header())
        except (InvalidTag, ValueError):
            raise DecryptError("the shares do not recover this kit's key") from None
        return RecipientKey.from_bytes(secret)


def share_info(header: bytes, agency: bytes, index: int) -> bytes:
    return _SHARE_INFO + header + agency + bytes([index])


def make_kit(emergency_key: RecipientKey, patient: bytes,
             authorities: Sequence[tuple[bytes, RecipientPublicKey]], k: int) -> BreakGlassKit:
    """Split EK for `authorities` (Ed25519 key, HPKE recipient key) so any `k` recover it."""
    n = len(authorities)
    if len(patient) != 20:
        raise ValueError("patient is a 20-byte ledger address")
    if not 2 <= k <= n <= MAX_AUTHORITIES or len({a for a, _ in authorities}) != n:
        raise ValueError(f"need 2 <= k <= n <= {MAX_AUTHORITIES} distinct authorities")
    key, nonce = AESGCM.generate_key(bit_length=256), os.urandom(12)
    shamir = _shamir()
    halves = [shamir.split(k, n, key[:16]), shamir.split(k, n, key[16:])]
    draft = BreakGlassKit(k, patient, nonce, b"", tuple(KitShare(a, 0, b"") for a, _ in authorities))
    wrapped = AESGCM(key).encrypt(nonce, emergency_key.to_bytes(), draft.header())
    shares = []
    for i, (agency, recipient) in enumerate(authorities):
        (x1, s1), (x2, s2) = halves[0][i], halves[1][i]
        assert x1 == x2 == i + 1
        sealed = seal(s1 + s2, recipient, info=share_info(draft.header(), agency, x1))
        shares.append(KitShare(agency, x1, sealed))
    return BreakGlassKit(k, patient, nonce, wrapped, tuple(shares))


def combine_shares(kit: BreakGlassKit, shares: dict[int, bytes]) -> RecipientKey:
    """EK from at least k opened shares (index -> 32 bytes)."""
    if len(shares) < kit.k:
        raise DecryptError(f"{len(shares)} shares, {kit.k} needed")
    if any(len(v) != 32 for v in shares.values()):
        raise MalformedBlob("a share is 32 bytes")
    shamir = _shamir()
    picked = sorted(shares.items())[:kit.k]
    key = (shamir.combine([(i, v[:16]) for i, v in picked])
           + shamir.combine([(i, v[16:]) for i, v in picked]))
    return kit.unwrap(key)
