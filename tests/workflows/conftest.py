"""Run `iceband` in-process against a fresh home folder."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest

from ledger_client.cli import main

FIXTURES = Path("/work/shared/fixtures/ips")
REPO = Path(__file__).resolve().parents[2]


@dataclass
class Result:
    code: int
    out: str
    err: str


@dataclass
class Iceband:
    home: Path
    capsys: pytest.CaptureFixture[str]

    def __call__(self, *args: str) -> Result:
        self.capsys.readouterr()
        code = main([*args, "--home", str(self.home)])
        captured = self.capsys.readouterr()
        return Result(code, captured.out, captured.err)

    def ok(self, *args: str) -> str:
        result = self(*args)
        assert result.code == 0, result.err
        return result.out


@pytest.fixture
def iceband(tmp_path: Path, capsys: pytest.CaptureFixture[str],
            monkeypatch: pytest.MonkeyPatch) -> Iceband:
    monkeypatch.setenv("ICEBAND_PASSPHRASE", "correct horse")
    monkeypatch.delenv("ICEBAND_HOME", raising=False)
    return Iceband(tmp_path / "home", capsys)


@pytest.fixture(scope="session")
def ips_file() -> Path:
    for name in ("bundle-minimal.json", "IPS-bundle-01.xml"):
        if (FIXTURES / name).exists():
            return FIXTURES / name
    raise FileNotFoundError(f"no IPS fixture in {FIXTURES}")
