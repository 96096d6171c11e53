"""Parse untrusted XML into an ElementTree without DTDs, entities or processing instructions.

FHIR XML never needs a DOCTYPE, and a DTD is how entity-expansion and external-entity
attacks get in, so any DOCTYPE or entity declaration is refused outright. Comments and
processing instructions are dropped (FHIR gives them no meaning).
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from xml.parsers import expat

from ledger_client.fhir.errors import InvalidRecord

__all__ = ["parse_xml"]

# expat reports a namespaced name as "uri<SEP>local"; ElementTree spells it "{uri}local".
_SEP = "\x1f"


def _qualify(name: str) -> str:
    if _SEP in name:
        uri, local = name.split(_SEP, 1)
        return "{%s}%s" % (uri, local)
    return name


class _Builder:
    """expat callbacks feeding an ElementTree TreeBuilder."""

    def __init__(self) -> None:
        self.tree = ET.TreeBuilder()

    def start(self, name: str, attrs: dict[str, str]) -> None:
        self.tree.start(_qualify(name), {_qualify(k): v for k, v in attrs.items()})

    def end(self, name: str) -> None:
        self.tree.end(_qualify(name))

    def data(self, text: str) -> None:
        self.tree.data(text)


def _refuse(what: str):  # type: ignore[no-untyped-def]
    def handler(*_args: object) -> None:
        raise InvalidRecord(f"XML with a {what} is not accepted (FHIR XML needs none)")

    return handler


def parse_xml(data: bytes) -> ET.Element:
    """Parse `data` (bytes of one XML document) and return its root element.

    Raises `InvalidRecord` for malformed XML, a DOCTYPE, or an entity declaration.
    """
    builder = _Builder()
    parser = expat.ParserCreate(namespace_separator=_SEP)
    parser.buffer_text = True
    parser.StartElementHandler = builder.start
    parser.EndElementHandler = builder.end
    parser.CharacterDataHandler = builder.data
    parser.StartDoctypeDeclHandler = _refuse("DOCTYPE")
    parser.EntityDeclHandler = _refuse("entity declaration")
    parser.ExternalEntityRefHandler = _refuse("external entity")
    try:
        parser.Parse(data, True)
    except expat.ExpatError as exc:
        raise InvalidRecord(f"invalid XML: {expat.ErrorString(exc.code)} "
                            f"at line {exc.lineno}, column {exc.offset}") from None
    except LookupError as exc:  # expat asks Python's codecs about an unknown declared encoding
        raise InvalidRecord(f"invalid XML: {exc}") from None
    root = builder.tree.close()
    return root
