"""The whole project through its one CLI: a home with a hospital, an agency, a responder and a
patient with a record (ledger_client workflows), a band provisioned by `iceband band provision`
(the firmware in the HIL harness's simulated band), this tablet set up for the responder, and
`iceband scan --headless` over the simulated PN532 reader."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from hardware.hil import SimulatedBand
from ledger_client.cli import main

RECORD = Path(__file__).resolve().parents[1] / "vectors" / "hl7-ips" / "IPS-bundle-01.xml"


def test_scan_a_band_provisioned_with_the_cli(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("ICEBAND_PASSPHRASE", "correct horse")
    home = str(tmp_path / "home")
    for argv in (["agency", "create", "ambulance"], ["responder", "create", "rita",
                                                      "--agency", "ambulance"],
                 ["hospital", "create", "general"], ["patient", "create", "alice"],
                 ["grant", "alice", "general"],
                 ["record", "put", "alice", str(RECORD), "--hospital", "general"]):
        assert main([*argv, "--home", home]) == 0, argv
    with SimulatedBand(interpreter="cpython") as band:
        assert band.sensor and band.field
        stop = threading.Event()

        def press_and_lift() -> None:
            while not stop.is_set():
                band.sensor.place_finger("alice")  # type: ignore[union-attr]
                stop.wait(0.25)
                band.sensor.lift_finger()  # type: ignore[union-attr]
                stop.wait(0.25)

        presser = threading.Thread(target=press_and_lift)
        presser.start()
        try:
            assert main(["band", "provision", "alice", "--port", band.serial_path,
                         "--home", home, "--hospital", "general"]) == 0
        finally:
            stop.set()
            presser.join()
        assert main(["tablet", "setup", "rita", "--home", home]) == 0
        assert main(["tablet", "setup", "rita", "--home", home]) == 2  # never overwritten
        capsys.readouterr()
        band.sensor.place_finger("alice")
        band.field.tap()
        code = main(["scan", "--reader", "pty:" + band.reader_path, "--headless",
                     "--profile", str(Path(home) / "tablet"), "--wait", "5"])
    out = capsys.readouterr().out
    assert code == 0, out
    assert "EMERGENCY SUMMARY" in out and "logged on the ledger" in out
    assert "ALLERGIES AND INTOLERANCES" in out
