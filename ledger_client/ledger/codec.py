"""The canonical binary encoding of ledger entries, and their signatures.

    entry  = version:u8 (=1) | kind:u8 | author:32 | sequence:u32 | timestamp_ms:u64
             | body (fields of the kind's dataclass, in order) | signature:64
    signed = b"iceband.ledger.entry\\x00" | entry without its signature

Integers are big-endian. Field encodings: addresses 20 bytes, keys and hashes 32, nonces 16,
device ids u8-length + 1..32 bytes, texts u8-length + UTF-8, opaque blobs u16-length + bytes,
booleans one byte 0 or 1, approvals u8-count + (agency:32 | signature:64) each. Decoding
accepts only the one canonical encoding (no trailing bytes, no other boolean values), so
`encode_entry(decode_entry(b)) == b` for every accepted `b`. The whole encoding, signature
included, is the Merkle leaf.
"""

from __future__ import annotations

import struct
from dataclasses import fields
from functools import lru_cache
from typing import Any, Callable

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from ledger_client.ledger.checkpoint import Signer
from ledger_client.ledger.entries import (
    BODY_TYPES, Approval, Body, BreakGlass, EntryKind, SignedEntry)
from ledger_client.ledger.errors import MalformedEntry

__all__ = [
    "FORMAT_VERSION", "encode_entry", "decode_entry", "signed_message", "sign_entry",
    "verify_entry_signature", "verify_encoded_signature", "break_glass_statement",
    "BadEntrySignature",
]

FORMAT_VERSION = 1
_ENTRY_TAG = b"iceband.ledger.entry\x00"
_BREAK_GLASS_TAG = b"iceband.ledger.break-glass\x00"
_HEADER = struct.Struct(">BB32sIQ")
_U32_MAX = 2**32 - 1
_U64_MAX = 2**64 - 1


class BadEntrySignature(MalformedEntry):
    """The entry's signature does not verify with its author's key."""


def _fixed(size: int) -> tuple[Callable[[Any], bytes], Callable[[memoryview, int], tuple[Any, int]]]:
    def enc(value: Any) -> bytes:
        if not isinstance(value, bytes) or len(value) != size:
            raise MalformedEntry(f"expected {size} bytes, got {_describe(value)}")
        return value

    def dec(buf: memoryview, pos: int) -> tuple[Any, int]:
        _need(buf, pos, size)
        return bytes(buf[pos:pos + size]), pos + size
    return enc, dec


def _prefixed(width: int, low: int, high: int, text: bool = False) -> tuple[Any, Any]:
    fmt = struct.Struct(">B" if width == 1 else ">H")

    def enc(value: Any) -> bytes:
        if text:
            if not isinstance(value, str):
                raise MalformedEntry(f"expected text, got {_describe(value)}")
            value = value.encode("utf-8")
        elif not isinstance(value, bytes):
            raise MalformedEntry(f"expected bytes, got {_describe(value)}")
        if not low <= len(value) <= high:
            raise MalformedEntry(f"length {len(value)} outside {low}..{high}")
        return fmt.pack(len(value)) + value

    def dec(buf: memoryview, pos: int) -> tuple[Any, int]:
        _need(buf, pos, width)
        (length,) = fmt.unpack_from(buf, pos)
        pos += width
        if not low <= length <= high:
            raise MalformedEntry(f"length {length} outside {low}..{high}")
        _need(buf, pos, length)
        raw = bytes(buf[pos:pos + length])
        if text:
            try:
                return raw.decode("utf-8"), pos + length
            except UnicodeDecodeError:
                raise MalformedEntry("text is not UTF-8") from None
        return raw, pos + length
    return enc, dec


def _integer(fmt_char: str, maximum: int) -> tuple[Any, Any]:
    fmt = struct.Struct(">" + fmt_char)

    def enc(value: Any) -> bytes:
        if type(value) is not int or not 0 <= value <= maximum:
            raise MalformedEntry(f"expected an integer 0..{maximum}, got {_describe(value)}")
        return fmt.pack(value)

    def dec(buf: memoryview, pos: int) -> tuple[Any, int]:
        _need(buf, pos, fmt.size)
        return fmt.unpack_from(buf, pos)[0], pos + fmt.size
    return enc, dec


def _enc_bool(value: Any) -> bytes:
    if type(value) is not bool:
        raise MalformedEntry(f"expected a boolean, got {_describe(value)}")
    return b"\x01" if value else b"\x00"


def _dec_bool(buf: memoryview, pos: int) -> tuple[Any, int]:
    _need(buf, pos, 1)
    if buf[pos] > 1:
        raise MalformedEntry(f"boolean byte must be 0 or 1, got {buf[pos]}")
    return buf[pos] == 1, pos + 1


def _enc_approvals(value: Any) -> bytes:
    if not isinstance(value, tuple) or len(value) > 16:
        raise MalformedEntry("approvals must be a tuple of at most 16 Approval")
    out = [bytes([len(value)])]
    for item in value:
        if not isinstance(item, Approval):
            raise MalformedEntry(f"expected Approval, got {_describe(item)}")
        out.append(_KEY[0](item.agency) + _SIG[0](item.signature))
    return b"".join(out)


def _dec_approvals(buf: memoryview, pos: int) -> tuple[Any, int]:
    _need(buf, pos, 1)
    count, pos = buf[pos], pos + 1
    if count > 16:
        raise MalformedEntry("more than 16 approvals")
    items = []
    for _ in range(count):
        agency, pos = _KEY[1](buf, pos)
        signature, pos = _SIG[1](buf, pos)
        items.append(Approval(agency, signature))
    return tuple(items), pos


_ADDR, _KEY, _HASH, _NONCE, _SIG = _fixed(20), _fixed(32), _fixed(32), _fixed(16), _fixed(64)
_DEVICE = _prefixed(1, 1, 32)
_TEXT = _prefixed(1, 1, 255, text=True)
_BLOB = _prefixed(2, 1, 65535)
_U32, _U64 = _integer("I", _U32_MAX), _integer("Q", _U64_MAX)
_BOOL = (_enc_bool, _dec_bool)
_APPROVALS = (_enc_approvals, _dec_approvals)

# Field codecs per field name; every body field name maps to exactly one wire type.
_FIELD_CODECS: dict[str, tuple[Any, Any]] = {
    "patient": _ADDR, "hospital": _KEY, "responder": _KEY, "agency": _KEY,
    "emergency_key": _BLOB, "recipient_key": _BLOB, "sealed_pointer": _BLOB,
    "record_id": _TEXT, "name": _TEXT, "reason": _TEXT,
    "version": _U32, "release_counter": _U32, "occurred_at_ms": _U64,
    "ciphertext_sha256": _HASH, "nonce": _NONCE, "device_id": _DEVICE,
    "offline": _BOOL, "approvals": _APPROVALS,
}
_LAYOUT: dict[EntryKind, tuple[type, tuple[tuple[str, Any, Any], ...]]] = {
    kind: (cls, tuple((name, *_FIELD_CODECS[name]) for name in (f.name for f in fields(cls))))
    for kind, cls in BODY_TYPES.items()
}


def _describe(value: Any) -> str:
    if isinstance(value, (bytes, str)):
        return f"{type(value).__name__} of length {len(value)}"
    return type(value).__name__


def _need(buf: memoryview, pos: int, size: int) -> None:
    if pos + size > len(buf):
        raise MalformedEntry("entry is truncated")


def _encode_unsigned(entry: SignedEntry) -> bytes:
    kind = type(entry.body).KIND if type(entry.body) in BODY_TYPES.values() else None
    if kind is None:
        raise MalformedEntry(f"not an entry body: {_describe(entry.body)}")
    head = [bytes([FORMAT_VERSION, kind]), _KEY[0](entry.author),
            _U32[0](entry.sequence), _U64[0](entry.timestamp_ms)]
    fields = [enc(getattr(entry.body, name)) for name, enc, _ in _LAYOUT[kind][1]]
    return b"".join(head + fields)


def signed_message(entry: SignedEntry) -> bytes:
    """The bytes the author signs."""
    return _ENTRY_TAG + _encode_unsigned(entry)


def encode_entry(entry: SignedEntry) -> bytes:
    """The canonical bytes of a signed entry (raises `MalformedEntry` on out-of-range fields)."""
    return _encode_unsigned(entry) + _SIG[0](entry.signature)


def decode_entry(data: bytes) -> SignedEntry:
    """Parse canonical bytes; raise `MalformedEntry` on anything else. Signature not checked."""
    buf = memoryview(data)
    _need(buf, 0, _HEADER.size + 64)
    version, kind_byte, author, sequence, timestamp_ms = _HEADER.unpack_from(buf, 0)
    if version != FORMAT_VERSION:
        raise MalformedEntry(f"unknown entry format version {version}")
    try:
        kind = EntryKind(kind_byte)
    except ValueError:
        raise MalformedEntry(f"unknown entry kind {kind_byte}") from None
    cls, layout = _LAYOUT[kind]
    pos, values = _HEADER.size, {}
    for name, _, dec in layout:
        values[name], pos = dec(buf, pos)
    if len(buf) - pos != 64:
        raise MalformedEntry("entry has trailing bytes" if len(buf) - pos > 64
                             else "entry is truncated")
    return SignedEntry(cls(**values), author, sequence, timestamp_ms, bytes(buf[pos:]))


def sign_entry(body: Body, *, signer: Signer, author: bytes, sequence: int,
               timestamp_ms: int) -> SignedEntry:
    """Build the entry and sign it with the author's key (`signer` holds its private half)."""
    unsigned = SignedEntry(body, author, sequence, timestamp_ms, b"")
    return SignedEntry(body, author, sequence, timestamp_ms, signer.sign(signed_message(unsigned)))


@lru_cache(maxsize=8192)
def _author_key(author: bytes) -> Ed25519PublicKey:
    return Ed25519PublicKey.from_public_bytes(author)


def verify_entry_signature(entry: SignedEntry) -> None:
    """Raise `BadEntrySignature` unless the author's key signed the entry."""
    try:
        _author_key(entry.author).verify(entry.signature, signed_message(entry))
    except (InvalidSignature, ValueError):
        raise BadEntrySignature("signature does not verify with the author's key") from None


def verify_encoded_signature(data: bytes) -> None:
    """`verify_entry_signature` straight from canonical bytes (no re-encoding): the author is
    bytes 2..34, the signature the last 64 bytes, the signed message the tag and the rest."""
    if len(data) < _HEADER.size + 64:
        raise MalformedEntry("entry is truncated")
    try:
        _author_key(bytes(data[2:34])).verify(bytes(data[-64:]), _ENTRY_TAG + bytes(data[:-64]))
    except (InvalidSignature, ValueError):
        raise BadEntrySignature("signature does not verify with the author's key") from None


def break_glass_statement(responder: bytes, body: BreakGlass) -> bytes:
    """What each approving agency signs for a break-glass entry."""
    return (_BREAK_GLASS_TAG + _KEY[0](responder) + _ADDR[0](body.patient)
            + _NONCE[0](body.nonce) + _TEXT[0](body.reason))
