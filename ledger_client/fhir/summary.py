"""The compact emergency summary stored (sealed) on the band and read offline by the app.

Layout, version 1 (docs/fhir.md has the full table):

    magic "IS" | version 0x01 | zlib stream (RFC 1950) of the body
    body   = the EmergencyView as a record
    record = TLV*, one per present value, in field order
    TLV    = tag (1 byte: field position, from 1) | length (LEB128, minimal) | value
    value  = UTF-8 text, or a nested record

Absent values are left out, a tuple field repeats its tag once per item. The decoder is
strict: one canonical spelling per view, anything else (unknown tag, wrong order, repeated
scalar, non-minimal length, bad UTF-8, trailing bytes, oversized body) is `InvalidSummary`.
"""

from __future__ import annotations

import zlib
from typing import Any

from ledger_client.fhir.errors import InvalidSummary
from ledger_client.fhir.schema import Record, field_kinds
from ledger_client.fhir.view import EmergencyView

__all__ = ["encode_summary", "decode_summary", "SUMMARY_MAGIC", "SUMMARY_VERSION", "MAX_BODY_BYTES"]

SUMMARY_MAGIC = b"IS"
SUMMARY_VERSION = 1
MAX_BODY_BYTES = 64 * 1024  # a summary is a few kB; bounds a decompression bomb
_MAX_LENGTH_BYTES = 3  # LEB128 bytes; 3 carry up to 2**21 - 1, above MAX_BODY_BYTES


def _length(n: int) -> bytes:
    out = bytearray()
    while True:
        byte, n = n & 0x7F, n >> 7
        out.append(byte | (0x80 if n else 0))
        if not n:
            return bytes(out)


def _encode_record(record: Record, out: bytearray) -> None:
    for tag, kind in enumerate(field_kinds(type(record)), start=1):
        value = getattr(record, kind.name)
        for item in value if kind.repeated else (() if value is None else (value,)):
            if kind.record is not None:
                inner = bytearray()
                _encode_record(item, inner)
                payload = bytes(inner)
            else:
                payload = item.encode("utf-8")
            out += bytes([tag]) + _length(len(payload)) + payload


def encode_summary(view: EmergencyView) -> bytes:
    """The view as compact, versioned bytes (`decode_summary` gives it back equal)."""
    if not isinstance(view, EmergencyView):
        raise TypeError("encode_summary needs an EmergencyView")
    body = bytearray()
    _encode_record(view, body)
    if len(body) > MAX_BODY_BYTES:
        raise InvalidSummary(f"view too large for a summary: {len(body)} > {MAX_BODY_BYTES} bytes")
    return SUMMARY_MAGIC + bytes([SUMMARY_VERSION]) + zlib.compress(bytes(body), 9)


def _read_length(data: bytes, pos: int) -> tuple[int, int]:
    value = shift = 0
    for i in range(_MAX_LENGTH_BYTES):
        if pos >= len(data):
            raise InvalidSummary("truncated length")
        byte = data[pos]
        pos += 1
        value |= (byte & 0x7F) << shift
        shift += 7
        if not byte & 0x80:
            if byte == 0 and i > 0:
                raise InvalidSummary("non-minimal length")
            return value, pos
    raise InvalidSummary("length too long")


def _decode_record(cls: type[Record], data: bytes) -> Record:
    kinds = field_kinds(cls)
    values: dict[str, Any] = {}
    pos, last_tag = 0, 0
    while pos < len(data):
        tag = data[pos]
        if not 1 <= tag <= len(kinds):
            raise InvalidSummary(f"{cls.__name__}: unknown tag {tag}")
        kind = kinds[tag - 1]
        if tag < last_tag or (tag == last_tag and not kind.repeated):
            raise InvalidSummary(f"{cls.__name__}: tag {tag} out of order or repeated")
        length, pos = _read_length(data, pos + 1)
        if pos + length > len(data):
            raise InvalidSummary(f"{cls.__name__}.{kind.name}: value runs past the end")
        payload, pos = data[pos : pos + length], pos + length
        if kind.record is not None:
            item: Any = _decode_record(kind.record, payload)
        else:
            try:
                item = payload.decode("utf-8")
            except UnicodeDecodeError:
                raise InvalidSummary(f"{cls.__name__}.{kind.name}: not UTF-8") from None
        if kind.repeated:
            values[kind.name] = values.get(kind.name, ()) + (item,)
        else:
            values[kind.name] = item
        last_tag = tag
    for kind in kinds:
        if kind.required and kind.name not in values:
            if not (kind.repeated or kind.optional):
                raise InvalidSummary(f"{cls.__name__}: missing {kind.name}")
            values[kind.name] = () if kind.repeated else None
    try:
        return cls(**values)
    except (TypeError, ValueError) as exc:
        raise InvalidSummary(f"invalid value: {exc}") from None


def decode_summary(data: bytes | bytearray | memoryview) -> EmergencyView:
    """Decode bytes made by `encode_summary`; raises `InvalidSummary` for anything else."""
    if not isinstance(data, (bytes, bytearray, memoryview)):
        raise InvalidSummary("a summary is bytes")
    data = bytes(data)
    if len(data) < 3 or data[:2] != SUMMARY_MAGIC:
        raise InvalidSummary("not an ICEband emergency summary (bad magic)")
    if data[2] != SUMMARY_VERSION:
        raise InvalidSummary(f"unsupported summary version {data[2]} (this reader knows {SUMMARY_VERSION})")
    inflater = zlib.decompressobj()
    try:
        body = inflater.decompress(data[3:], MAX_BODY_BYTES + 1)
    except zlib.error as exc:
        raise InvalidSummary(f"corrupt summary: {exc}") from None
    if len(body) > MAX_BODY_BYTES:
        raise InvalidSummary(f"summary body larger than {MAX_BODY_BYTES} bytes")
    if not inflater.eof:
        raise InvalidSummary("truncated summary")
    if inflater.unused_data:
        raise InvalidSummary("trailing bytes after the summary")
    view = _decode_record(EmergencyView, body)
    assert isinstance(view, EmergencyView)
    return view
