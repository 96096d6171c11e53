"""The emergency view: what a responder needs, in the order they need it.

Allergies and intolerances first, then active problems, current medications with dosage,
blood group, advance directives, implanted devices, emergency contacts, and last the
patient's name, sex and birth date. A section the document states as empty ("no known
allergies", an emptyReason) carries a `SectionNote` so it never just looks empty.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ledger_client.fhir.errors import InvalidSummary
from ledger_client.fhir.render import render_text as _render_text
from ledger_client.fhir.schema import Record, from_plain, to_plain

__all__ = [
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
    "SECTIONS",
    "VIEW_FORMAT",
]

VIEW_FORMAT = "iceband-emergency-view/1"

# Section keys, in display order.
SECTIONS = (
    "allergies",
    "problems",
    "medications",
    "blood_group",
    "advance_directives",
    "devices",
    "contacts",
)


@dataclass(frozen=True)
class Reaction(Record):
    manifestations: tuple[str, ...]
    severity: str | None = None

    ALLOWED = {"severity": frozenset({"mild", "moderate", "severe"})}


@dataclass(frozen=True)
class Allergy(Record):
    substance: str
    criticality: str | None = None
    type: str | None = None
    categories: tuple[str, ...] = ()
    status: str | None = None  # clinical status: active / inactive / resolved
    verification: str | None = None  # unconfirmed / confirmed / presumed
    reactions: tuple[Reaction, ...] = ()

    ALLOWED = {
        "criticality": frozenset({"low", "high", "unable-to-assess"}),
        "type": frozenset({"allergy", "intolerance"}),
    }


@dataclass(frozen=True)
class Problem(Record):
    name: str
    status: str | None = None
    severity: str | None = None
    onset: str | None = None


@dataclass(frozen=True)
class Medication(Record):
    name: str
    dosage: str | None = None
    status: str | None = None


@dataclass(frozen=True)
class Directive(Record):
    description: str
    status: str | None = None
    date: str | None = None


@dataclass(frozen=True)
class Device(Record):
    name: str
    status: str | None = None
    body_site: str | None = None


@dataclass(frozen=True)
class Contact(Record):
    name: str
    relationship: str | None = None
    telecom: tuple[str, ...] = ()


@dataclass(frozen=True)
class PatientFacts(Record):
    name: str
    sex: str | None = None
    birth_date: str | None = None


@dataclass(frozen=True)
class SectionNote(Record):
    """An explicit statement about a section: "No known food allergy", "No information available"."""

    section: str
    text: str

    ALLOWED = {"section": frozenset(SECTIONS)}


@dataclass(frozen=True)
class EmergencyView(Record):
    allergies: tuple[Allergy, ...]
    problems: tuple[Problem, ...]
    medications: tuple[Medication, ...]
    blood_group: str | None
    advance_directives: tuple[Directive, ...]
    devices: tuple[Device, ...]
    contacts: tuple[Contact, ...]
    patient: PatientFacts
    notes: tuple[SectionNote, ...] = ()
    # Composition.date: how current the summary is.
    as_of: str | None = None

    def notes_for(self, section: str) -> tuple[str, ...]:
        """The explicit statements about one section, e.g. "No known food allergy"."""
        return tuple(note.text for note in self.notes if note.section == section)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict, tagged with the view format."""
        return {"format": VIEW_FORMAT, **to_plain(self)}

    @classmethod
    def from_dict(cls, data: Any) -> EmergencyView:
        """Inverse of `to_dict`; raises `InvalidSummary` for anything it would not produce."""
        if not isinstance(data, dict) or data.get("format") != VIEW_FORMAT:
            raise InvalidSummary(f"not an emergency view: 'format' must be {VIEW_FORMAT!r}")
        return from_plain(cls, {k: v for k, v in data.items() if k != "format"})

    def render_text(self) -> str:
        """Readable text for a responder: allergies first, high criticality marked."""
        return _render_text(self)
