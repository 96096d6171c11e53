"""Hostile command lines into `iceband` (in process, a private home): every input ends in
argparse's usage error or one of the CLI's exit codes, never a traceback, and a command that
fails leaves the ledger as it was. Commands that open hardware or start the demo are left out."""

from __future__ import annotations

import contextlib
import io
import os
import random
import shutil
import sqlite3
import tempfile
from pathlib import Path

from ledger_client.cli import main

from . import Outcome, SimpleHarness

__all__ = ["cli_harness"]

_RECORD = str(Path(__file__).resolve().parents[2] / "vectors" / "hl7-ips" / "bundle-minimal.json")
_WORDS = ["record", "view", "put", "get", "--json", "--as", "patient", "hospital", "agency",
          "responder", "create", "revoke", "grant", "device", "register", "audit", "ledger",
          "verify", "checkpoint", "prove", "consistency", "--agency", "--hospital", "--suite",
          "x25519", "mlkem768-x25519", "--public-key", "--quiet", "--workers", "--ledger",
          "--store", "p1", "h1", "a1", "r1", "00" * 16, "zz", "-1", "0", "1", "99999999999",
          "sqlite:///nonexistent/x.db", "evm+http://127.0.0.1:1", "", "..", "a/b", "\u00e9",
          _RECORD, "/dev/null", "/", "--help"]
_EXIT = {0, 2, 3, 4, 5}


def cli_harness() -> SimpleHarness:
    home = tempfile.mkdtemp(prefix="iceband-fuzz-cli-")
    saved = {k: os.environ.get(k) for k in ("ICEBAND_HOME", "ICEBAND_PASSPHRASE")}
    os.environ["ICEBAND_HOME"], os.environ["ICEBAND_PASSPHRASE"] = home, "pw"
    ledger = Path(home) / "ledger.db"

    def size() -> int:
        if not ledger.exists():
            return 0
        with contextlib.closing(sqlite3.connect(f"file:{ledger}?mode=ro", uri=True)) as db:
            return int(db.execute("SELECT COUNT(*) FROM entries").fetchone()[0])

    def run(argv: list[str]) -> int:
        out = io.StringIO()
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(out):
            try:
                code = main(argv)
            except SystemExit as exc:  # argparse: --help (0) or a usage error (2)
                code = exc.code if isinstance(exc.code, int) else 2
        assert "Traceback" not in out.getvalue(), out.getvalue()
        return code

    seeds = [b"\x00create-p1", b"\x01grant", b"\x02view", b"\x03audit"]
    scripted = [["patient", "create", "p1"], ["hospital", "create", "h1"], ["grant", "p1", "h1"],
                ["record", "view", _RECORD], ["audit", "p1"], ["ledger", "checkpoint"]]

    def check(data: bytes) -> Outcome:
        rng = random.Random(data)
        if data[:1] in (b"\x00", b"\x01", b"\x02", b"\x03") and data[1:2].isalpha():
            argv = scripted[data[0] + (1 if data[0] and data[1:2] == b"g" else 0)]
        else:
            argv = [rng.choice(_WORDS) for _ in range(rng.randrange(1, 7))]
            if rng.randrange(3) == 0:
                argv.append(bytes(rng.randrange(32, 127) for _ in range(rng.randrange(12))).decode())
        before = size()
        code = run(argv)
        assert code in _EXIT, f"exit status {code} for {argv}"
        if code != 0:
            assert size() == before, f"a failed command changed the ledger: {argv}"
        return "accepted" if code == 0 else "rejected"

    def close() -> None:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
        shutil.rmtree(home, ignore_errors=True)
    return SimpleHarness(seeds, check, close)
