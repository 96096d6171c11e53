"""Helpers shared by the EVM tests (a module with a unique name, so that it never collides
with another folder's conftest): a fresh contract on a running Anvil, and a cast of keys."""

from __future__ import annotations

import os
from dataclasses import dataclass, field

from eth_account import Account
from web3 import Web3

from ledger_client.crypto import RecipientKey, SigningKey, Suite
from ledger_client.evm.anvil import ANVIL_DEV_KEYS, Anvil
from ledger_client.evm.backend import EvmLedger
from ledger_client.evm.connect import deploy_ledger, open_evm_ledger
from ledger_client.ledger import (
    AgencyRegistered, DeviceRegistered, EmergencyAccess, HospitalGranted, PatientRegistered,
    RecordAnchored, ResponderRegistered)
from ledger_client.ledger.author import now_ms, write
from ledger_client.ledger.rules import address_of

__all__ = ["fresh_anvil_ledger", "People"]


def fresh_anvil_ledger(node: Anvil, **options: object) -> EvmLedger:
    w3 = Web3(Web3.HTTPProvider(node.rpc_url))
    deployment = deploy_ledger(w3, Account.from_key(ANVIL_DEV_KEYS[0]))
    return open_evm_ledger(f"evm+{node.rpc_url}/{deployment.address}", **options)


@dataclass
class People:
    """Real keys for everyone who writes to a ledger."""
    ledger: EvmLedger
    patient: SigningKey = field(default_factory=SigningKey.generate)
    hospital: SigningKey = field(default_factory=SigningKey.generate)
    agency: SigningKey = field(default_factory=SigningKey.generate)
    agency2: SigningKey = field(default_factory=SigningKey.generate)
    responder: SigningKey = field(default_factory=SigningKey.generate)
    emergency: RecipientKey = field(default_factory=lambda: RecipientKey.generate(Suite.X25519))
    device_id: bytes = field(default_factory=lambda: os.urandom(16))

    @property
    def address(self) -> bytes:
        return address_of(self.patient.verify_key.to_bytes())

    @staticmethod
    def pub(key: SigningKey) -> bytes:
        return key.verify_key.to_bytes()

    def setup(self) -> "People":
        write(self.ledger, self.patient, PatientRegistered(self.emergency.public_key().to_bytes()))
        write(self.ledger, self.patient, HospitalGranted(self.pub(self.hospital)))
        write(self.ledger, self.patient, DeviceRegistered(self.address, self.device_id))
        for agency in (self.agency, self.agency2):
            recipient = RecipientKey.generate(Suite.X25519).public_key().to_bytes()
            write(self.ledger, agency, AgencyRegistered("Metro EMS", recipient))
        write(self.ledger, self.agency, ResponderRegistered(self.pub(self.responder)))
        return self

    def anchor(self, version: int = 1, record_id: str = "ips") -> RecordAnchored:
        return RecordAnchored(self.address, record_id, version, os.urandom(32), os.urandom(300))

    def access(self, counter: int = 1) -> EmergencyAccess:
        return EmergencyAccess(self.address, self.device_id, counter, os.urandom(16), now_ms(), False)
