"""docs/threat-model.md names crypto tests as evidence; every name must still exist."""

from __future__ import annotations

import re
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def _cited_tests() -> list[str]:
    cited = []
    for line in (REPO / "docs" / "threat-model.md").read_text().splitlines():
        path = None
        for ref in re.findall(r"`([^`]+)`", line):
            if ref.startswith("tests/"):
                path = ref.split("::")[0]
                cited.append(ref)
            elif ref.startswith("::") and path:
                cited.append(path + ref)
    return [c for c in cited if c.startswith("tests/crypto/")]


def test_threat_model_cites_only_existing_crypto_tests() -> None:
    cited = _cited_tests()
    assert len(cited) >= 15
    missing = []
    for reference in cited:
        path, _, name = reference.partition("::")
        source = (REPO / path).read_text() if (REPO / path).exists() else ""
        base = name.split("[")[0]
        if f"def {base}(" not in source and f"class {base}" not in source:
            missing.append(reference)
    assert missing == []
