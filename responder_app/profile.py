"""The tablet's responder profile: where the app's keys and settings live, and sign-in.

    <profile>/profile.json     name, ledger URL, record store folder (no secrets)
    <profile>/responder.key    the responder's Ed25519 key      } passphrase key files
    <profile>/agency.key       the agency's HPKE recipient key  } (scrypt + AES-GCM, 0600)
    <profile>/outbox.db        the encrypted access log (responder_app.outbox)

Signing in is unlocking both key files with the responder's passphrase.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path

from ledger_client.crypto import RecipientKey, SigningKey
from ledger_client.crypto.errors import CryptoError
from ledger_client.crypto.keyfile import (
    SCRYPT_DEFAULT, SCRYPT_FLOOR, load_key_file, save_key_file)

from ledger_client.ledger.protocol import Ledger, open_ledger

from ledger_client.store import DirectoryStore, RecordStore, open_store

from .session import ResponderCredentials

__all__ = ["TabletProfile", "ProfileError", "SignInError"]

_RESPONDER_KIND = "iceband-responder-ed25519"
_AGENCY_KIND = "iceband-agency-recipient"


class ProfileError(Exception):
    """The profile folder is missing or incomplete."""


class SignInError(Exception):
    """The passphrase does not unlock the keys."""


@dataclass(frozen=True)
class TabletProfile:
    folder: Path
    name: str
    ledger_url: str
    store_dir: Path

    @property
    def outbox_path(self) -> Path:
        return self.folder / "outbox.db"

    @classmethod
    def create(cls, folder: str | os.PathLike[str], *, name: str, passphrase: str,
               signing_key: SigningKey, agency_key: RecipientKey, ledger_url: str,
               store_dir: str | os.PathLike[str], fast_kdf: bool = False) -> "TabletProfile":
        path = Path(folder)
        path.mkdir(parents=True, exist_ok=True, mode=0o700)
        # The demo and tests may use the scrypt floor; a real tablet keeps the default cost.
        cost = SCRYPT_FLOOR[0] if fast_kdf else SCRYPT_DEFAULT[0]
        save_key_file(path / "responder.key", signing_key.to_bytes(), kind=_RESPONDER_KIND,
                      passphrase=passphrase, public=signing_key.verify_key.to_bytes(),
                      scrypt_n=cost)
        save_key_file(path / "agency.key", agency_key.to_bytes(), kind=_AGENCY_KIND,
                      passphrase=passphrase, public=agency_key.public_key().to_bytes(),
                      scrypt_n=cost)
        profile = cls(path, name, ledger_url, Path(store_dir))
        (path / "profile.json").write_text(json.dumps(
            {"name": name, "ledger": ledger_url, "store": str(store_dir)}, indent=1))
        return profile

    @classmethod
    def load(cls, folder: str | os.PathLike[str]) -> "TabletProfile":
        path = Path(folder)
        try:
            data = json.loads((path / "profile.json").read_text())
            return cls(path, str(data["name"]), str(data["ledger"]), Path(data["store"]))
        except FileNotFoundError:
            raise ProfileError(f"no responder profile in {path}") from None
        except (ValueError, KeyError, TypeError) as exc:
            raise ProfileError(f"the profile in {path} is damaged ({exc})") from None

    def open_ledger(self) -> Ledger:
        """The ledger, never created here: a missing file is an unreachable ledger."""
        options = {"create": False} if self.ledger_url.startswith("sqlite:") else {}
        return open_ledger(self.ledger_url, **options)

    def open_store(self) -> RecordStore:
        """The record store, never created here: a missing folder is an unreachable store."""
        if "://" in str(self.store_dir):
            return open_store(str(self.store_dir))
        return DirectoryStore(self.store_dir, create=False)

    def sign_in(self, passphrase: str) -> ResponderCredentials:
        """Unlocks the keys; `SignInError` with a one-line reason otherwise."""
        try:
            responder = load_key_file(self.folder / "responder.key", passphrase)
            agency = load_key_file(self.folder / "agency.key", passphrase)
            if responder.kind != _RESPONDER_KIND or agency.kind != _AGENCY_KIND:
                raise SignInError("the profile's key files are of the wrong kind")
            return ResponderCredentials(self.name, SigningKey.from_bytes(responder.secret),
                                        RecipientKey.from_bytes(agency.secret))
        except CryptoError as exc:
            raise SignInError(str(exc)) from None
