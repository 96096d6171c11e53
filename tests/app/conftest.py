"""Fixtures of the session tests.

The band is `responder_app.sim_band.SimulatedBand`: the unmodified firmware applet on CPython,
its R30x driver on a `machine.UART` fake wired to the simulated R503 sensor over a pty, and
its vault in a temporary folder. The NFC link is replaced by direct APDU calls (the HIL
harness with the PN532 pair covers the radio); everything above `BandDevice` is the real
code: real ledger file, real record store folder, real cryptography.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Iterator

import pytest

from ledger_client.ledger.protocol import Ledger
from responder_app.demo import DemoWorld, build_demo_world
from responder_app.outbox import Outbox
from responder_app.session import ResponderCredentials, ResponderSession
from responder_app.sim_band import SimulatedBand

RECORD = Path(__file__).resolve().parent.parent / "vectors" / "hl7-ips" / "bundle-minimal.json"


@pytest.fixture
def world(tmp_path: Path) -> Iterator[DemoWorld]:
    with SimulatedBand() as band:
        yield build_demo_world(tmp_path / "home", band=band, record=RECORD)


class Scene:
    """A responder signed in on the demo tablet, ready to open sessions with the band."""

    def __init__(self, world: DemoWorld) -> None:
        self.world = world
        self.credentials: ResponderCredentials = world.profile.sign_in(world.passphrase)
        self.outbox = Outbox(world.profile.outbox_path, self.credentials.signing_key)

    def session(self, device=None) -> ResponderSession:  # type: ignore[no-untyped-def]
        profile = self.world.profile
        return ResponderSession(device or self.world.band.wait_for_band(1.0), self.credentials,
                                ledger=profile.open_ledger, store=profile.open_store,
                                outbox=self.outbox)

    def ledger(self) -> Ledger:
        return self.world.open_ledger()

    def close(self) -> None:
        self.outbox.close()


@pytest.fixture
def scene(world: DemoWorld) -> Iterator[Scene]:
    s = Scene(world)
    yield s
    s.close()


@pytest.fixture
def private_tmp(tmp_path: Path) -> Iterator[Path]:
    """Points `tempfile` at an empty folder, so a test can check nothing was left there."""
    folder = tmp_path / "tmp"
    folder.mkdir()
    saved = tempfile.tempdir
    tempfile.tempdir = str(folder)
    try:
        yield folder
    finally:
        tempfile.tempdir = saved
