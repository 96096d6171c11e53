"""Print the encoded size of the band's emergency summary for each HL7 IPS vector.

    .venv/bin/python benchmarks/summary_sizes.py

Columns: source document bytes, emergency view as JSON bytes, encoded summary bytes
(IS v1: header + zlib of the TLV body), TLV body bytes before compression, and the time to
load + extract + encode (median of a few runs; a figure to watch, not a test).
"""

from __future__ import annotations

import json
import statistics
import sys
import time
import zlib
from pathlib import Path

from ledger_client.fhir import decode_summary, emergency_view, encode_summary, load_ips

VECTORS = Path(__file__).resolve().parent.parent / "tests" / "vectors" / "hl7-ips"
TARGET = 2048


def main() -> int:
    files = sorted(p for p in VECTORS.iterdir() if p.suffix in (".json", ".xml"))
    print(f"{'document':42} {'source':>7} {'view json':>9} {'summary':>7} {'body':>6} {'ms':>6}")
    worst = 0
    for path in files:
        timings = []
        for _ in range(5):
            start = time.perf_counter()
            view = emergency_view(load_ips(path))
            blob = encode_summary(view)
            timings.append((time.perf_counter() - start) * 1000)
        assert decode_summary(blob) == view
        body = zlib.decompress(blob[3:])
        view_json = json.dumps(view.to_dict(), ensure_ascii=False).encode()
        worst = max(worst, len(blob))
        print(f"{path.name:42} {path.stat().st_size:7} {len(view_json):9} {len(blob):7} {len(body):6} "
              f"{statistics.median(timings):6.1f}")
    print(f"largest summary: {worst} bytes (target for a typical patient: under {TARGET})")
    return 0 if worst < TARGET else 1


if __name__ == "__main__":
    sys.exit(main())
