"""What every workflow works in: a home folder, its ledger and its record store."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

from ledger_client.home import Home
from ledger_client.ledger import Ledger, open_ledger
from ledger_client.store import RecordStore, open_store

__all__ = ["Workspace", "Passphrase", "WorkflowError"]

# Asked with a prompt such as "passphrase for patient alice"; returns the passphrase.
Passphrase = Callable[[str], str]


class WorkflowError(Exception):
    """A user-level problem a workflow reports in one sentence."""


@dataclass
class Workspace:
    home: Home
    ledger_url: str | None = None
    store_location: str | None = None
    _ledger: Ledger | None = field(default=None, repr=False)
    _store: RecordStore | None = field(default=None, repr=False)

    @property
    def ledger(self) -> Ledger:
        if self._ledger is None:
            self.home.root.mkdir(parents=True, exist_ok=True)
            self._ledger = open_ledger(self.ledger_url or self.home.ledger_url)
            public_key = getattr(self._ledger, "public_key", None)
            if self._ledger.capabilities.proofs and isinstance(public_key, bytes):
                self.home.pin_ledger_key(public_key)
        return self._ledger

    @property
    def store(self) -> RecordStore:
        if self._store is None:
            self._store = open_store(self.store_location or self.home.store_location)
        return self._store

    def ledger_public_key(self) -> bytes:
        """The pinned key checkpoints must verify with."""
        self.ledger  # opening pins it on first use
        pinned = self.home.pinned_ledger_key()
        if pinned is None:
            raise WorkflowError("no ledger key is pinned in the home folder")
        return pinned

    def close(self) -> None:
        if self._ledger is not None:
            self._ledger.close()
            self._ledger = None

    def __enter__(self) -> "Workspace":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
