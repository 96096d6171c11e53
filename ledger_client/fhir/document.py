"""Load a FHIR R4 International Patient Summary (JSON or XML) and check that it is one.

`load_ips` accepts the document's bytes, its text, or a path. It validates the whole Bundle
with the `fhir.resources` R4B models (which read R4 IPS), then checks the IPS shape: a
`document` Bundle whose first entry is a Composition typed LOINC 60591-5 whose subject is a
Patient in the Bundle. Anything else raises `InvalidRecord` with a one-line message.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any, Literal

import fhir.resources.R4B as r4b
from fhir.resources.R4B.bundle import Bundle
from fhir.resources.R4B.composition import Composition
from fhir.resources.R4B.patient import Patient
from fhir.resources.R4B.resource import Resource
from pydantic import ValidationError

from ledger_client.fhir.errors import InvalidRecord
from ledger_client.fhir.safe_xml import parse_xml
from ledger_client.fhir.xml_to_json import xml_to_json

__all__ = ["IpsDocument", "load_ips", "IPS_LOINC", "LOINC", "MAX_DOCUMENT_BYTES"]

LOINC = "http://loinc.org"
IPS_LOINC = "60591-5"  # "Patient summary Document"
MAX_DOCUMENT_BYTES = 16 * 1024 * 1024  # an IPS is tens of kB; refuse anything absurd early


@dataclass(frozen=True)
class IpsDocument:
    """A validated IPS Bundle, with reference resolution inside the Bundle."""

    bundle: Bundle
    source_format: Literal["json", "xml"]
    _by_url: dict[str, Resource] = field(repr=False, compare=False)
    _by_type_id: dict[str, Resource] = field(repr=False, compare=False)

    @property
    def composition(self) -> Composition:
        assert self.bundle.entry  # load_ips checked it
        resource = self.bundle.entry[0].resource
        assert isinstance(resource, Composition)
        return resource

    @property
    def patient(self) -> Patient:
        subject = self.composition.subject
        patient = self.resolve(subject.reference if subject else None)
        assert isinstance(patient, Patient)  # load_ips checked it
        return patient

    def resources(self) -> list[Resource]:
        """Every resource in the Bundle, in entry order."""
        return [entry.resource for entry in self.bundle.entry or () if entry.resource is not None]

    def resolve(self, reference: str | None, within: Resource | None = None) -> Resource | None:
        """The resource a reference points to: `#id` in `within`'s contained resources,
        an entry's fullUrl, or a relative `Type/id`. None when it is not in the Bundle."""
        if not reference:
            return None
        if reference.startswith("#"):
            for contained in getattr(within, "contained", None) or ():
                if contained.id == reference[1:]:
                    return contained
            return None
        if reference in self._by_url:
            return self._by_url[reference]
        return self._by_type_id.get(reference)

    def to_json(self) -> str:
        """The document as FHIR JSON (the form an XML source converts to)."""
        return self.bundle.model_dump_json(exclude_none=True)


def _read(source: bytes | str | Path) -> bytes:
    if isinstance(source, (bytes, bytearray, memoryview)):
        return bytes(source)
    if isinstance(source, str) and source.lstrip("\ufeff \t\r\n")[:1] in ("{", "<"):
        return source.encode("utf-8")
    path = Path(source)
    try:
        if path.stat().st_size > MAX_DOCUMENT_BYTES:
            raise InvalidRecord(f"{path}: larger than {MAX_DOCUMENT_BYTES} bytes")
        return path.read_bytes()
    except OSError as exc:
        raise InvalidRecord(f"cannot read {path}: {exc.strerror or exc}") from None


def _no_duplicate_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in pairs:
        if key in out:
            raise InvalidRecord(f"invalid JSON: duplicate key {key!r}")
        out[key] = value
    return out


def _no_constant(name: str) -> Any:
    raise InvalidRecord(f"invalid JSON: {name} is not a JSON number")


def _parse(data: bytes) -> tuple[dict[str, Any], Literal["json", "xml"]]:
    if len(data) > MAX_DOCUMENT_BYTES:
        raise InvalidRecord(f"document larger than {MAX_DOCUMENT_BYTES} bytes")
    head = data.lstrip(b"\xef\xbb\xbf \t\r\n")[:1]
    if head == b"<":
        return xml_to_json(parse_xml(data)), "xml"
    if head != b"{":
        raise InvalidRecord("not a FHIR document: expected JSON ('{') or XML ('<')")
    try:
        text = data.decode("utf-8-sig")
        parsed = json.loads(text, parse_float=Decimal, parse_constant=_no_constant,
                            object_pairs_hook=_no_duplicate_keys)
    except UnicodeDecodeError:
        raise InvalidRecord("invalid JSON: not UTF-8") from None
    except json.JSONDecodeError as exc:
        raise InvalidRecord(f"invalid JSON: {exc.msg} at line {exc.lineno}, column {exc.colno}") from None
    except RecursionError:
        raise InvalidRecord("invalid JSON: nested too deeply") from None
    if not isinstance(parsed, dict):
        raise InvalidRecord("not a FHIR resource: the JSON is not an object")
    return parsed, "json"


def _validation_message(exc: ValidationError) -> str:
    first = exc.errors()[0]
    where = ".".join(str(part) for part in first["loc"]) or "Bundle"
    more = exc.error_count() - 1
    return f"not valid FHIR R4: {where}: {first['msg']}" + (f" (and {more} more)" if more else "")


def _check_resource_types(node: Any, depth: int = 0) -> None:
    """Name an unknown resourceType clearly (the models would fail on it with a bare KeyError)."""
    if depth > 100:
        raise InvalidRecord("not valid FHIR R4: nested too deeply")
    if isinstance(node, list):
        for item in node:
            _check_resource_types(item, depth + 1)
    elif isinstance(node, dict):
        kind = node.get("resourceType")
        if kind is not None:
            try:
                known = isinstance(kind, str) and issubclass(r4b.get_fhir_model_class(kind), Resource)
            except ValueError:
                known = False
            if not known:
                raise InvalidRecord(f"not valid FHIR R4: unknown resourceType {str(kind)[:60]!r}")
        for value in node.values():
            _check_resource_types(value, depth + 1)


def _is_ips_type(composition: Composition) -> bool:
    codings = composition.type.coding if composition.type else None
    return any(c.system == LOINC and c.code == IPS_LOINC for c in codings or ())


def load_ips(source: bytes | str | Path) -> IpsDocument:
    """Load and validate an IPS document.

    `source` is the document's bytes, its text (a str starting with `{` or `<`), or a path
    (a `Path`, or any other str). Raises `InvalidRecord` if it is not a FHIR R4 IPS document.
    """
    data, source_format = _parse(_read(source))
    resource_type = data.get("resourceType")
    if not isinstance(resource_type, str):
        raise InvalidRecord("not a FHIR resource: no resourceType")
    if resource_type != "Bundle":
        raise InvalidRecord(f"not an IPS document: a {resource_type} resource, not a Bundle")
    if data.get("type") != "document":
        raise InvalidRecord(f"not an IPS document: Bundle type is {data.get('type')!r}, not 'document'")
    _check_resource_types(data)
    try:
        bundle = Bundle.model_validate(data)
    except ValidationError as exc:
        raise InvalidRecord(_validation_message(exc)) from None
    except RecursionError:
        raise InvalidRecord("not valid FHIR R4: nested too deeply") from None
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        # The models raise these on some malformed input; it is still the input's fault.
        raise InvalidRecord(f"not valid FHIR R4: {type(exc).__name__}: {exc}") from None
    entries = bundle.entry or []
    if not entries or not isinstance(entries[0].resource, Composition):
        raise InvalidRecord("not an IPS document: the first Bundle entry is not a Composition")
    if not _is_ips_type(entries[0].resource):
        raise InvalidRecord(f"not an IPS document: Composition.type is not LOINC {IPS_LOINC}")
    by_url: dict[str, Resource] = {}
    by_type_id: dict[str, Resource] = {}
    for entry in entries:
        if entry.resource is None:
            continue
        if entry.fullUrl:
            by_url[entry.fullUrl] = entry.resource
        if entry.resource.id:
            by_type_id.setdefault(f"{entry.resource.get_resource_type()}/{entry.resource.id}", entry.resource)
    doc = IpsDocument(bundle, source_format, by_url, by_type_id)
    subject = entries[0].resource.subject
    if not isinstance(doc.resolve(subject.reference if subject else None), Patient):
        raise InvalidRecord("not an IPS document: Composition.subject is not a Patient in the Bundle")
    return doc
