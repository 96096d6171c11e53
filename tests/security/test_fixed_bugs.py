"""Bugs the security campaign found and fixed in finished areas, one test each (the fuzz
targets in fuzzkit/ found them; these pin the exact input)."""

from __future__ import annotations

import json
from pathlib import Path

from ledger_client.fhir import emergency_view, load_ips

VECTORS = Path(__file__).resolve().parents[1] / "vectors" / "hl7-ips"


def test_allergy_category_list_with_a_null_gives_a_view_not_a_type_error() -> None:
    """`"category": [null]` passes the FHIR models; extract.allergies copied the None into
    Allergy.categories and the view's schema raised TypeError, which escaped load + view (the
    responder session catches FhirError only). Found by fuzzkit fhir-document."""
    doc = json.loads((VECTORS / "bundle-minimal.json").read_text())
    allergies = [e["resource"] for e in doc["entry"]
                 if e.get("resource", {}).get("resourceType") == "AllergyIntolerance"]
    assert allergies
    for resource in allergies:
        resource["category"] = [None, "food"]
    view = emergency_view(load_ips(json.dumps(doc).encode()))
    assert view.allergies and all(a.categories == ("food",) for a in view.allergies)
