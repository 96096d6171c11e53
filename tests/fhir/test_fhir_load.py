"""load_ips: every HL7 IPS vector loads; every kind of bad input is an InvalidRecord."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from random import Random
from typing import Any, Iterator

import pytest
from fhir.resources.R4B.bundle import Bundle
from fhir.resources.R4B.composition import Composition
from fhir.resources.R4B.patient import Patient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ledger_client.fhir import InvalidRecord, IpsDocument, decode_summary, emergency_view, encode_summary, load_ips
from fhir_cases import FIXTURES, as_bytes, entry_of, fixture_path, minimal_bundle

EXPECTED = {
    # name: (format, entries, patient family name, composition id)
    "bundle-minimal.json": ("json", 8, "DeLarosa", "6e1fb74a-742b-4c7b-8487-171dacb88766"),
    "bundle-no-info-required-sections.json": ("json", 8, "Judge", "514af4c1-194d-48b4-8afe-7be09d3f895a"),
    "IPS-bundle-01.xml": ("xml", 20, "DeLarosa", "30551ce1-5a28-4356-b684-1e639094ad4d"),
    "IPS-bundle-with-immunization.xml": ("xml", 21, "DeLarosa", "30551ce1-5a28-4356-b684-1e639094ad4d"),
}


@pytest.mark.parametrize("fixture_name", FIXTURES)
def test_every_vector_loads_as_an_ips_document(fixture_name: str) -> None:
    doc = load_ips(fixture_path(fixture_name))
    fmt, entries, family, composition_id = EXPECTED[fixture_name]
    assert isinstance(doc, IpsDocument)
    assert doc.source_format == fmt
    assert isinstance(doc.bundle, Bundle) and doc.bundle.type == "document"
    assert len(doc.bundle.entry) == entries
    assert isinstance(doc.composition, Composition) and doc.composition.id == composition_id
    assert isinstance(doc.patient, Patient) and doc.patient.name[0].family == family


def test_bytes_text_and_path_sources_agree() -> None:
    path = fixture_path("bundle-minimal.json")
    from_path = load_ips(path)
    from_str_path = load_ips(str(path))
    from_bytes = load_ips(path.read_bytes())
    from_text = load_ips(path.read_text(encoding="utf-8"))
    dumps = {d.to_json() for d in (from_path, from_str_path, from_bytes, from_text)}
    assert len(dumps) == 1


def test_relative_references_resolve_against_the_bundle() -> None:
    # That fixture's Composition.subject is "Patient/AAA1234" with an absolute fullUrl.
    doc = load_ips(fixture_path("bundle-no-info-required-sections.json"))
    assert doc.composition.subject.reference == "Patient/AAA1234"
    assert doc.patient.id == "AAA1234"
    assert doc.resolve("https://terminz.azurewebsites.net/fhir/Patient/AAA1234") is doc.patient
    assert doc.resolve("Patient/nobody") is None
    assert doc.resolve("#contained-nothing", within=doc.patient) is None


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b'{"resourceType": "Bundle", "type": "docu', "invalid JSON"),
        (b"", "expected JSON"),
        (b"\x00\x01garbage", "expected JSON"),
        (b"[1, 2]", "expected JSON"),
        (b'"a string"', "expected JSON"),
        (b"\xff\xfe{", "expected JSON"),
        (b'{"a": "\xff"}', "not UTF-8"),
        (b'{"resourceType": "Bundle", "resourceType": "Bundle"}', "duplicate key"),
        (b'{"type": "document"}', "no resourceType"),
        (b"<Bundle xmlns='http://hl7.org/fhir'><type value='document'/>", "invalid XML"),
        (b"<<<>>>", "invalid XML"),
        (b"<html><body>hello</body></html>", "not in the FHIR namespace"),
        (b"<Nonsense xmlns='http://hl7.org/fhir'/>", "unknown FHIR resource type"),
        (b"<Coding xmlns='http://hl7.org/fhir'/>", "a FHIR data type, not a resource"),
        (b"<!DOCTYPE b [<!ENTITY x 'y'>]><Bundle xmlns='http://hl7.org/fhir'/>", "DOCTYPE"),
        (b"<Bundle xmlns='http://hl7.org/fhir'><type value='document'/><wrong value='1'/></Bundle>",
         "unexpected element <wrong>"),
        (b"<Bundle xmlns='http://hl7.org/fhir'>text<type value='document'/></Bundle>", "unexpected text"),
        (b"<Bundle xmlns='http://hl7.org/fhir'><type value='document'/><type value='x'/></Bundle>",
         "may not repeat"),
        (b"<Bundle xmlns='http://hl7.org/fhir'><type value='document'/><total value='x'/></Bundle>",
         "not an integer"),
        (b"<Bundle xmlns='http://hl7.org/fhir'><type value='document'/><total value='1_0'/></Bundle>",
         "not an integer"),
        (b"<Bundle xmlns='http://hl7.org/fhir'><type value='document'/><total value=' 1'/></Bundle>",
         "not an integer"),
        (b"<Bundle xmlns='http://hl7.org/fhir'><type value='document'/><entry><search><score value='NaN'/>"
         b"</search></entry></Bundle>", "not a decimal"),
        (b'{"resourceType": "Bundle", "type": "document", "total": NaN}', "NaN is not a JSON number"),
        (b"<Bundle xmlns='http://hl7.org/fhir' bad='1'><type value='document'/></Bundle>", "unexpected attribute"),
        (b"<Bundle xmlns='http://hl7.org/fhir'><type value='document'/></Bundle>", "first Bundle entry"),
        (b'{"resourceType": "Bundle", "type": "document", "entry": [{"resource": {"resourceType": "Nope"}}]}',
         "unknown resourceType 'Nope'"),
    ],
)
def test_bad_input_is_an_invalid_record(data: bytes, message: str) -> None:
    with pytest.raises(InvalidRecord, match=message) as caught:
        load_ips(data)
    assert "\n" not in str(caught.value)


def test_truncated_json_vector_is_invalid() -> None:
    data = fixture_path("bundle-minimal.json").read_bytes()
    with pytest.raises(InvalidRecord, match=r"invalid JSON: .* at line \d+"):
        load_ips(data[: len(data) // 2])


def test_truncated_xml_vector_is_invalid() -> None:
    data = fixture_path("IPS-bundle-01.xml").read_bytes()
    with pytest.raises(InvalidRecord, match="invalid XML: .* at line"):
        load_ips(data[: len(data) // 2])


def test_a_patient_alone_is_not_an_ips() -> None:
    patient = entry_of(minimal_bundle(), "Patient")
    with pytest.raises(InvalidRecord, match="a Patient resource, not a Bundle"):
        load_ips(as_bytes(patient))


@pytest.mark.parametrize("bundle_type", ["collection", "searchset", "transaction", None])
def test_a_bundle_that_is_not_a_document_is_not_an_ips(bundle_type: str | None) -> None:
    bundle = minimal_bundle()
    bundle["type"] = bundle_type
    with pytest.raises(InvalidRecord, match="not 'document'"):
        load_ips(as_bytes(bundle))


def test_a_document_that_is_not_a_patient_summary_is_not_an_ips() -> None:
    bundle = minimal_bundle()
    bundle["entry"][0]["resource"]["type"]["coding"][0]["code"] = "34133-9"  # summary of episode note
    with pytest.raises(InvalidRecord, match="not LOINC 60591-5"):
        load_ips(as_bytes(bundle))


def test_first_entry_must_be_the_composition() -> None:
    bundle = minimal_bundle()
    bundle["entry"].append(bundle["entry"].pop(0))
    with pytest.raises(InvalidRecord, match="first Bundle entry is not a Composition"):
        load_ips(as_bytes(bundle))


def test_subject_must_be_a_patient_in_the_bundle() -> None:
    bundle = minimal_bundle()
    bundle["entry"][0]["resource"]["subject"]["reference"] = "urn:uuid:not-in-this-bundle"
    with pytest.raises(InvalidRecord, match="Composition.subject is not a Patient"):
        load_ips(as_bytes(bundle))


def test_fhir_model_violations_name_the_element() -> None:
    bundle = minimal_bundle()
    entry_of(bundle, "Patient")["birthDate"] = "not-a-date"
    entry_of(bundle, "Patient")["shoeSize"] = 42
    with pytest.raises(InvalidRecord, match=r"not valid FHIR R4: .*\(and \d+ more\)"):
        load_ips(as_bytes(bundle))


def test_missing_file_is_an_invalid_record(tmp_path: Path) -> None:
    with pytest.raises(InvalidRecord, match="cannot read .*missing.json: No such file"):
        load_ips(tmp_path / "missing.json")
    with pytest.raises(InvalidRecord, match="cannot read"):
        load_ips(str(tmp_path))  # a directory


def test_entity_expansion_is_refused_before_expanding() -> None:
    bomb = (b"<?xml version='1.0'?><!DOCTYPE lolz [<!ENTITY lol 'lol'>"
            + b"".join(b"<!ENTITY lol%d '%s'>" % (i, b"&lol%d;" % (i - 1) * 10 if i else b"&lol;" * 10)
                       for i in range(1, 9))
            + b"]><Bundle xmlns='http://hl7.org/fhir'><id value='&lol8;'/></Bundle>")
    with pytest.raises(InvalidRecord, match="DOCTYPE"):
        load_ips(bomb)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=300))
def test_fuzz_any_bytes_give_a_document_or_invalid_record(data: bytes) -> None:
    try:
        load_ips(data)
    except InvalidRecord:
        pass


_MINIMAL_BYTES = json.dumps(minimal_bundle()).encode()


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.integers(0, len(_MINIMAL_BYTES) - 1), st.integers(1, 40), st.binary(max_size=8))
def test_fuzz_mutated_vector_gives_a_document_or_invalid_record(at: int, cut: int, insert: bytes) -> None:
    mutated = _MINIMAL_BYTES[:at] + insert + _MINIMAL_BYTES[at + cut:]
    try:
        doc = load_ips(mutated)
    except InvalidRecord:
        return
    assert doc.composition is not None


def _tree_nodes(node: Any, path: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    yield path
    items = node.items() if isinstance(node, dict) else enumerate(node) if isinstance(node, list) else ()
    for key, value in items:
        yield from _tree_nodes(value, path + (key,))


def _at(node: Any, path: tuple[Any, ...]) -> Any:
    for key in path:
        node = node[key]
    return node


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.randoms(use_true_random=False), st.integers(1, 3))
def test_fuzz_structural_mutations_load_and_view_or_refuse(rnd: Random, mutations: int) -> None:
    # Delete elements or graft one part of the document onto another, then load and view it:
    # the only acceptable failure is InvalidRecord, at either step.
    bundle = minimal_bundle()
    for _ in range(mutations):
        paths = [p for p in _tree_nodes(bundle) if p]
        target, parent = rnd.choice(paths), None
        parent = _at(bundle, target[:-1])
        if rnd.random() < 0.5:
            del parent[target[-1]]
        else:
            parent[target[-1]] = copy.deepcopy(_at(bundle, rnd.choice(paths)))
    try:
        view = emergency_view(load_ips(as_bytes(bundle)))
    except InvalidRecord:
        return
    assert decode_summary(encode_summary(view)) == view
    assert view.render_text().startswith("EMERGENCY SUMMARY")


_XML_BYTES = fixture_path("IPS-bundle-01.xml").read_bytes()


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.integers(0, len(_XML_BYTES) - 1), st.integers(1, 60), st.sampled_from([b"", b"<", b">", b"/", b"x", b'"']))
def test_fuzz_mutated_xml_vector_gives_a_document_or_invalid_record(at: int, cut: int, insert: bytes) -> None:
    mutated = _XML_BYTES[:at] + insert + _XML_BYTES[at + cut:]
    try:
        view = emergency_view(load_ips(mutated))
    except InvalidRecord:
        return
    assert view.patient.name
