"""Shared helpers for the FHIR tests: the HL7 IPS vectors and a way to build variants of them.

A plain module, not a conftest in a package: a test package named `fhir` would shadow
`fhir.resources`.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

IPS_VECTORS = Path(__file__).resolve().parent.parent / "vectors" / "hl7-ips"
FIXTURES = (
    "bundle-minimal.json",
    "bundle-no-info-required-sections.json",
    "IPS-bundle-01.xml",
    "IPS-bundle-with-immunization.xml",
)


def fixture_path(name: str) -> Path:
    return IPS_VECTORS / name


def minimal_bundle() -> dict[str, Any]:
    """A fresh, mutable copy of bundle-minimal.json (a valid IPS) to derive test cases from."""
    return copy.deepcopy(_MINIMAL)


def entry_of(bundle: dict[str, Any], resource_type: str) -> dict[str, Any]:
    return next(e["resource"] for e in bundle["entry"] if e["resource"]["resourceType"] == resource_type)


def section_of(bundle: dict[str, Any], loinc: str) -> dict[str, Any]:
    composition = bundle["entry"][0]["resource"]
    return next(s for s in composition["section"] if s["code"]["coding"][0]["code"] == loinc)


def add_entry(bundle: dict[str, Any], resource: dict[str, Any], section_loinc: str | None = None,
              title: str = "Section") -> str:
    """Append `resource` to the bundle (and to the section with that LOINC code, made if missing)."""
    url = f"urn:uuid:00000000-0000-4000-8000-{len(bundle['entry']):012d}"
    bundle["entry"].append({"fullUrl": url, "resource": resource})
    if section_loinc is not None:
        composition = bundle["entry"][0]["resource"]
        sections = [s for s in composition["section"] if s["code"]["coding"][0]["code"] == section_loinc]
        if not sections:
            sections = [{"title": title, "code": {"coding": [{"system": "http://loinc.org", "code": section_loinc}]},
                         "entry": []}]
            composition["section"].append(sections[0])
        sections[0].setdefault("entry", []).append({"reference": url})
    return url


def as_bytes(bundle: dict[str, Any]) -> bytes:
    return json.dumps(bundle).encode("utf-8")


_MINIMAL = json.loads((IPS_VECTORS / "bundle-minimal.json").read_text(encoding="utf-8"))
