"""emergency_view: the values a responder sees, read from the HL7 IPS vectors and variants of them."""

from __future__ import annotations

import json

import pytest

from fhir_cases import FIXTURES, add_entry, as_bytes, entry_of, fixture_path, minimal_bundle, section_of
from ledger_client.fhir import (
    Allergy,
    EmergencyView,
    InvalidRecord,
    InvalidSummary,
    Medication,
    Problem,
    Reaction,
    emergency_view,
    load_ips,
)
from ledger_client.fhir.render import HIGH_CRITICALITY_MARK

PENICILLIN = Allergy(
    substance="Substance with penicillin structure and antibacterial mechanism of action",
    criticality="high", type="allergy", categories=("medication",), status="active", verification="confirmed",
)
FLUSHING = Problem("Menopausal flushing", "active", "Moderate", "2015")
ANASTROZOLE = Medication("Product containing anastrozole", "1 tablet once daily (Oral use)", "active")
BLACK_COHOSH = Medication("Black Cohosh Extract herbal supplement", "Oral use", "active")


def view_of(name: str) -> EmergencyView:
    return emergency_view(load_ips(fixture_path(name)))


def test_minimal_bundle_view() -> None:
    view = view_of("bundle-minimal.json")
    assert view.allergies == (PENICILLIN,)
    assert view.problems == (FLUSHING,)
    assert view.medications == (ANASTROZOLE,)
    assert view.blood_group is None
    assert view.advance_directives == () and view.devices == ()
    assert [(c.name, c.relationship, c.telecom) for c in view.contacts] == [("Martha Mum", "mother", ("+33-555-20036",))]
    assert (view.patient.name, view.patient.sex, view.patient.birth_date) == ("Martha DeLarosa", "female", "1972-05-01")
    assert view.notes == ()
    assert view.as_of == "2020-12-11T14:30:00+01:00"


@pytest.mark.parametrize("name", ["IPS-bundle-01.xml", "IPS-bundle-with-immunization.xml"])
def test_xml_bundle_view(name: str) -> None:
    view = view_of(name)
    assert view.allergies == (PENICILLIN,)
    # The second AllergyIntolerance is SNOMED 429625007: a statement, not an allergy.
    assert view.notes_for("allergies") == ("No known food allergy",)
    # The breast cancer Condition is in remission and sits in past illness, not the problem list.
    assert view.problems == (FLUSHING,)
    assert view.medications == (ANASTROZOLE, BLACK_COHOSH)
    assert view.blood_group == "Blood group A Rh(D) positive"
    assert view.patient.name == "Martha DeLarosa"
    assert view.as_of == "2017-12-11T14:30:00+01:00"


def test_empty_reason_sections_say_so() -> None:
    view = view_of("bundle-no-info-required-sections.json")
    assert view.allergies == view.problems == view.medications == ()
    for section in ("allergies", "problems", "medications"):
        assert view.notes_for(section) == ("Section empty: No information available (Unavailable)",)
    assert [(c.name, c.relationship, c.telecom) for c in view.contacts] == [
        ("Natural mother mother", "family member, Next-of-Kin", ()),
        ("Peter Rabbit Rabbit", "unrelated friend, Emergency Contact", ("07 853 9191",)),
    ]
    assert (view.patient.name, view.patient.sex, view.patient.birth_date) == ("James Judge", "male", "1985-04-25")
    text = view.render_text()
    assert text.count("Section empty: No information available") == 3


def test_xml_and_json_of_the_same_patient_agree() -> None:
    # IPS-bundle-01.xml and bundle-minimal.json describe the same patient, allergy, problem and drug.
    from_xml, from_json = view_of("IPS-bundle-01.xml"), view_of("bundle-minimal.json")
    assert from_xml.patient == from_json.patient
    assert from_xml.contacts == from_json.contacts
    assert from_xml.allergies == from_json.allergies
    assert from_xml.problems == from_json.problems
    assert from_xml.medications[0] == from_json.medications[0]


def test_xml_converts_to_json_that_loads_to_the_same_bundle() -> None:
    doc = load_ips(fixture_path("IPS-bundle-with-immunization.xml"))
    again = load_ips(doc.to_json())
    assert again.source_format == "json"
    assert again.bundle == doc.bundle
    assert emergency_view(again) == emergency_view(doc)


def test_xml_narrative_tables_are_kept_whole() -> None:
    # This is the narrative fhir.resources' XML reader fails on (KeyError 'thead').
    doc = load_ips(fixture_path("IPS-bundle-01.xml"))
    medication_section = next(s for s in doc.composition.section if s.code.coding[0].code == "10160-0")
    div = medication_section.text.div
    assert div.startswith('<div xmlns="http://www.w3.org/1999/xhtml">')
    for text in ("<thead>", "<th>Medication</th>", "<td>Anastrozole</td>", "<td>treatment for breast cancer</td>"):
        assert text in div
    immunization = load_ips(fixture_path("IPS-bundle-with-immunization.xml")).composition.section[-1].text.div
    assert 'xml:lang="fr-LU"' in immunization and "<b>Marie Lux-Brennard</b>" in immunization


def test_xml_primitive_extensions_survive() -> None:
    doc = load_ips(fixture_path("IPS-bundle-01.xml"))
    condition = next(r for r in doc.resources() if r.get_resource_type() == "Condition")
    translation = condition.code.coding[0].display__ext.extension[0]
    assert translation.url == "http://hl7.org/fhir/StructureDefinition/translation"
    assert [e.url for e in translation.extension] == ["lang", "content"]
    assert translation.extension[1].valueString == "opvliegers"


def test_render_text_puts_allergies_first_and_marks_high_criticality() -> None:
    text = view_of("IPS-bundle-01.xml").render_text()
    headings = [line for line in text.splitlines() if line and not line.startswith(" ")]
    assert headings[1:] == ["ALLERGIES AND INTOLERANCES", "ACTIVE PROBLEMS", "CURRENT MEDICATIONS", "BLOOD GROUP",
                            "ADVANCE DIRECTIVES", "MEDICAL DEVICES AND IMPLANTS", "EMERGENCY CONTACTS", "PATIENT"]
    assert f"{HIGH_CRITICALITY_MARK}: Substance with penicillin" in text
    assert "* No known food allergy" in text
    assert "Product containing anastrozole: 1 tablet once daily (Oral use)" in text


def test_no_known_allergy_code_is_an_explicit_note() -> None:
    bundle = minimal_bundle()
    entry_of(bundle, "AllergyIntolerance")["code"] = {
        "coding": [{"system": "http://snomed.info/sct", "code": "716186003", "display": "No known allergy (situation)"}]}
    view = emergency_view(load_ips(as_bytes(bundle)))
    assert view.allergies == ()
    assert view.notes_for("allergies") == ("No known allergy",)
    assert "* No known allergy" in view.render_text()


def test_ips_absent_unknown_code_is_an_explicit_note() -> None:
    bundle = minimal_bundle()
    entry_of(bundle, "AllergyIntolerance")["code"] = {"coding": [{
        "system": "http://hl7.org/fhir/uv/ips/CodeSystem/absent-unknown-uv-ips", "code": "no-known-allergies"}]}
    assert emergency_view(load_ips(as_bytes(bundle))).notes_for("allergies") == ("No known allergies",)


def test_reactions_refuted_allergies_and_criticality_order() -> None:
    bundle = minimal_bundle()
    entry_of(bundle, "AllergyIntolerance")["criticality"] = "low"
    patient_ref = bundle["entry"][0]["resource"]["subject"]
    add_entry(bundle, {
        "resourceType": "AllergyIntolerance", "patient": patient_ref, "criticality": "high", "type": "allergy",
        "code": {"text": "Peanut"},
        "reaction": [{"manifestation": [{"text": "Anaphylaxis"}, {"coding": [{"display": "Hives"}]}],
                      "severity": "severe"}],
    }, "48765-2")
    add_entry(bundle, {
        "resourceType": "AllergyIntolerance", "patient": patient_ref, "code": {"text": "Latex"},
        "verificationStatus": {"coding": [{"code": "refuted"}]},
    }, "48765-2")
    view = emergency_view(load_ips(as_bytes(bundle)))
    assert [a.substance for a in view.allergies] == ["Peanut", PENICILLIN.substance]  # high first, Latex refuted
    assert view.allergies[0].reactions == (Reaction(("Anaphylaxis", "Hives"), "severe"),)
    assert "    reaction: Anaphylaxis, Hives - severe" in view.render_text()


def test_medication_request_with_contained_medication_and_structured_timing() -> None:
    bundle = minimal_bundle()
    add_entry(bundle, {
        "resourceType": "MedicationRequest", "status": "active", "intent": "order",
        "subject": bundle["entry"][0]["resource"]["subject"],
        "contained": [{"resourceType": "Medication", "id": "m1", "code": {"text": "Metformin 500 mg tablet"}}],
        "medicationReference": {"reference": "#m1"},
        "dosageInstruction": [{"doseAndRate": [{"doseQuantity": {"value": 2, "unit": "tablet"}}],
                               "timing": {"repeat": {"frequency": 2, "period": 1, "periodUnit": "d"}},
                               "asNeededBoolean": False}],
    }, "10160-0")
    add_entry(bundle, {
        "resourceType": "MedicationStatement", "status": "stopped", "subject": {"reference": "Patient/x"},
        "medicationCodeableConcept": {"text": "Old drug"},
    }, "10160-0")
    view = emergency_view(load_ips(as_bytes(bundle)))
    assert view.medications[1] == Medication("Metformin 500 mg tablet", "2 tablet twice daily", "active")
    assert "Old drug" not in [m.name for m in view.medications]


def test_blood_group_from_separate_abo_and_rh_observations() -> None:
    bundle = minimal_bundle()
    subject = bundle["entry"][0]["resource"]["subject"]
    for code, value in (("883-9", "Group O"), ("10331-7", "Rh negative")):
        add_entry(bundle, {"resourceType": "Observation", "status": "final", "subject": subject,
                           "code": {"coding": [{"system": "http://loinc.org", "code": code}]},
                           "valueCodeableConcept": {"text": value}})
    assert emergency_view(load_ips(as_bytes(bundle))).blood_group == "Group O, Rh negative"


def test_directives_devices_and_related_persons() -> None:
    bundle = minimal_bundle()
    subject = bundle["entry"][0]["resource"]["subject"]
    add_entry(bundle, {"resourceType": "Consent", "status": "active", "dateTime": "2019-05-01",
                       "scope": {"coding": [{"code": "adr"}]}, "category": [{"text": "Advance directive"}],
                       "provision": {"code": [{"text": "Do not resuscitate"}]}},
              "42348-3", "Advance Directives")
    device_url = add_entry(bundle, {"resourceType": "Device", "deviceName": [{"name": "Cardiac pacemaker",
                                                                               "type": "user-friendly-name"}]})
    add_entry(bundle, {"resourceType": "DeviceUseStatement", "status": "active", "subject": subject,
                       "device": {"reference": device_url}, "bodySite": {"text": "Chest"}},
              "46264-8", "Medical Devices")
    add_entry(bundle, {"resourceType": "RelatedPerson", "patient": subject,
                       "relationship": [{"coding": [{"code": "SPS"}]}],
                       "name": [{"given": ["Jan"], "family": "DeLarosa"}],
                       "telecom": [{"system": "phone", "value": "+31 6 1234 5678"}]})
    view = emergency_view(load_ips(as_bytes(bundle)))
    assert [(d.description, d.status, d.date) for d in view.advance_directives] == [
        ("Advance directive: Do not resuscitate", "active", "2019-05-01")]
    assert [(d.name, d.status, d.body_site) for d in view.devices] == [("Cardiac pacemaker", "active", "Chest")]
    assert view.contacts[-1].name == "Jan DeLarosa" and view.contacts[-1].relationship == "spouse"
    assert view.contacts[-1].telecom == ("+31 6 1234 5678",)


def test_narrative_only_section_is_not_lost() -> None:
    bundle = minimal_bundle()
    section = section_of(bundle, "10160-0")
    del section["entry"]
    view = emergency_view(load_ips(as_bytes(bundle)))
    assert view.medications == ()
    (note,) = view.notes_for("medications")
    assert note.startswith("Narrative only: Medication Name : Oral anastrozole 1mg tablet")


def test_unresolvable_section_entry_is_reported() -> None:
    bundle = minimal_bundle()
    section_of(bundle, "11450-4")["entry"].append({"reference": "urn:uuid:gone"})
    view = emergency_view(load_ips(as_bytes(bundle)))
    assert view.problems == (FLUSHING,)
    assert view.notes_for("problems") == ("Entry urn:uuid:gone is not in the document",)


@pytest.mark.parametrize("name", FIXTURES)
def test_to_dict_from_dict_round_trip(name: str) -> None:
    view = view_of(name)
    data = json.loads(json.dumps(view.to_dict()))
    assert data["format"] == "iceband-emergency-view/1"
    assert EmergencyView.from_dict(data) == view


@pytest.mark.parametrize(
    ("mutate", "message"),
    [
        (lambda d: d.pop("format"), "format"),
        (lambda d: d.update(extra=1), "unknown field 'extra'"),
        (lambda d: d.pop("patient"), "missing field 'patient'"),
        (lambda d: d["allergies"][0].update(criticality="deadly"), "criticality"),
        (lambda d: d["allergies"][0].update(substance=""), "non-empty str"),
        (lambda d: d.update(allergies="penicillin"), "expected a list"),
        (lambda d: d["patient"].update(name=7), "non-empty str"),
        (lambda d: d.update(notes=[{"section": "hobbies", "text": "x"}]), "section"),
    ],
)
def test_from_dict_rejects_what_to_dict_never_makes(mutate, message: str) -> None:  # type: ignore[no-untyped-def]
    data = view_of("IPS-bundle-01.xml").to_dict()
    mutate(data)
    with pytest.raises(InvalidSummary, match=message):
        EmergencyView.from_dict(data)


def test_section_without_code_is_ignored_not_a_crash() -> None:
    bundle = minimal_bundle()
    del section_of(bundle, "11450-4")["code"]
    view = emergency_view(load_ips(as_bytes(bundle)))
    assert view.problems == () and view.allergies == (PENICILLIN,)


@pytest.mark.parametrize(("element", "value"), [("criticality", "fatal"), ("type", "dislike")])
def test_codes_outside_their_required_binding_are_refused(element: str, value: str) -> None:
    # fhir.resources does not check code bindings; the view must not show a code it cannot mean.
    bundle = minimal_bundle()
    entry_of(bundle, "AllergyIntolerance")[element] = value
    doc = load_ips(as_bytes(bundle))
    with pytest.raises(InvalidRecord, match=f"allergy {element} '{value}' is not one of"):
        emergency_view(doc)


def test_xml_schema_location_is_accepted_and_other_foreign_attributes_are_not() -> None:
    data = fixture_path("IPS-bundle-01.xml").read_bytes()
    located = data.replace(b'<Bundle xmlns="http://hl7.org/fhir"', b'<Bundle xmlns="http://hl7.org/fhir" '
                           b'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" '
                           b'xsi:schemaLocation="http://hl7.org/fhir ../../schema/bundle.xsd"', 1)
    assert located != data
    assert load_ips(located).bundle == load_ips(data).bundle
    typed = data.replace(b'<Bundle xmlns="http://hl7.org/fhir"', b'<Bundle xmlns="http://hl7.org/fhir" '
                         b'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:type="x"', 1)
    with pytest.raises(InvalidRecord, match="unexpected attribute"):
        load_ips(typed)
