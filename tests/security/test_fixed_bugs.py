"""Bugs the security campaign found, now fixed (by this campaign in finished areas, or by
their owners after an xfail(strict) test here flipped), one test each with the exact input."""

from __future__ import annotations

import json
from pathlib import Path

import base64

import pytest

from ledger_client.fhir import emergency_view, load_ips
from ledger_client.ledger.checkpoint import Checkpoint
from ledger_client.ledger.errors import BadCheckpoint

VECTORS = Path(__file__).resolve().parents[1] / "vectors" / "hl7-ips"


def test_allergy_category_list_with_a_null_gives_a_view_not_a_type_error() -> None:
    """`"category": [null]` passes the FHIR models; extract.allergies copied the None into
    Allergy.categories and the view's schema raised TypeError, which escaped load + view (the
    responder session catches FhirError only). Found by fuzzkit fhir-document."""
    doc = json.loads((VECTORS / "bundle-minimal.json").read_text())
    allergies = [e["resource"] for e in doc["entry"]
                 if e.get("resource", {}).get("resourceType") == "AllergyIntolerance"]
    assert allergies
    for resource in allergies:
        resource["category"] = [None, "food"]
    view = emergency_view(load_ips(json.dumps(doc).encode()))
    assert view.allergies and all(a.categories == ("food",) for a in view.allergies)


class _MatchingSensor:
    """A sensor with the patient's finger on it: every step succeeds."""
    page, score = 1, 200

    def gen_img(self) -> int:
        return 0x00

    def img2tz(self, buffer_id: int) -> int:
        return 0x00

    def search(self, buffer_id: int) -> int:
        return 0x00

    def ring(self, mode: int, color: int) -> int:
        return 0x00


def test_first_poll_after_the_finger_window_gets_no_finger(tmp_path) -> None:  # type: ignore[no-untyped-def]
    """The 15 s window of docs/protocol.md 2.2 bounds a relay that holds the POLL back: it was
    checked only when GenImg found no finger (fixed in firmware/release.py, 92623e2)."""
    from fuzzkit.firmware import SELECT, FakeClock, firmware_modules
    fw = firmware_modules()
    vault = fw["vault"].Vault(str(tmp_path / "band"))
    vault.provision(bytes(16), bytes(20), bytes(32), b"blob" * 10, b"")
    clock = FakeClock()
    applet = fw["applet"].Applet(vault, _MatchingSensor(), clock)
    assert bytes(applet.process(SELECT))[-2:] == b"\x90\x00"
    assert bytes(applet.process(b"\x80\x10\x00\x00\x20" + bytes(32)))[-2:] == b"\x90\x00"
    clock.now += fw["proto"].FINGER_DEADLINE_MS + 1000  # a relay holds the POLL back 16 s
    answer = bytes(applet.process(b"\x80\x11\x00\x00\x00"))
    assert answer[-2:] == b"\x64\x02", answer[-2:].hex()
    assert vault.release_counter == 0


def test_xml_declaring_an_unknown_encoding_is_an_invalid_record() -> None:
    """expat looks a declared encoding up in Python's codecs; LookupError escaped load_ips
    (found by benchmarks/fuzz.py, fhir-document input 52813: 'utf-8' mutated to 'utq-8')."""
    from ledger_client.fhir import InvalidRecord
    xml = (VECTORS / "IPS-bundle-01.xml").read_bytes()
    assert xml.startswith(b"<?xml") and b'encoding="utf-8"' in xml[:100]
    with pytest.raises(InvalidRecord, match="unknown encoding: utq-8"):
        load_ips(xml.replace(b'encoding="utf-8"', b'encoding="utq-8"', 1))


def _checkpoint_text(size: str, root: str) -> str:
    sig = base64.b64encode(bytes(68)).decode()
    return f"o\n{size}\n{root}\n1\n\n\u2014 o {sig}\n"


def test_checkpoint_with_unicode_digit_is_a_bad_checkpoint() -> None:
    with pytest.raises(BadCheckpoint):
        Checkpoint.from_text(_checkpoint_text("\u00b2", base64.b64encode(bytes(32)).decode()))


def test_checkpoint_with_non_ascii_root_is_a_bad_checkpoint() -> None:
    with pytest.raises(BadCheckpoint):
        Checkpoint.from_text(_checkpoint_text("1", "\u00e9" * 44))



_FULL_DISK = r"""
import os, resource, signal, sys
from ledger_client.crypto import RecipientKey, SigningKey
from ledger_client.ledger.author import write
from ledger_client.ledger.entries import HospitalGranted, PatientRegistered
from ledger_client.ledger.errors import LedgerError
from ledger_client.ledger.sqlite import SqliteLedger
signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
resource.setrlimit(resource.RLIMIT_FSIZE, (512 * 1024, 512 * 1024))  # the disk fills up
patient = SigningKey.generate()
ledger = SqliteLedger(sys.argv[1])
write(ledger, patient, PatientRegistered(RecipientKey.generate().public_key().to_bytes()))
try:
    for _ in range(10000):
        write(ledger, patient, HospitalGranted(os.urandom(32)))
except LedgerError as exc:
    print("LedgerError", ledger.size(), exc)
except Exception as exc:
    print(type(exc).__name__, ledger.size(), exc)
"""


def test_ledger_on_a_full_disk_raises_a_ledger_error(tmp_path) -> None:  # type: ignore[no-untyped-def]
    import subprocess
    import sys
    result = subprocess.run([sys.executable, "-c", _FULL_DISK, str(tmp_path / "l.db")],
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    kind, size, message = result.stdout.split(" ", 2)
    assert kind == "LedgerError", result.stdout
    assert int(size) > 1  # some entries fitted before the disk was full
