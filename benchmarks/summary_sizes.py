"""Print the encoded size of the band's emergency summary for each HL7 IPS vector.

    .venv/bin/python benchmarks/summary_sizes.py

Columns: source document bytes, emergency view as JSON bytes, encoded summary bytes
(IS v1: header + zlib of the TLV body), TLV body bytes before compression, and the time to
load + extract + encode (median of a few runs; a figure to watch, not a test).
"""

from __future__ import annotations

import json
import statistics
import sys
import time
import zlib
from pathlib import Path

from ledger_client.fhir import (
    Allergy,
    Contact,
    Device,
    Directive,
    EmergencyView,
    Medication,
    PatientFacts,
    Problem,
    Reaction,
    decode_summary,
    emergency_view,
    encode_summary,
    load_ips,
)

VECTORS = Path(__file__).resolve().parent.parent / "tests" / "vectors" / "hl7-ips"
TARGET = 2048


def _busy_patient() -> EmergencyView:
    """A patient with more going on than the HL7 examples: several allergies, problems, drugs."""
    allergies = tuple(
        Allergy(s, criticality=c, type="allergy", categories=("medication",), status="active",
                verification="confirmed", reactions=(Reaction((m,), sev),))
        for s, c, m, sev in (("Penicillin", "high", "Anaphylaxis", "severe"), ("Sulfonamide", "low", "Rash", "mild"),
                             ("Peanut", "high", "Angioedema", "severe"), ("Latex", "low", "Urticaria", "moderate")))
    problems = tuple(Problem(n, "active", sev, onset) for n, sev, onset in (
        ("Type 2 diabetes mellitus", "Moderate", "2012"), ("Atrial fibrillation", "Severe", "2019-03"),
        ("Chronic kidney disease stage 3", "Moderate", "2020"), ("Hypertension", "Mild", "2010"),
        ("Epilepsy", "Moderate", "1998"), ("Asthma", "Mild", "1985")))
    medications = tuple(Medication(n, d, "active") for n, d in (
        ("Metformin 500 mg tablet", "2 tablet twice daily (Oral use)"),
        ("Apixaban 5 mg tablet", "1 tablet twice daily (Oral use)"),
        ("Bisoprolol 2.5 mg tablet", "1 tablet once daily (Oral use)"),
        ("Ramipril 5 mg capsule", "1 capsule once daily (Oral use)"),
        ("Levetiracetam 500 mg tablet", "1 tablet twice daily (Oral use)"),
        ("Salbutamol 100 micrograms/dose inhaler", "2 puff as needed (Inhalation use)"),
        ("Insulin glargine 100 units/mL", "18 unit once daily (Subcutaneous use)"),
        ("Atorvastatin 20 mg tablet", "1 tablet once daily (Oral use)"),
        ("Omeprazole 20 mg capsule", "1 capsule once daily (Oral use)")))
    return EmergencyView(
        allergies, problems, medications, "Blood group O Rh(D) negative",
        (Directive("Advance directive: Do not resuscitate", "active", "2021-06-01"),),
        (Device("Implantable cardiac pacemaker", "active", "Chest"),),
        (Contact("Anna Example", "spouse, emergency contact", ("+44 20 7946 0000",)),
         Contact("Ben Example", "son", ("+44 7700 900123",))),
        PatientFacts("Carl Example", "male", "1950-02-14"), as_of="2025-11-01")


def main() -> int:
    files = sorted(p for p in VECTORS.iterdir() if p.suffix in (".json", ".xml"))
    print(f"{'document':42} {'source':>7} {'view json':>9} {'summary':>7} {'body':>6} {'ms':>6}")
    worst = 0
    for path in files:
        timings = []
        for _ in range(5):
            start = time.perf_counter()
            view = emergency_view(load_ips(path))
            blob = encode_summary(view)
            timings.append((time.perf_counter() - start) * 1000)
        assert decode_summary(blob) == view
        body = zlib.decompress(blob[3:])
        view_json = json.dumps(view.to_dict(), ensure_ascii=False).encode()
        worst = max(worst, len(blob))
        print(f"{path.name:42} {path.stat().st_size:7} {len(view_json):9} {len(blob):7} {len(body):6} "
              f"{statistics.median(timings):6.1f}")
    busy = len(encode_summary(_busy_patient()))
    print(f"{'synthetic: 4 allergies, 6 problems, 9 drugs':42} {'-':>7} {'-':>9} {busy:7}")
    worst = max(worst, busy)
    print(f"largest summary: {worst} bytes (target for a typical patient: under {TARGET})")
    return 0 if worst < TARGET else 1


if __name__ == "__main__":
    sys.exit(main())
