"""The scene of the attack, fault and break-glass tests (fixtures in conftest.py)."""

from __future__ import annotations

from ledger_client.ledger.entries import EmergencyAccess, EntryKind
from ledger_client.ledger.protocol import Ledger
from responder_app.demo import DemoWorld
from responder_app.device import BandDevice
from responder_app.outbox import Outbox
from responder_app.session import ResponderCredentials, ResponderSession

__all__ = ["Scene"]


class Scene:
    """A responder signed in on the demo tablet, ready to open sessions with the band."""

    def __init__(self, world: DemoWorld) -> None:
        self.world = world
        self.credentials: ResponderCredentials = world.profile.sign_in(world.passphrase)
        self.outbox = Outbox(world.profile.outbox_path, self.credentials.signing_key)

    def session(self, device: BandDevice | None = None, **kw: object) -> ResponderSession:
        profile = self.world.profile
        options: dict = dict(ledger=profile.open_ledger, store=profile.open_store,
                             outbox=self.outbox)
        options.update(kw)
        return ResponderSession(device or self.world.band.wait_for_band(1.0), self.credentials,
                                **options)

    def ledger(self) -> Ledger:
        return self.world.open_ledger()

    def accesses(self) -> list[EmergencyAccess]:
        with self.ledger() as ledger:  # type: ignore[attr-defined]
            return [logged.entry.body for logged in ledger.entries()
                    if logged.entry.kind == EntryKind.EMERGENCY_ACCESS]

    def ledger_size(self) -> int:
        with self.ledger() as ledger:  # type: ignore[attr-defined]
            return ledger.size()

    def close(self) -> None:
        self.outbox.close()
