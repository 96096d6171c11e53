"""Terminology the emergency view needs: codes it recognises and how it turns FHIR values into text."""

from __future__ import annotations

import datetime
import re
from decimal import Decimal
from typing import Any

from ledger_client.fhir.errors import InvalidRecord
from ledger_client.fhir.safe_xml import parse_xml

__all__ = [
    "SNOMED",
    "LOINC",
    "SECTION_LOINC",
    "BLOOD_GROUP_LOINC",
    "concept_text",
    "absent_statement",
    "relationship_text",
    "human_name",
    "fhir_str",
    "quantity_text",
    "narrative_text",
]

SNOMED = "http://snomed.info/sct"
LOINC = "http://loinc.org"
IPS_ABSENT = "http://hl7.org/fhir/uv/ips/CodeSystem/absent-unknown-uv-ips"

# IPS Composition.section codes (LOINC) for the sections the view reads.
SECTION_LOINC = {
    "allergies": "48765-2",
    "problems": "11450-4",
    "medications": "10160-0",
    "advance_directives": "42348-3",
    "devices": "46264-8",
}

# LOINC observation codes that carry a blood group.
BLOOD_GROUP_LOINC = {
    "882-1": "ABO and Rh group",
    "883-9": "ABO group",
    "10331-7": "Rh type",
}

# Codes that state an absence ("no known ...") rather than a finding.
_ABSENT_SNOMED = {
    "716186003": "No known allergy",
    "409137002": "No known drug allergy",
    "429625007": "No known food allergy",
    "428607008": "No known environmental allergy",
    "160245001": "No current problems or disability",
}

# Display words for relationship codes without a display (v3 RoleCode, v2 table 0131).
_RELATIONSHIP = {
    "MTH": "mother", "FTH": "father", "PRN": "parent", "SPS": "spouse", "HUSB": "husband",
    "WIFE": "wife", "DOMPART": "domestic partner", "SON": "son", "DAU": "daughter",
    "CHILD": "child", "SIB": "sibling", "BRO": "brother", "SIS": "sister", "FRND": "friend",
    "FAMMEMB": "family member", "NBOR": "neighbor", "GRMTH": "grandmother",
    "GRFTH": "grandfather", "GRPRN": "grandparent", "GUARD": "guardian", "ONESELF": "self",
    "C": "emergency contact", "E": "employer", "N": "next-of-kin", "O": "other", "U": "unknown",
}

# The semantic tag ends a SNOMED fully specified name: "Penicillin (substance)".
_SNOMED_TAG = re.compile(
    r"\s+\((substance|finding|disorder|situation|product|medicinal product|procedure|"
    r"physical object|observable entity|qualifier value|body structure|clinical drug)\)$"
)


def fhir_str(value: Any) -> str | None:
    """A FHIR primitive as text: dates in ISO form, decimals without exponent."""
    if value is None:
        return None
    if isinstance(value, (datetime.date, datetime.datetime, datetime.time)):
        return value.isoformat()
    if isinstance(value, Decimal):
        return format(value.normalize(), "f")
    text = str(value).strip()
    return text or None


def _coding_text(coding: Any) -> str | None:
    display = fhir_str(coding.display)
    if display and coding.system == SNOMED:
        display = _SNOMED_TAG.sub("", display)
    return display


def concept_text(concept: Any) -> str | None:
    """The text of a CodeableConcept: its text, else the first display, else the first code."""
    if concept is None:
        return None
    if fhir_str(concept.text):
        return fhir_str(concept.text)
    for coding in concept.coding or ():
        if _coding_text(coding):
            return _coding_text(coding)
    for coding in concept.coding or ():
        if fhir_str(coding.code):
            return fhir_str(coding.code)
    return None


def absent_statement(concept: Any) -> str | None:
    """If the concept says "no known X" (SNOMED or the IPS absent/unknown codes), that text."""
    for coding in getattr(concept, "coding", None) or ():
        if coding.system == SNOMED and coding.code in _ABSENT_SNOMED:
            return _coding_text(coding) or _ABSENT_SNOMED[coding.code]
        if coding.system == IPS_ABSENT and coding.code:
            return fhir_str(coding.display) or coding.code.replace("-", " ").capitalize()
    return None


def relationship_text(concepts: Any) -> str | None:
    words: list[str] = []
    for concept in concepts or ():
        if fhir_str(concept.text):
            words.append(concept.text)
            continue
        for coding in concept.coding or ():
            word = fhir_str(coding.display) or _RELATIONSHIP.get(coding.code or "", coding.code)
            if word and word not in words:
                words.append(word)
    return ", ".join(words) or None


def human_name(names: Any) -> str | None:
    """The best name of a list (official, then usual, then the first) as one line."""
    if names is None:
        return None
    names = names if isinstance(names, list) else [names]
    ranked = sorted(names, key=lambda n: {"official": 0, "usual": 1}.get(n.use or "", 2))
    for name in ranked:
        if fhir_str(name.text):
            return fhir_str(name.text)
        parts = [*(name.prefix or ()), *(name.given or ()), name.family, *(name.suffix or ())]
        line = " ".join(p for p in parts if p)
        if line:
            return line
    return None


def quantity_text(quantity: Any) -> str | None:
    if quantity is None or quantity.value is None:
        return None
    unit = fhir_str(quantity.unit) or fhir_str(quantity.code)
    return " ".join(p for p in (fhir_str(quantity.value), unit) if p)


def narrative_text(narrative: Any, limit: int = 400) -> str | None:
    """The plain text of a Narrative's XHTML, whitespace collapsed, cut at `limit` characters."""
    div = getattr(narrative, "div", None)
    if not div:
        return None
    try:
        text = " ".join(" ".join(parse_xml(div.encode("utf-8")).itertext()).split())
    except InvalidRecord:
        return None
    return (text[: limit - 1] + "…" if len(text) > limit else text) or None
