"""FHIR XML to FHIR JSON, driven by the `fhir.resources` R4B models' field definitions.

This follows the spec's mapping between the two formats (hl7.org/fhir/R4/json.html):
a primitive's `value` attribute becomes the JSON value (typed by the field's FHIR type),
its `id`/`extension` go to the `_name` sibling, repeating elements become arrays (with
`null` placeholders in parallel `_name` arrays), a resource container holds one resource
element named after its type, `Extension.url` is an attribute, and the XHTML narrative
`div` becomes its serialized XHTML string, kept whole. The models then validate the result.

fhir.resources' own XML reader is not used: it mistakes a prefixed `<xhtml:div>` for a FHIR
element (it looks at the default namespace, not the element's) and fails on `thead`.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from decimal import Decimal
from functools import lru_cache
from typing import Any
from xml.sax.saxutils import escape, quoteattr

import fhir.resources.R4B as r4b
from fhir.resources.R4B.resource import Resource
from fhir_core.constraints import FHIR_TYPES_MAPS
from fhir_core.utils import (
    determine_version_prefix_from_class,
    get_args,
    get_fhir_type_name,
    import_string,
    is_list_type,
    is_primitive_type,
)
from pydantic.fields import FieldInfo

from ledger_client.fhir.errors import InvalidRecord

__all__ = ["xml_to_json", "FHIR_NS", "XHTML_NS"]

FHIR_NS = "http://hl7.org/fhir"
XHTML_NS = "http://www.w3.org/1999/xhtml"
_XML_NS = "http://www.w3.org/XML/1998/namespace"
_SCHEMA_LOCATION = "{http://www.w3.org/2001/XMLSchema-instance}schemaLocation"
_MAX_DEPTH = 64  # far deeper than any real resource; stops stack exhaustion
_INTEGER_TYPES = frozenset({"integer", "positiveInt", "unsignedInt"})
_INTEGER = re.compile(r"0|[-+]?[1-9][0-9]{0,9}")
_DECIMAL = re.compile(r"-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?")


def _split(tag: str) -> tuple[str, str]:
    if tag.startswith("{"):
        uri, local = tag[1:].split("}", 1)
        return uri, local
    return "", tag


class _Field:
    """What the converter needs to know about one element of a model."""

    __slots__ = ("name", "is_list", "fhir_type", "element_class")

    def __init__(self, name: str, info: FieldInfo, prefix: str) -> None:
        self.name = name
        self.is_list = is_list_type(info)
        self.element_class: type | None = None
        if is_primitive_type(info):
            self.fhir_type = get_fhir_type_name(info, prefix=prefix)
        else:
            self.element_class = _type_class(info.annotation, prefix)
            self.fhir_type = "Resource" if self.element_class is Resource else "complex"


def _type_class(annotation: Any, prefix: str) -> type | None:
    """The model class named by a field annotation such as Optional[List[abc.CodingType]]."""
    name = getattr(annotation, "__name__", None)
    if name and f"{prefix}{name}" in FHIR_TYPES_MAPS:
        cls: type = import_string(FHIR_TYPES_MAPS[f"{prefix}{name}"])
        return cls
    for arg in get_args(annotation):
        found = _type_class(arg, prefix)
        if found is not None:
            return found
    return None


@lru_cache(maxsize=None)
def _fields_of(cls: type) -> dict[str, _Field]:
    prefix = determine_version_prefix_from_class(cls)
    aliases = cls.get_alias_mapping()  # type: ignore[attr-defined]
    fields: dict[str, _Field] = {}
    for element in cls.elements_sequence():  # type: ignore[attr-defined]
        info = cls.model_fields[aliases[element]]  # type: ignore[attr-defined]
        fields[element] = _Field(element, info, prefix)
    return fields


def _primitive(raw: str, fhir_type: str, where: str) -> Any:
    if fhir_type == "boolean":
        if raw not in ("true", "false"):
            raise InvalidRecord(f"{where}: boolean must be 'true' or 'false', not {raw!r}")
        return raw == "true"
    if fhir_type in _INTEGER_TYPES:
        # The spec's lexical forms; Python's int()/Decimal() would also take " 1_0", "NaN".
        if not _INTEGER.fullmatch(raw):
            raise InvalidRecord(f"{where}: not an integer: {raw[:40]!r}")
        return int(raw)
    if fhir_type == "decimal":
        if not _DECIMAL.fullmatch(raw):
            raise InvalidRecord(f"{where}: not a decimal: {raw[:40]!r}")
        return Decimal(raw)
    return raw


def _xhtml_string(div: ET.Element, where: str) -> str:
    if div.tag != "{%s}div" % XHTML_NS:
        raise InvalidRecord(f"{where}: narrative must be an XHTML <div>")
    parts: list[str] = []
    _write_xhtml(div, parts, where, top=True)
    return "".join(parts)


def _write_xhtml(elem: ET.Element, parts: list[str], where: str, top: bool = False) -> None:
    """Serialize XHTML with the namespace as the default (no prefix), as FHIR JSON wants it."""
    uri, name = _split(elem.tag)
    if uri != XHTML_NS:
        raise InvalidRecord(f"{where}: narrative holds a non-XHTML element <{name}>")
    parts.append("<" + name)
    if top:
        parts.append(' xmlns="%s"' % XHTML_NS)
    for key, value in elem.attrib.items():
        key_uri, key_name = _split(key)
        if key_uri == _XML_NS:
            key_name = "xml:" + key_name
        elif key_uri:
            raise InvalidRecord(f"{where}: narrative attribute {key_name!r} in a foreign namespace")
        parts.append(" %s=%s" % (key_name, quoteattr(value)))
    parts.append(">")
    parts.append(escape(elem.text or ""))
    for child in elem:
        _write_xhtml(child, parts, where)
        parts.append(escape(child.tail or ""))
    parts.append("</%s>" % name)


class _Converter:
    def __init__(self) -> None:
        self.depth = 0

    def resource(self, elem: ET.Element, where: str) -> dict[str, Any]:
        uri, name = _split(elem.tag)
        if uri != FHIR_NS:
            raise InvalidRecord(f"{where}: <{name}> is not in the FHIR namespace {FHIR_NS}")
        try:
            cls = r4b.get_fhir_model_class(name)
        except ValueError:
            raise InvalidRecord(f"{where}: unknown FHIR resource type {name!r}") from None
        if not issubclass(cls, Resource):
            raise InvalidRecord(f"{where}: <{name}> is a FHIR data type, not a resource")
        out: dict[str, Any] = {"resourceType": name}
        self._fill(elem, cls, out, name)
        return out

    def _fill(self, elem: ET.Element, cls: type, out: dict[str, Any], where: str) -> None:
        self.depth += 1
        if self.depth > _MAX_DEPTH:
            raise InvalidRecord(f"{where}: elements nested too deeply")
        self._attributes(elem, cls, out, where)
        fields = _fields_of(cls)
        for child in elem:
            if child.tail and child.tail.strip():
                raise InvalidRecord(f"{where}: unexpected text {child.tail.strip()[:40]!r}")
            uri, name = _split(child.tag)
            field = fields.get(name)
            here = f"{where}.{name}"
            if field is None or uri not in (FHIR_NS, XHTML_NS) or (uri == XHTML_NS) != (field.fhir_type == "xhtml"):
                raise InvalidRecord(f"{where}: unexpected element <{name}>")
            if field.fhir_type == "xhtml":
                self._put(out, field, _xhtml_string(child, here), None, here)
            elif field.element_class is None:
                self._primitive(child, field, out, here)
            else:
                self._check_no_text(child, here)
                if field.fhir_type == "Resource":
                    inner = list(child)
                    if len(inner) != 1:
                        raise InvalidRecord(f"{here}: must hold exactly one resource")
                    value: dict[str, Any] = self.resource(inner[0], here)
                else:
                    value = {}
                    self._fill(child, field.element_class, value, here)
                self._put(out, field, value, None, here)
        self.depth -= 1

    def _attributes(self, elem: ET.Element, cls: type, out: dict[str, Any], where: str) -> None:
        for key, value in elem.attrib.items():
            if key == "id" or (key == "url" and cls.__name__ == "Extension"):
                out[key] = value
            elif key == _SCHEMA_LOCATION:
                continue  # a hint for XSD validators, common in FHIR XML; no content
            else:
                raise InvalidRecord(f"{where}: unexpected attribute {key!r}")
        self._check_no_text(elem, where)

    @staticmethod
    def _check_no_text(elem: ET.Element, where: str) -> None:
        if elem.text and elem.text.strip():
            raise InvalidRecord(f"{where}: unexpected text {elem.text.strip()[:40]!r}")

    def _primitive(self, child: ET.Element, field: _Field, out: dict[str, Any], where: str) -> None:
        value = None
        extra: dict[str, Any] = {}
        for key, raw in child.attrib.items():
            if key == "value":
                value = _primitive(raw, field.fhir_type, where)
            elif key == "id":
                extra["id"] = raw
            else:
                raise InvalidRecord(f"{where}: unexpected attribute {key!r}")
        self._check_no_text(child, where)
        for ext in child:
            if ext.tag != "{%s}extension" % FHIR_NS:
                raise InvalidRecord(f"{where}: a primitive may hold only extensions")
            item: dict[str, Any] = {}
            self._fill(ext, r4b.get_fhir_model_class("Extension"), item, f"{where}.extension")
            extra.setdefault("extension", []).append(item)
        if value is None and not extra:
            raise InvalidRecord(f"{where}: element has neither a value nor extensions")
        self._put(out, field, value, extra or None, where)

    @staticmethod
    def _put(out: dict[str, Any], field: _Field, value: Any, extra: dict[str, Any] | None, where: str) -> None:
        name, underscored = field.name, "_" + field.name
        if not field.is_list:
            if name in out or underscored in out:
                raise InvalidRecord(f"{where}: element may not repeat")
            if value is not None:
                out[name] = value
            if extra is not None:
                out[underscored] = extra
            return
        values = out.setdefault(name, [])
        values.append(value)
        if extra is not None or underscored in out:
            extras = out.setdefault(underscored, [None] * (len(values) - 1))
            extras.append(extra)


def xml_to_json(root: ET.Element) -> dict[str, Any]:
    """Convert a parsed FHIR XML resource into its FHIR JSON form (a dict)."""
    return _Converter().resource(root, "XML")
