"""Typed records for the emergency view: type-checked on construction, to and from plain dicts.

The view's dataclasses use only `str`, `str | None`, `tuple[str, ...]`, nested records and
tuples of records. That small vocabulary lets one walker check types, convert to JSON-ready
dicts and back, and drive the binary summary codec (`summary.py`) from the field order.
"""

from __future__ import annotations

import dataclasses
import types
import typing
from typing import Any, ClassVar, TypeVar

from ledger_client.fhir.errors import InvalidSummary

__all__ = ["Record", "FieldKind", "field_kinds", "to_plain", "from_plain"]

R = TypeVar("R", bound="Record")


class FieldKind(typing.NamedTuple):
    """How one field is stored: `kind` is 'str', 'record'; `optional`/`repeated` as named."""

    name: str
    kind: str
    optional: bool
    repeated: bool
    record: type[Record] | None
    required: bool  # no default: must be present


_KINDS: dict[type, tuple[FieldKind, ...]] = {}


def field_kinds(cls: type[Record]) -> tuple[FieldKind, ...]:
    """The fields of a record class, in declaration order (computed once per class)."""
    if cls not in _KINDS:
        _KINDS[cls] = _field_kinds(cls)
    return _KINDS[cls]


def _field_kinds(cls: type[Record]) -> tuple[FieldKind, ...]:
    if not dataclasses.is_dataclass(cls):
        raise TypeError(f"{cls.__name__} must be a dataclass")
    hints = typing.get_type_hints(cls)
    kinds = []
    for f in dataclasses.fields(cls):
        hint = hints[f.name]
        optional = repeated = False
        if typing.get_origin(hint) in (typing.Union, types.UnionType):
            args = [a for a in typing.get_args(hint) if a is not type(None)]
            hint, optional = args[0], True
        if typing.get_origin(hint) is tuple:
            hint, repeated = typing.get_args(hint)[0], True
        is_record = isinstance(hint, type) and issubclass(hint, Record)
        if not is_record and hint is not str:
            raise TypeError(f"{cls.__name__}.{f.name}: unsupported field type {hint!r}")
        required = f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING
        kinds.append(FieldKind(f.name, "record" if is_record else "str", optional, repeated,
                               hint if is_record else None, required))
    return tuple(kinds)


def _check_value(owner: str, kind: FieldKind, value: Any) -> None:
    if kind.repeated:
        if not isinstance(value, tuple):
            raise TypeError(f"{owner}.{kind.name} must be a tuple")
        items = value
    elif value is None:
        if not kind.optional:
            raise TypeError(f"{owner}.{kind.name} is required")
        return
    else:
        items = (value,)
    for item in items:
        if kind.record is not None:
            if not isinstance(item, kind.record):
                raise TypeError(f"{owner}.{kind.name} must hold {kind.record.__name__}")
        elif not isinstance(item, str) or not item:
            raise TypeError(f"{owner}.{kind.name} must be a non-empty str")


class Record:
    """Base of the view's frozen dataclasses: checks field types and allowed values."""

    # field name -> allowed values, for coded fields (checked when not None)
    ALLOWED: ClassVar[dict[str, frozenset[str]]] = {}

    def __post_init__(self) -> None:
        owner = type(self).__name__
        for kind in field_kinds(type(self)):
            value = getattr(self, kind.name)
            _check_value(owner, kind, value)
            allowed = self.ALLOWED.get(kind.name)
            if allowed is not None and value is not None and value not in allowed:
                raise ValueError(f"{owner}.{kind.name}: {value!r} is not one of {sorted(allowed)}")


def to_plain(record: Record) -> dict[str, Any]:
    """A JSON-ready dict: tuples become lists, None fields are kept as null."""
    out: dict[str, Any] = {}
    for kind in field_kinds(type(record)):
        value = getattr(record, kind.name)
        if kind.repeated:
            out[kind.name] = [to_plain(v) if kind.record else v for v in value]
        elif kind.record is not None and value is not None:
            out[kind.name] = to_plain(value)
        else:
            out[kind.name] = value
    return out


def from_plain(cls: type[R], data: Any, where: str = "") -> R:
    """Build `cls` from a dict made by `to_plain`; raises `InvalidSummary` on any mismatch."""
    where = where or cls.__name__
    if not isinstance(data, dict):
        raise InvalidSummary(f"{where}: expected an object")
    kinds = field_kinds(cls)
    unknown = set(data) - {k.name for k in kinds}
    if unknown:
        raise InvalidSummary(f"{where}: unknown field {sorted(unknown)[0]!r}")
    values: dict[str, Any] = {}
    for kind in kinds:
        if kind.name not in data:
            if kind.required:
                raise InvalidSummary(f"{where}: missing field {kind.name!r}")
            continue
        value = data[kind.name]
        here = f"{where}.{kind.name}"
        if kind.repeated:
            if not isinstance(value, (list, tuple)):
                raise InvalidSummary(f"{here}: expected a list")
            value = tuple(from_plain(kind.record, v, here) if kind.record else v for v in value)
        elif kind.record is not None and value is not None:
            value = from_plain(kind.record, value, here)
        values[kind.name] = value
    try:
        return cls(**values)
    except (TypeError, ValueError) as exc:
        raise InvalidSummary(str(exc)) from None
