"""Fuzz targets for every parser that faces the outside (issue 8), shared by
tests/security/test_fuzz_*.py (CI size, hypothesis, derandomized) and benchmarks/fuzz.py
(nightly size, 1,000,000 inputs per target).

A target builds a `Harness`: seeds that the real code produced, and `check(data)`, which feeds
one input to the parser and returns "accepted" or "rejected". It raises (AssertionError or the
parser's unexpected exception) when a property breaks: an exception other than the parser's
own typed error, a changed state after a refused input, a forgery accepted, a round trip that
does not give the same bytes back.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
import random
from typing import Callable, Literal, Protocol

__all__ = ["Outcome", "Harness", "Target", "TARGETS", "harness", "SimpleHarness"]

Outcome = Literal["accepted", "rejected"]


class Harness(Protocol):
    seeds: list[bytes]

    def check(self, data: bytes) -> Outcome: ...

    def close(self) -> None: ...


@dataclass
class SimpleHarness:
    seeds: list[bytes]
    check: Callable[[bytes], Outcome]
    closer: Callable[[], None] | None = None
    # structure-aware inputs (e.g. JSON edits, APDU sequences); runners mix them with byte edits
    generate: Callable[[random.Random], bytes] | None = None

    def close(self) -> None:
        if self.closer is not None:
            self.closer()


@dataclass(frozen=True)
class Target:
    name: str
    module: str          # fuzzkit module with the builder
    builder: str         # function name: () -> Harness
    max_size: int        # longest input worth trying
    ci_examples: int     # hypothesis examples in CI (the slow parsers get fewer)
    what: str


TARGETS: dict[str, Target] = {t.name: t for t in (
    Target("ledger-entry", "ledger", "entry_harness", 600, 400,
           "ledger_client.ledger.codec.decode_entry + signature check"),
    Target("ledger-checkpoint", "ledger", "checkpoint_harness", 400, 400,
           "ledger_client.ledger.checkpoint.Checkpoint.from_text + verify"),
    Target("signed-entries-into-sqlite", "ledger_writes", "ledger_writes_harness", 64, 200,
           "SqliteLedger.append/append_batch: signed hostile entries, refusals change nothing"),
    Target("merkle-inclusion", "ledger", "inclusion_harness", 400, 400,
           "ledger_client.ledger.merkle.verify_inclusion on a 37-leaf tree"),
    Target("merkle-consistency", "ledger", "consistency_harness", 400, 400,
           "ledger_client.ledger.merkle.verify_consistency on a 37-leaf tree"),
    Target("record-blob", "crypto", "record_harness", 1200, 300,
           "ledger_client.crypto read_record_header + decrypt_record"),
    Target("sealed-blob", "crypto", "sealed_harness", 1600, 300,
           "ledger_client.crypto open_sealed / open_from_many (band blob)"),
    Target("recipient-key", "crypto", "recipient_key_harness", 2600, 300,
           "ledger_client.crypto RecipientPublicKey/RecipientKey/VerifyKey.from_bytes"),
    Target("key-file", "crypto", "keyfile_harness", 400, 100,
           "ledger_client.crypto.load_key_file (scrypt per input: few examples)"),
    Target("break-glass-kit", "crypto", "kit_harness", 1200, 300,
           "ledger_client.breakglass.BreakGlassKit.from_bytes + share opening"),
    Target("fhir-document", "fhir", "document_harness", 40000, 150,
           "ledger_client.fhir.load_ips + emergency_view on mutated HL7 IPS bundles"),
    Target("fhir-summary", "fhir", "summary_harness", 3000, 400,
           "ledger_client.fhir.decode_summary"),
    Target("r30x-into-simulator", "hardware", "fingerprint_sim_harness", 300, 400,
           "hardware.sim.fingerprint PacketReader + Sensor.receive"),
    Target("pn532-into-simulators", "hardware", "pn532_sim_harness", 300, 400,
           "hardware.sim.nfc FrameReader + reader/card chip commands"),
    Target("iso-dep-into-picc", "hardware", "picc_harness", 300, 400,
           "hardware.sim.nfc.picc IsoDepPicc.on_block (ISO-DEP blocks from the reader)"),
    Target("r30x-into-firmware", "firmware", "r30x_driver_harness", 200, 400,
           "firmware/drivers/r30x.py R30x replies from a hostile sensor UART"),
    Target("apdu-into-applet", "firmware", "applet_harness", 300, 400,
           "firmware/applet.py Applet.process: APDU sequences, NFC and wired"),
    Target("serial-frames-into-firmware", "fw_links", "serial_link_harness", 2200, 300,
           "firmware/serial_link.py FrameReader (USB-serial provisioning frames)"),
    Target("pn532-into-firmware", "fw_links", "pn532_target_harness", 600, 300,
           "firmware/drivers/pn532_target.py Pn532Target (chip frames from a hostile PN532)"),
    Target("cli-arguments", "cli", "cli_harness", 64, 100,
           "iceband command lines (record, identities, grant, device, audit, ledger)"),
    Target("serial-frames-into-app", "app", "serial_harness", 2200, 400,
           "responder_app.transport_serial.FrameDecoder"),
    Target("band-answers-into-app", "app", "band_answer_harness", 1200, 400,
           "responder_app.protocol: SELECT and release answers from a hostile band"),
)}


def harness(name: str) -> Harness:
    target = TARGETS[name]
    module = importlib.import_module(f"{__name__}.{target.module}")
    built: Harness = getattr(module, target.builder)()
    return built
