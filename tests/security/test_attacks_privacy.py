"""What an attacker reads from what they can get: the ledger file (anyone may hold a copy),
the band's flash (a thief can dump it); and what the patient sees of every access."""

from __future__ import annotations

import json
from pathlib import Path

from ledger_client.crypto import address_bytes
from ledger_client.workflows.audit import audit_ledger
from responder_app.demo import DEMO_FINGER
from sec_world import Scene

VECTOR = Path(__file__).resolve().parents[1] / "vectors" / "hl7-ips" / "bundle-minimal.json"


def _health_strings() -> list[bytes]:
    """Distinctive clear-text values of the demo record (names, codes, dates)."""
    doc = json.loads(VECTOR.read_text())
    found: set[str] = set()

    def walk(node: object, key: str = "") -> None:
        if isinstance(node, dict):
            for k, v in node.items():
                walk(v, k)
        elif isinstance(node, list):
            for v in node:
                walk(v, key)
        elif isinstance(node, str) and key in ("family", "display", "birthDate", "code", "text") \
                and len(node) >= 8 and not node.islower() and not node.startswith("http"):
            found.add(node)
    walk(doc)
    return sorted(s.encode() for s in found)


def _access(scene: Scene) -> None:
    session = scene.session()
    session.connect()
    scene.world.band.place_finger(DEMO_FINGER)
    session.release()
    session.read_record()
    session.close()


def test_no_health_data_in_the_ledger_file(scene: Scene) -> None:
    _access(scene)
    strings = _health_strings()
    assert len(strings) >= 5 and b"DeLarosa" in strings
    db = Path(scene.world.ledger_url.removeprefix("sqlite://"))
    raw = b"".join(p.read_bytes() for p in db.parent.glob(db.name + "*"))
    assert [s for s in strings if s in raw] == []


def test_a_dumped_band_flash_holds_no_emergency_key_and_no_health_data(scene: Scene) -> None:
    _access(scene)
    world = scene.world
    flash = b"".join(p.read_bytes() for p in Path(world.band.state_dir).rglob("*") if p.is_file())
    assert len(flash) > 500  # the vault is there: blob, summary, counters
    ek_private = world.patient_ek.to_bytes()
    assert ek_private[1:] not in flash and ek_private not in flash
    assert [s for s in _health_strings() if s in flash] == []


def test_every_access_is_in_the_patients_verified_audit(scene: Scene) -> None:
    _access(scene)
    _access(scene)
    responder = scene.world.responder_key.verify_key.to_bytes()
    with scene.ledger() as ledger:  # type: ignore[attr-defined]
        report = audit_ledger(ledger, address_bytes(scene.world.address),
                              ledger_key=ledger.public_key,
                              names={responder: "responder Demo Responder"})
    accesses = [e for e in report.events if e.kind == "emergency_access"]
    assert [a.who for a in accesses] == ["responder Demo Responder"] * 2
    assert ["release #1" in accesses[0].what, "release #2" in accesses[1].what] == [True, True]
    assert all(a.proof == "inclusion proof verified" and not a.override for a in accesses)
    assert report.overrides == []
    text = report.render_text()
    shown = [line for line in text.splitlines() if "emergency_access" in line]
    assert len(shown) == 2 and all("responder Demo Responder" in line for line in shown)
    assert "OVERRIDE" not in text
