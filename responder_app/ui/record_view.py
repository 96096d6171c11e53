"""The emergency view as a responder reads it in seconds: allergies first, high criticality
on red, then problems, medications, blood group, directives, devices, contacts."""

from __future__ import annotations

from typing import TYPE_CHECKING

from kivy.metrics import dp
from kivy.uix.boxlayout import BoxLayout

from .widgets import COLORS, Heading, Text

if TYPE_CHECKING:  # the FHIR models are heavy to import: the app loads them after sign-in
    from ledger_client.fhir import EmergencyView

__all__ = ["EmergencyViewWidget"]


def _join(*parts: str | None) -> str:
    return ", ".join(p for p in parts if p)


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("[", "&bl;").replace("]", "&br;")


class EmergencyViewWidget(BoxLayout):
    """A vertical stack of sections; `high_criticality_labels` are the red allergy rows."""

    def __init__(self, view: EmergencyView, *, offline: bool, **kwargs: object) -> None:
        super().__init__(orientation="vertical", size_hint_y=None, spacing=dp(4),
                         padding=dp(8), **kwargs)  # type: ignore[arg-type]
        self.bind(minimum_height=self.setter("height"))
        self.high_criticality_labels: list[Text] = []
        self.section_order: list[str] = []
        if offline:
            self.add_widget(Text("OFFLINE — the band's own summary; the full record could not "
                                 "be fetched. Verify when the network returns.",
                                 bg=COLORS["warning"], bold=True, size=18))
        patient = view.patient
        self.add_widget(Text(_escape(_join(patient.name, patient.sex,
                                           patient.birth_date and f"born {patient.birth_date}")),
                             size=26, bold=True))
        self._allergies(view)
        self._section("Active problems", "problems", view,
                      [_join(p.name, p.status, p.severity, p.onset and f"since {p.onset}")
                       for p in view.problems])
        self._section("Current medications", "medications", view,
                      [_join(m.name, m.dosage, m.status) for m in view.medications])
        self._section("Blood group", "blood_group", view,
                      [view.blood_group] if view.blood_group else [])
        self._section("Advance directives", "advance_directives", view,
                      [_join(d.description, d.status, d.date) for d in view.advance_directives])
        self._section("Medical devices and implants", "devices", view,
                      [_join(d.name, d.status, d.body_site) for d in view.devices])
        self._section("Emergency contacts", "contacts", view,
                      [_join(c.name, c.relationship, " ".join(c.telecom)) for c in view.contacts])

    def _allergies(self, view: EmergencyView) -> None:
        self.section_order.append("allergies")
        self.add_widget(Heading("Allergies and intolerances"))
        ordered = sorted(view.allergies, key=lambda a: a.criticality != "high")
        for allergy in ordered:
            reactions = "; ".join(", ".join(r.manifestations) for r in allergy.reactions)
            line = _escape(_join(allergy.substance, allergy.type,
                                 reactions and f"reaction: {reactions}", allergy.verification))
            if allergy.criticality == "high":
                label = Text(f"HIGH CRITICALITY: {line}", bg=COLORS["danger"], bold=True, size=22)
                self.high_criticality_labels.append(label)
            else:
                label = Text(_join(line, allergy.criticality and
                                   f"criticality {allergy.criticality}"), bg=COLORS["panel"])
            self.add_widget(label)
        self._notes_or_nothing(view, "allergies", bool(view.allergies))

    def _section(self, title: str, key: str, view: EmergencyView, lines: list[str]) -> None:
        self.section_order.append(key)
        self.add_widget(Heading(title))
        for line in lines:
            self.add_widget(Text(_escape(line), bg=COLORS["panel"]))
        self._notes_or_nothing(view, key, bool(lines))

    def _notes_or_nothing(self, view: EmergencyView, key: str, has_items: bool) -> None:
        notes = view.notes_for(key)
        for note in notes:
            self.add_widget(Text(_escape(note), color=COLORS["muted"]))
        if not has_items and not notes:
            self.add_widget(Text("nothing recorded", color=COLORS["muted"]))
