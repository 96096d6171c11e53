"""Build the `EmergencyView` of an IPS document.

Clinical sections are read through the Composition (by their LOINC section code), as the
IPS defines them; the blood group is read from any Observation with an ABO/Rh LOINC code,
since IPS documents nest it inside a results panel. Entries that are refuted, entered in
error, or no longer current are left out; "no known ..." entries and section emptyReasons
become explicit `SectionNote`s.
"""

from __future__ import annotations

from typing import Any, Iterator

from fhir.resources.R4B.device import Device as FhirDevice
from fhir.resources.R4B.deviceusestatement import DeviceUseStatement
from fhir.resources.R4B.observation import Observation
from fhir.resources.R4B.relatedperson import RelatedPerson

from ledger_client.fhir.document import IpsDocument
from ledger_client.fhir.dosage import dosage_text
from ledger_client.fhir.errors import InvalidRecord
from ledger_client.fhir.schema import Record
from ledger_client.fhir.terms import (
    BLOOD_GROUP_LOINC,
    LOINC,
    SECTION_LOINC,
    absent_statement,
    concept_text,
    fhir_str,
    human_name,
    narrative_text,
    relationship_text,
)
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

__all__ = ["emergency_view"]

_NOT_TRUE = frozenset({"refuted", "entered-in-error"})
_NOT_CURRENT_CONDITION = frozenset({"inactive", "remission", "resolved"})
_NOT_CURRENT_MEDICATION = frozenset({"stopped", "completed", "entered-in-error", "not-taken", "cancelled"})


def _code(concept: Any) -> str | None:
    """The first code of a CodeableConcept (status fields are single-coded)."""
    for coding in getattr(concept, "coding", None) or ():
        if coding.code:
            return str(coding.code)
    return None


def _bound(record: type[Record], name: str, value: str | None) -> str | None:
    """A code from a required FHIR binding; anything else makes the record invalid (fail closed)."""
    if value is None or value in record.ALLOWED[name]:
        return value or None
    allowed = " | ".join(sorted(record.ALLOWED[name]))
    raise InvalidRecord(f"{record.__name__.lower()} {name} {value[:40]!r} is not one of {allowed}")


class _Reader:
    def __init__(self, doc: IpsDocument) -> None:
        self.doc = doc
        self.notes: list[SectionNote] = []

    def note(self, section: str, text: str) -> None:
        self.notes.append(SectionNote(section, text))

    def section_entries(self, key: str) -> Iterator[Any]:
        """Resolved entries of the IPS section `key`; notes an emptyReason or a bare narrative."""
        for section in self.doc.composition.section or ():
            codings = section.code.coding if section.code else None
            if not any(c.system == LOINC and c.code == SECTION_LOINC[key] for c in codings or ()):
                continue
            if section.emptyReason is not None:
                reason = concept_text(section.emptyReason) or "no reason given"
                display = next((c.display for c in section.emptyReason.coding or () if c.display), None)
                extra = f" ({display})" if display and display != reason else ""
                self.note(key, f"Section empty: {reason}{extra}")
            if not section.entry:
                text = narrative_text(section.text)
                if section.emptyReason is None and text:
                    self.note(key, f"Narrative only: {text}")
            for ref in section.entry or ():
                resource = self.doc.resolve(ref.reference)
                if resource is None:
                    self.note(key, f"Entry {ref.reference or ref.display or '?'} is not in the document")
                else:
                    yield resource

    def allergies(self) -> tuple[Allergy, ...]:
        found = []
        for r in self.section_entries("allergies"):
            if r.get_resource_type() != "AllergyIntolerance" or _code(r.verificationStatus) in _NOT_TRUE:
                continue
            statement = absent_statement(r.code)
            if statement:
                self.note("allergies", statement)
                continue
            substance = concept_text(r.code) or next(
                (concept_text(x.substance) for x in r.reaction or () if concept_text(x.substance)), None)
            reactions = tuple(
                Reaction(tuple(t for m in x.manifestation or () if (t := concept_text(m))),
                         _bound(Reaction, "severity", x.severity))
                for x in r.reaction or ())
            found.append(Allergy(
                substance=substance or "Unspecified substance",
                criticality=_bound(Allergy, "criticality", r.criticality),
                type=_bound(Allergy, "type", r.type),
                categories=tuple(c for c in r.category or () if c),  # JSON null in the list
                status=_code(r.clinicalStatus),
                verification=_code(r.verificationStatus),
                reactions=reactions,
            ))
        # High criticality first: it is what a responder must not miss.
        return tuple(sorted(found, key=lambda a: a.criticality != "high"))

    def problems(self) -> tuple[Problem, ...]:
        found = []
        for r in self.section_entries("problems"):
            if r.get_resource_type() != "Condition" or _code(r.verificationStatus) in _NOT_TRUE:
                continue
            if _code(r.clinicalStatus) in _NOT_CURRENT_CONDITION:
                continue
            statement = absent_statement(r.code)
            if statement:
                self.note("problems", statement)
                continue
            onset = r.onsetDateTime or r.onsetString or (r.onsetPeriod.start if r.onsetPeriod else None)
            found.append(Problem(concept_text(r.code) or "Unspecified problem", _code(r.clinicalStatus),
                                 concept_text(r.severity), fhir_str(onset)))
        return tuple(found)

    def medications(self) -> tuple[Medication, ...]:
        found = []
        for r in self.section_entries("medications"):
            kind = r.get_resource_type()
            if kind not in ("MedicationStatement", "MedicationRequest") or r.status in _NOT_CURRENT_MEDICATION:
                continue
            concept = r.medicationCodeableConcept
            if concept is None and r.medicationReference is not None:
                medication = self.doc.resolve(r.medicationReference.reference, within=r)
                concept = getattr(medication, "code", None)
                name = concept_text(concept) or fhir_str(r.medicationReference.display)
            else:
                name = concept_text(concept)
            statement = absent_statement(concept)
            if statement:
                self.note("medications", statement)
                continue
            dosages = r.dosage if kind == "MedicationStatement" else r.dosageInstruction
            dosage = "; ".join(t for d in dosages or () if (t := dosage_text(d)))
            found.append(Medication(name or "Unnamed medication", dosage or None, r.status or None))
        return tuple(found)

    def blood_group(self) -> str | None:
        by_code: dict[str, tuple[str, str]] = {}
        for r in self.doc.resources():
            if not isinstance(r, Observation) or r.status in ("entered-in-error", "cancelled"):
                continue
            code = next((c.code for c in r.code.coding or () if c.system == LOINC and c.code in BLOOD_GROUP_LOINC), None)
            value = concept_text(r.valueCodeableConcept) or fhir_str(r.valueString)
            if code is None or value is None:
                continue
            when = fhir_str(r.effectiveDateTime) or ""
            if code not in by_code or when > by_code[code][0]:  # the latest result wins
                by_code[code] = (when, value)
        if "882-1" in by_code:
            return by_code["882-1"][1]
        parts = [by_code[c][1] for c in ("883-9", "10331-7") if c in by_code]
        return ", ".join(parts) or None

    def directives(self) -> tuple[Directive, ...]:
        found = []
        for r in self.section_entries("advance_directives"):
            kind = r.get_resource_type()
            if kind == "Consent":
                provision = r.provision
                codes = [concept_text(c) for c in (provision.code if provision else None) or ()]
                words = [concept_text(c) for c in r.category or ()] + codes
                text = ": ".join(w for w in words if w) or narrative_text(r.text)
                found.append(Directive(text or "Consent", r.status or None, fhir_str(r.dateTime)))
            elif kind == "DocumentReference":
                text = fhir_str(r.description) or concept_text(r.type) or "Advance directive document"
                found.append(Directive(text, r.status or None, fhir_str(r.date)))
            else:
                text = concept_text(getattr(r, "code", None)) or narrative_text(r.text) or kind
                found.append(Directive(text, fhir_str(getattr(r, "status", None))))
        return tuple(found)

    def devices(self) -> tuple[Device, ...]:
        found = []
        for r in self.section_entries("devices"):
            use = r if isinstance(r, DeviceUseStatement) else None
            device = self.doc.resolve(r.device.reference, within=r) if use else r
            if not isinstance(device, FhirDevice):
                continue
            statement = absent_statement(device.type)
            if statement:
                self.note("devices", statement)
                continue
            name = next((fhir_str(n.name) for n in device.deviceName or () if n.name), None) or concept_text(device.type)
            found.append(Device(name or "Unnamed device", (use.status if use else device.status) or None,
                                concept_text(use.bodySite) if use else None))
        return tuple(found)

    def contacts(self) -> tuple[Contact, ...]:
        patient = self.doc.patient
        found = []
        for c in patient.contact or ():
            name = human_name(c.name) or fhir_str(getattr(c.organization, "display", None))
            found.append(Contact(name or "Unnamed contact", relationship_text(c.relationship),
                                 tuple(t for p in c.telecom or () if (t := fhir_str(p.value)))))
        for r in self.doc.resources():
            if isinstance(r, RelatedPerson) and self.doc.resolve(r.patient.reference) is patient:
                found.append(Contact(human_name(r.name) or "Unnamed contact", relationship_text(r.relationship),
                                     tuple(t for p in r.telecom or () if (t := fhir_str(p.value)))))
        return tuple(found)

    def patient(self) -> PatientFacts:
        p = self.doc.patient
        return PatientFacts(human_name(p.name) or "Unnamed patient", p.gender or None, fhir_str(p.birthDate))


def emergency_view(doc: IpsDocument) -> EmergencyView:
    """The responder's view of `doc`, in display order (allergies first).

    Raises `InvalidRecord` if a code the view relies on breaks its required FHIR binding
    (AllergyIntolerance criticality, type, reaction severity): better refused than misread.
    """
    reader = _Reader(doc)
    return EmergencyView(
        allergies=reader.allergies(),
        problems=reader.problems(),
        medications=reader.medications(),
        blood_group=reader.blood_group(),
        advance_directives=reader.directives(),
        devices=reader.devices(),
        contacts=reader.contacts(),
        patient=reader.patient(),
        notes=tuple(reader.notes),
        as_of=fhir_str(doc.composition.date),
    )
