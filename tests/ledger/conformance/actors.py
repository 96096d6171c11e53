"""A cast for conformance tests: real keys, real entries, written through `author.write`."""

from __future__ import annotations

import os
from dataclasses import dataclass, field

from ledger_client.crypto import RecipientKey, SigningKey, Suite
from ledger_client.ledger import (
    AgencyRegistered, DeviceRegistered, EmergencyAccess, HospitalGranted, Ledger,
    PatientRegistered, RecordAnchored, ResponderRegistered)
from ledger_client.ledger.author import now_ms, write
from ledger_client.ledger.rules import address_of


@dataclass
class Cast:
    ledger: Ledger
    patient: SigningKey = field(default_factory=SigningKey.generate)
    hospital: SigningKey = field(default_factory=SigningKey.generate)
    agency: SigningKey = field(default_factory=SigningKey.generate)
    responder: SigningKey = field(default_factory=SigningKey.generate)
    emergency: RecipientKey = field(default_factory=lambda: RecipientKey.generate(Suite.X25519))
    agency_recipient: RecipientKey = field(default_factory=lambda: RecipientKey.generate(Suite.X25519))
    device_id: bytes = field(default_factory=lambda: os.urandom(16))

    @property
    def address(self) -> bytes:
        return address_of(self.patient.verify_key.to_bytes())

    def pub(self, key: SigningKey) -> bytes:
        return key.verify_key.to_bytes()

    def register_patient(self) -> None:
        write(self.ledger, self.patient, PatientRegistered(self.emergency.public_key().to_bytes()))

    def grant(self) -> None:
        write(self.ledger, self.patient, HospitalGranted(self.pub(self.hospital)))

    def anchor_body(self, version: int = 1, record_id: str = "ips") -> RecordAnchored:
        return RecordAnchored(self.address, record_id, version, os.urandom(32), b"sealed-pointer")

    def register_device(self) -> None:
        write(self.ledger, self.patient, DeviceRegistered(self.address, self.device_id))

    def register_agency_and_responder(self) -> None:
        write(self.ledger, self.agency,
              AgencyRegistered("Metro EMS", self.agency_recipient.public_key().to_bytes()))
        write(self.ledger, self.agency, ResponderRegistered(self.pub(self.responder)))

    def access_body(self, counter: int = 1) -> EmergencyAccess:
        return EmergencyAccess(self.address, self.device_id, counter, os.urandom(16), now_ms(), False)

    def setup_all(self) -> "Cast":
        self.register_patient()
        self.grant()
        self.register_device()
        self.register_agency_and_responder()
        return self
