"""Plain-text rendering of an `EmergencyView`, in the view's order, allergies first."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ledger_client.fhir.view import EmergencyView

__all__ = ["render_text", "HIGH_CRITICALITY_MARK"]

HIGH_CRITICALITY_MARK = "!! HIGH CRITICALITY"
_NOTHING = "nothing recorded in this summary"


def _join(*parts: str | None, sep: str = ", ") -> str:
    return sep.join(p for p in parts if p)


def _section(title: str, lines: list[str], notes: tuple[str, ...]) -> list[str]:
    body = [f"  - {line}" for line in lines] + [f"  * {note}" for note in notes]
    return [title.upper(), *(body or [f"  ({_NOTHING})"]), ""]


def render_text(view: EmergencyView) -> str:
    out: list[str] = ["EMERGENCY SUMMARY" + (f" (as of {view.as_of})" if view.as_of else ""), ""]

    allergies = []
    for a in view.allergies:
        mark = f"{HIGH_CRITICALITY_MARK}: " if a.criticality == "high" else ""
        details = _join(
            a.type,
            "/".join(a.categories) or None,
            f"criticality {a.criticality}" if a.criticality else None,
            a.status,
            a.verification,
        )
        allergies.append(mark + a.substance + (f" ({details})" if details else ""))
        for r in a.reactions:
            allergies.append("    reaction: " + _join(", ".join(r.manifestations), r.severity, sep=" - "))
    out += _section("Allergies and intolerances", allergies, view.notes_for("allergies"))

    problems = [p.name + (f" ({d})" if (d := _join(p.status, p.severity, p.onset and f"since {p.onset}")) else "")
                for p in view.problems]
    out += _section("Active problems", problems, view.notes_for("problems"))

    meds = [_join(m.name, m.dosage, sep=": ") + (f" ({m.status})" if m.status else "") for m in view.medications]
    out += _section("Current medications", meds, view.notes_for("medications"))

    out += _section("Blood group", [view.blood_group] if view.blood_group else [], view.notes_for("blood_group"))

    directives = [d.description + (f" ({x})" if (x := _join(d.status, d.date)) else "")
                  for d in view.advance_directives]
    out += _section("Advance directives", directives, view.notes_for("advance_directives"))

    devices = [d.name + (f" ({x})" if (x := _join(d.status, d.body_site)) else "") for d in view.devices]
    out += _section("Medical devices and implants", devices, view.notes_for("devices"))

    contacts = [_join(c.name, c.relationship and f"({c.relationship})", sep=" ")
                + (f": {', '.join(c.telecom)}" if c.telecom else "") for c in view.contacts]
    out += _section("Emergency contacts", contacts, view.notes_for("contacts"))

    p = view.patient
    out += ["PATIENT", f"  {p.name}", f"  sex: {p.sex or 'unknown'}", f"  born: {p.birth_date or 'unknown'}"]
    return "\n".join(out) + "\n"
