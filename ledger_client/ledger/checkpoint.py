"""Signed checkpoints: the ledger's signature over (tree size, root hash, time).

The text form follows the C2SP `tlog-checkpoint` / `signed-note` formats so that tools that
read transparency-log checkpoints can read ours::

    iceband.ledger/3f1a2b...          <- origin: names the log (and its key)
    1024                              <- tree size
    q6jBQ2ZTQ9Q0y2y6cJq8Yw...=        <- base64 root hash
    1764082800000                     <- extension line: timestamp, ms since epoch
                                      <- blank line ends the signed body
    — iceband.ledger/3f1a2b... AAAAAbase64(key id || Ed25519 signature)

The key id is the first 4 bytes of SHA-256(origin || "\\n" || 0x01 || public key), as signed
notes define it for Ed25519. A verifier needs only the ledger's public key: offline.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
from dataclasses import dataclass
from typing import Protocol

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from ledger_client.ledger.errors import BadCheckpoint

__all__ = ["Checkpoint", "Signer", "sign_checkpoint", "key_id", "origin_for"]

_ED25519_ALG = b"\x01"
_DASH = "\u2014"


class Signer(Protocol):
    """Anything that signs with Ed25519 (e.g. `ledger_client.crypto.SigningKey`)."""

    def sign(self, message: bytes) -> bytes: ...


def origin_for(public_key: bytes) -> str:
    """The log's name: fixed prefix plus a short hash of its key (unique per ledger)."""
    return "iceband.ledger/" + hashlib.sha256(public_key).hexdigest()[:16]


def key_id(origin: str, public_key: bytes) -> bytes:
    return hashlib.sha256(origin.encode() + b"\n" + _ED25519_ALG + public_key).digest()[:4]


@dataclass(frozen=True)
class Checkpoint:
    origin: str
    tree_size: int
    root_hash: bytes
    timestamp_ms: int
    signature: bytes

    def body(self) -> bytes:
        """The signed bytes."""
        return (f"{self.origin}\n{self.tree_size}\n"
                f"{base64.b64encode(self.root_hash).decode()}\n{self.timestamp_ms}\n").encode()

    def verify(self, public_key: bytes) -> None:
        """Raise `BadCheckpoint` unless the ledger key `public_key` signed this checkpoint."""
        if self.origin != origin_for(public_key):
            raise BadCheckpoint(f"checkpoint is for log {self.origin}, not {origin_for(public_key)}")
        try:
            Ed25519PublicKey.from_public_bytes(public_key).verify(self.signature, self.body())
        except (InvalidSignature, ValueError):
            raise BadCheckpoint("checkpoint signature does not verify with the ledger key") from None

    def to_text(self, public_key: bytes) -> str:
        sig = base64.b64encode(key_id(self.origin, public_key) + self.signature).decode()
        return self.body().decode() + f"\n{_DASH} {self.origin} {sig}\n"

    @classmethod
    def from_text(cls, text: str) -> "Checkpoint":
        """Parse the text form. The signature is not checked here: call `verify`."""
        body, sep, sig_block = text.partition("\n\n")
        lines = body.split("\n")
        if not sep or len(lines) != 4:
            raise BadCheckpoint("checkpoint text: expected 4 body lines and a signature line")
        origin, size_text, root_text, time_text = lines
        sig_line = sig_block.strip("\n").split("\n")[0].split(" ")
        if len(sig_line) != 3 or sig_line[0] != _DASH or sig_line[1] != origin:
            raise BadCheckpoint("checkpoint text: bad signature line")
        if not all(t.isascii() and t.isdigit() for t in (size_text, time_text)):
            raise BadCheckpoint("checkpoint text: tree size and timestamp must be decimal")
        try:
            root = base64.b64decode(root_text, validate=True)
            sig = base64.b64decode(sig_line[2], validate=True)
        except (binascii.Error, ValueError):  # ValueError: non-ASCII text
            raise BadCheckpoint("checkpoint text: bad base64") from None
        if len(root) != 32 or len(sig) != 4 + 64:
            raise BadCheckpoint("checkpoint text: root must be 32 bytes, signature 4+64")
        return cls(origin, int(size_text), root, int(time_text), sig[4:])


def sign_checkpoint(signer: Signer, public_key: bytes, tree_size: int, root_hash: bytes,
                    timestamp_ms: int) -> Checkpoint:
    unsigned = Checkpoint(origin_for(public_key), tree_size, root_hash, timestamp_ms, b"")
    return Checkpoint(unsigned.origin, tree_size, root_hash, timestamp_ms,
                      signer.sign(unsigned.body()))
