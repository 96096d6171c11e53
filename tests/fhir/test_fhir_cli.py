"""`iceband record view`: through `ledger_client.cli.main`, and once through the installed script."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from fhir_cases import FIXTURES, as_bytes, entry_of, fixture_path, minimal_bundle
from ledger_client.cli import main
from ledger_client.fhir import EmergencyView, emergency_view, load_ips

ICEBAND = Path(sys.executable).parent / "iceband"


@pytest.mark.parametrize("name", FIXTURES)
def test_view_prints_the_text_view(name: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["record", "view", str(fixture_path(name))]) == 0
    out, err = capsys.readouterr()
    assert err == ""
    assert out == emergency_view(load_ips(fixture_path(name))).render_text()
    assert out.index("ALLERGIES AND INTOLERANCES") < out.index("ACTIVE PROBLEMS") < out.index("PATIENT")


def test_view_marks_high_criticality(capsys: pytest.CaptureFixture[str]) -> None:
    main(["record", "view", str(fixture_path("IPS-bundle-with-immunization.xml"))])
    out = capsys.readouterr().out
    assert "!! HIGH CRITICALITY: Substance with penicillin structure" in out
    assert "Blood group A Rh(D) positive" in out


def test_view_json(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["record", "view", "--json", str(fixture_path("bundle-minimal.json"))]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["allergies"][0]["criticality"] == "high"
    assert data["medications"][0]["dosage"] == "1 tablet once daily (Oral use)"
    assert EmergencyView.from_dict(data) == emergency_view(load_ips(fixture_path("bundle-minimal.json")))


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b'{"resourceType": "Bundle", "type": "doc', "invalid JSON"),
        (as_bytes(entry_of(minimal_bundle(), "Patient")), "a Patient resource, not a Bundle"),
        (b"<not-fhir/>", "not in the FHIR namespace"),
        (b"hello", "expected JSON"),
    ],
)
def test_bad_files_exit_2_with_one_line(content: bytes, message: str, tmp_path: Path,
                                        capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "record.json"
    path.write_bytes(content)
    assert main(["record", "view", str(path)]) == 2
    out, err = capsys.readouterr()
    assert out == ""
    assert err.count("\n") == 1 and err.startswith(f"iceband: error: {path}: ") and message in err


def test_missing_file_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    missing = tmp_path / "nope.json"
    assert main(["record", "view", str(missing)]) == 2
    err = capsys.readouterr().err
    assert err == f"iceband: error: cannot read {missing}: No such file or directory\n"


def test_record_needs_an_action(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["record"])
    assert exited.value.code == 2
    assert "view" in capsys.readouterr().err


def test_installed_script(tmp_path: Path) -> None:
    good = subprocess.run([str(ICEBAND), "record", "view", str(fixture_path("IPS-bundle-01.xml"))],
                          capture_output=True, text=True, timeout=60)
    assert good.returncode == 0, good.stderr
    assert good.stdout.startswith("EMERGENCY SUMMARY")
    assert "* No known food allergy" in good.stdout
    bad = tmp_path / "bad.xml"
    bad.write_text("<Bundle xmlns='http://hl7.org/fhir'><type value='collection'/></Bundle>")
    failed = subprocess.run([str(ICEBAND), "record", "view", str(bad)], capture_output=True, text=True, timeout=60)
    assert failed.returncode == 2
    assert failed.stdout == ""
    assert failed.stderr == (f"iceband: error: {bad}: not an IPS document: Bundle type is 'collection', "
                             "not 'document'\n")
