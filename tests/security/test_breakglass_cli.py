"""`iceband breakglass ...` end to end on a home made by the real CLI (patients, agencies,
a responder, a record): kit, override, two releases, open. The module is not yet in
`ledger_client.cli._COMMAND_MODULES` (the lead registers it), so the test builds the group
with its own `register`, exactly as `iceband` would."""

from __future__ import annotations

import argparse
from pathlib import Path

import pytest

from ledger_client.cli import breakglass
from ledger_client.cli import CliError, main

RECORD = Path(__file__).resolve().parents[1] / "vectors" / "hl7-ips" / "bundle-minimal.json"


def _iceband(home: Path, *args: str) -> None:
    """The real `iceband` entry point, in this process (one import of everything, not eight)."""
    assert main([*args, "--home", str(home)]) == 0


def _breakglass(home: Path, *args: str) -> None:
    parser = argparse.ArgumentParser(prog="iceband")
    breakglass.register(parser.add_subparsers(dest="command", required=True))
    parsed = parser.parse_args(["breakglass", *args, "--home", str(home)])
    assert parsed.func(parsed) == 0


def test_break_glass_from_the_command_line(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    home = tmp_path / "home"
    monkeypatch.setenv("ICEBAND_PASSPHRASE", "pw")
    for command in (("patient", "create", "martha"), ("hospital", "create", "general"),
                    ("agency", "create", "ems-a"), ("agency", "create", "ems-b"),
                    ("agency", "create", "ems-c"),
                    ("responder", "create", "ray", "--agency", "ems-a"),
                    ("grant", "martha", "general"),
                    ("record", "put", "martha", str(RECORD), "--hospital", "general")):
        _iceband(home, *command)
    _breakglass(home, "kit", "martha", "--authority", "ems-a", "--authority", "ems-b",
                "--authority", "ems-c", "--quorum", "2")
    capsys.readouterr()
    _breakglass(home, "override", "martha", "--responder", "ray", "--reason", "burns",
                "--approve", "ems-a", "--approve", "ems-c")
    entry = capsys.readouterr().out.split("entry ")[1].split(" ")[0]
    with pytest.raises(CliError, match="ems-b refuses: this authority did not approve"):
        _breakglass(home, "release", "martha", "--entry", entry, "--authority", "ems-b")
    for authority in ("ems-a", "ems-c"):
        _breakglass(home, "release", "martha", "--entry", entry, "--authority", authority)
    with pytest.raises(CliError, match="answered already"):
        _breakglass(home, "release", "martha", "--entry", entry, "--authority", "ems-a")
    capsys.readouterr()
    _breakglass(home, "open", "martha", "--entry", entry)
    shown = capsys.readouterr().out
    assert shown.startswith(f"EMERGENCY OVERRIDE (break-glass entry {entry})")
    assert "DeLarosa" in shown
    _iceband(home, "audit", "martha")
    assert "break" in capsys.readouterr().out.lower()  # the override is in the patient's audit
