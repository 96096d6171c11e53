"""Fixtures for the EVM ledger: a real Anvil node on 127.0.0.1 (started once per session and
stopped at its end), a fresh contract per test, and in-process eth-tester chains."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Iterator

import pytest
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

pytestmark = pytest.mark.evm


@pytest.fixture(scope="session")
def anvil_node() -> Iterator[Anvil]:
    node = Anvil().start()
    try:
        yield node
    finally:
        node.stop()


def fresh_anvil_ledger(node: Anvil, **options: object) -> EvmLedger:
    w3 = Web3(Web3.HTTPProvider(node.rpc_url))
    deployment = deploy_ledger(w3, Account.from_key(ANVIL_DEV_KEYS[0]))
    return open_evm_ledger(f"evm+{node.rpc_url}/{deployment.address}", **options)


@pytest.fixture
def anvil_ledger(anvil_node: Anvil) -> Iterator[EvmLedger]:
    ledger = fresh_anvil_ledger(anvil_node)
    yield ledger
    ledger.close()


@pytest.fixture
def tester_ledger() -> Iterator[EvmLedger]:
    ledger = open_evm_ledger("evm+tester://")
    yield ledger
    ledger.close()


@pytest.fixture(params=["tester", "anvil"])
def evm_ledger(request: pytest.FixtureRequest) -> Iterator[EvmLedger]:
    if request.param == "tester":
        ledger = open_evm_ledger("evm+tester://")
    else:
        ledger = fresh_anvil_ledger(request.getfixturevalue("anvil_node"))
    yield ledger
    ledger.close()


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


@pytest.fixture
def people_on() -> type[People]:
    return People
