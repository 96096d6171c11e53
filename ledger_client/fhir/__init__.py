"""FHIR R4 International Patient Summary records: load, validate, and the emergency view.

    doc = load_ips(Path("record.json"))        # JSON or XML; InvalidRecord if not an IPS
    view = emergency_view(doc)                 # allergies first, then problems, medications...
    print(view.render_text())
    blob = encode_summary(view)                # compact, versioned bytes for the band
    assert decode_summary(blob) == view        # InvalidSummary for anything malformed
"""

from ledger_client.fhir.document import IpsDocument, load_ips
from ledger_client.fhir.errors import FhirError, InvalidRecord, InvalidSummary
from ledger_client.fhir.extract import emergency_view
from ledger_client.fhir.summary import decode_summary, encode_summary
from ledger_client.fhir.view import (
    Allergy,
    Contact,
    Device,
    Directive,
    EmergencyView,
    Medication,
    PatientFacts,
    Problem,
    Reaction,
    SectionNote,
)

__all__ = [
    "load_ips",
    "IpsDocument",
    "emergency_view",
    "EmergencyView",
    "Allergy",
    "Reaction",
    "Problem",
    "Medication",
    "Directive",
    "Device",
    "Contact",
    "PatientFacts",
    "SectionNote",
    "encode_summary",
    "decode_summary",
    "FhirError",
    "InvalidRecord",
    "InvalidSummary",
]
