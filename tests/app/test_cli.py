"""`iceband demo --headless` and `iceband scan` as a user runs them (a real subprocess)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

VECTORS = Path(__file__).resolve().parent.parent / "vectors" / "hl7-ips"


def iceband(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    environment = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY")}
    environment.update(env or {})
    return subprocess.run([sys.executable, "-m", "ledger_client", *args], text=True,
                          capture_output=True, timeout=120, env=environment)


def test_demo_without_a_display_runs_headless_shows_the_record_and_exits_0() -> None:
    run = iceband("demo")  # no DISPLAY in the environment: the same flow, printed
    assert run.returncode == 0, run.stderr
    assert "no display: running the demo headless" in run.stderr
    out = run.stdout
    assert "HIGH CRITICALITY" in out and "penicillin" in out
    assert out.index("ALLERGIES") < out.index("ACTIVE PROBLEMS") < out.index("CURRENT MEDICATIONS")
    assert "logged on the ledger at index" in out


def test_demo_headless_with_an_xml_record(tmp_path: Path) -> None:
    run = iceband("demo", "--headless", "--record", str(VECTORS / "IPS-bundle-01.xml"),
                  "--home", str(tmp_path / "home"))
    assert run.returncode == 0, run.stderr
    assert "EMERGENCY SUMMARY" in run.stdout
    assert (tmp_path / "home" / "ledger.db").exists()


def test_demo_headless_wrong_finger_is_refused_with_retries_left() -> None:
    run = iceband("demo", "--headless", "--finger", "wrong")
    assert run.returncode == 1
    assert "REFUSED (Wrong finger)" in run.stdout and "2 tries left" in run.stdout
    assert "EMERGENCY SUMMARY" not in run.stdout


def test_demo_refuses_a_file_that_is_not_an_ips_document(tmp_path: Path) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text('{"resourceType": "Patient"}')
    run = iceband("demo", "--headless", "--record", str(bad))
    assert run.returncode == 2
    assert run.stderr.startswith("iceband: error: cannot set up the demo")
    assert len(run.stderr.strip().splitlines()) == 1


@pytest.mark.parametrize("reader, message", [
    ("bluetooth:x", "unknown device string"),
    ("serial:/dev/does-not-exist", "no band"),
])
def test_scan_errors_are_one_line(tmp_path: Path, reader: str, message: str) -> None:
    from ledger_client.crypto import RecipientKey, SigningKey
    from responder_app.profile import TabletProfile
    TabletProfile.create(tmp_path / "tablet", name="R", passphrase="pw", signing_key=SigningKey.generate(),
                         agency_key=RecipientKey.generate(), ledger_url="sqlite:///nowhere/l.db",
                         store_dir=tmp_path / "store", fast_kdf=True)
    run = iceband("scan", "--reader", reader, "--headless", "--profile", str(tmp_path / "tablet"),
                  "--wait", "0.2", env={"ICEBAND_PASSPHRASE": "pw"})
    assert message in (run.stdout + run.stderr)
    assert run.returncode in (2, 3)


def test_scan_without_a_profile_says_so(tmp_path: Path) -> None:
    run = iceband("scan", "--reader", "usb", "--headless", "--profile", str(tmp_path / "none"))
    assert run.returncode == 2 and "no responder profile" in run.stderr


@pytest.mark.evm
def test_demo_headless_on_the_evm_ledger() -> None:
    """The same flow with the ledger on an in-process EVM chain (the Vyper contract)."""
    run = iceband("demo", "--headless", "--band", "inprocess", "--ledger", "evm+tester://demo")
    assert run.returncode == 0, run.stderr[-2000:]
    assert "HIGH CRITICALITY" in run.stdout and "logged on the ledger at index" in run.stdout
