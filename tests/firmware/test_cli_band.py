"""`iceband band provision|status|reset` against the simulated band (the unchanged firmware on
CPython, wired to the simulated sensor and USB serial by hardware.hil)."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from hardware.hil import SimulatedBand
from ledger_client.cli import main
from ledger_client.home import Home, Role
from ledger_client.ledger import open_ledger
from ledger_client.ledger.entries import DeviceRegistered
from responder_app.emergency_blob import open_emergency_blob
from responder_app.protocol import BandProtocol
from responder_app.transport_serial import SerialReader


@pytest.fixture
def band() -> Iterator[SimulatedBand]:
    with SimulatedBand(interpreter="cpython") as simulated:
        yield simulated


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("ICEBAND_PASSPHRASE", "correct horse")
    root = tmp_path / "home"
    for argv in (["agency", "create", "ambulance"], ["patient", "create", "alice"]):
        assert main([*argv, "--home", str(root)]) == 0
    return root


@pytest.fixture
def home_with_record(home: Path) -> Path:
    """Alice also has an IPS record anchored, so the band gets an offline summary."""
    record = Path(__file__).resolve().parents[1] / "vectors" / "hl7-ips" / "IPS-bundle-01.xml"
    for argv in (["hospital", "create", "general"], ["grant", "alice", "general"],
                 ["record", "put", "alice", str(record), "--hospital", "general"]):
        assert main([*argv, "--home", str(home)]) == 0
    return home


def _finger_in_and_out(band: SimulatedBand, stop: threading.Event) -> None:
    """The patient presses and lifts, over and over, until provisioning is done."""
    assert band.sensor
    while not stop.is_set():
        band.sensor.place_finger("alice")
        stop.wait(0.25)
        band.sensor.lift_finger()
        stop.wait(0.25)


def test_provision_then_status_then_refuse_again(band: SimulatedBand, home: Path,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    stop = threading.Event()
    presser = threading.Thread(target=_finger_in_and_out, args=(band, stop))
    presser.start()
    try:
        code = main(["band", "provision", "alice", "--port", band.serial_path, "--home", str(home)])
    finally:
        stop.set()
        presser.join()
    out = capsys.readouterr().out
    assert code == 0, out
    assert out.count("press 1 of 2") == out.count("press 2 of 2") == out.count("lift") == 1
    assert "device registered" in out

    with SerialReader(band.serial_path).wait_for_band(2.0) as device:
        facts = BandProtocol(device).select()
    alice = Home(home).identity(Role.PATIENT, "alice")
    assert facts.patient_address == alice.address and facts.state == 1
    assert band.sensor and band.sensor.enrolled()[0] == "alice"

    ledger = open_ledger(Home(home).ledger_url)
    try:
        devices = [e.entry.body for e in ledger.entries() if isinstance(e.entry.body, DeviceRegistered)]
    finally:
        ledger.close()
    assert [d.device_id for d in devices] == [facts.device_id]
    # the blob on the band's flash opens with the agency's key and holds alice's emergency key
    prov = (band.state_dir / "iceband" / "prov.bin").read_bytes()
    blob = prov[76:76 + int.from_bytes(prov[72:74], "big")]
    agency_key = Home(home).recipient_key(Role.AGENCY, "ambulance", "correct horse")
    payload = open_emergency_blob(blob, agency_key, facts.device_id)
    alice_ek = Home(home).recipient_key(Role.PATIENT, "alice", "correct horse")
    assert payload.emergency_key.to_bytes() == alice_ek.to_bytes()
    assert payload.device_secret == prov[40:72]

    assert main(["band", "status", "--port", band.serial_path]) == 0
    status = capsys.readouterr().out
    assert facts.device_id.hex() in status and "ready" in status

    assert main(["band", "provision", "alice", "--port", band.serial_path,
                 "--home", str(home)]) == 3
    assert "already provisioned" in capsys.readouterr().err


def test_provision_carries_the_offline_summary(band: SimulatedBand, home_with_record: Path,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    from ledger_client.fhir import decode_summary
    from responder_app.emergency_blob import open_summary
    stop = threading.Event()
    presser = threading.Thread(target=_finger_in_and_out, args=(band, stop))
    presser.start()
    try:
        assert main(["band", "provision", "alice", "--port", band.serial_path,
                     "--home", str(home_with_record)]) == 0
    finally:
        stop.set()
        presser.join()
    prov = (band.state_dir / "iceband" / "prov.bin").read_bytes()
    blob_len, summary_len = int.from_bytes(prov[72:74], "big"), int.from_bytes(prov[74:76], "big")
    assert summary_len > 0
    sealed = prov[76 + blob_len:76 + blob_len + summary_len]
    agency_key = Home(home_with_record).recipient_key(Role.AGENCY, "ambulance", "correct horse")
    summary = decode_summary(open_summary(sealed, agency_key, prov[4:20]))
    assert summary  # a decoded emergency view of the anchored record


def test_status_on_a_missing_port_is_a_clear_error(tmp_path: Path,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["band", "status", "--port", str(tmp_path / "no-such-tty")]) == 5
    assert "cannot open the serial port" in capsys.readouterr().err


def test_reset_explains_the_button() -> None:
    from ledger_client.cli.band import RESET_TEXT
    assert "hold" in RESET_TEXT and "3 seconds" in RESET_TEXT
    assert main(["band", "reset"]) == 0
