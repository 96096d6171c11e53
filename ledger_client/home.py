"""The home folder: named identities, their keys, and where the ledger and store live.

    HOME/
      config.json                 {"ledger": URL, "store": LOCATION} (optional overrides)
      ledger.db, ledger.db.key    the default embedded ledger and its checkpoint key
      ledger.pub                  the ledger public key pinned on first use (audit trusts it)
      store/                      the default record store
      <role>s/<NAME>/identity.key Ed25519 key file (passphrase-protected)
                     recipient.key  HPKE key file: a patient's emergency key, an agency's key
                     info.json      public facts: role, name, public keys, agency, address
      patients/<NAME>/seen-<LOG>.checkpoint  the last ledger checkpoint the patient's audit
                     verified, per ledger (LOG: its origin's key hash); the next must extend it

Names are what people type (`iceband grant alice st-mary`); keys never leave key files
unencrypted. `info.json` holds only public data, so names resolve without a passphrase.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from dataclasses import dataclass
from enum import Enum
from pathlib import Path

from ledger_client.crypto import (
    RecipientKey, SigningKey, Suite, VerifyKey, address_bytes, load_key_file,
    patient_address, save_key_file)

__all__ = ["Home", "Role", "Identity", "HomeError", "UnknownIdentity", "IdentityExists",
           "BadName", "HOME_ENV", "DEFAULT_HOME"]

HOME_ENV = "ICEBAND_HOME"
DEFAULT_HOME = Path("~/.iceband")
_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")


class Role(str, Enum):
    HOSPITAL = "hospital"
    AGENCY = "agency"
    RESPONDER = "responder"
    PATIENT = "patient"


class HomeError(Exception):
    """A problem with the home folder or a name in it."""


class UnknownIdentity(HomeError):
    pass


class IdentityExists(HomeError):
    pass


class BadName(HomeError):
    pass


@dataclass(frozen=True)
class Identity:
    """The public facts of a named identity."""
    role: Role
    name: str
    public_key: bytes                  # Ed25519
    recipient_key: bytes | None = None  # HPKE public: patient's EK, agency's key
    agency: str | None = None          # a responder's agency name

    @property
    def address(self) -> bytes:
        """A patient's ledger address (any key has one; only patients use it)."""
        return address_bytes(patient_address(VerifyKey.from_bytes(self.public_key)))

    def to_json(self) -> dict[str, object]:
        return {"role": self.role.value, "name": self.name, "public_key": self.public_key.hex(),
                "recipient_key": self.recipient_key.hex() if self.recipient_key else None,
                "agency": self.agency}

    @classmethod
    def from_json(cls, data: dict[str, object]) -> "Identity":
        recipient = data.get("recipient_key")
        return cls(Role(str(data["role"])), str(data["name"]), bytes.fromhex(str(data["public_key"])),
                   bytes.fromhex(str(recipient)) if recipient else None,
                   str(data["agency"]) if data.get("agency") else None)


def _write_atomic(path: Path, text: str) -> None:
    temp = path.with_name(f".{path.name}.{os.urandom(4).hex()}.tmp")
    with open(temp, "x", encoding="utf-8") as out:
        out.write(text)
        out.flush()
        os.fsync(out.fileno())
    os.replace(temp, path)


class Home:
    def __init__(self, root: Path | str) -> None:
        self.root = Path(root).expanduser()

    @classmethod
    def locate(cls, explicit: str | None = None) -> "Home":
        """`--home` if given, else $ICEBAND_HOME, else ~/.iceband."""
        return cls(explicit or os.environ.get(HOME_ENV) or DEFAULT_HOME)

    # --- locations ------------------------------------------------------------------------
    def _config(self) -> dict[str, str]:
        path = self.root / "config.json"
        if not path.exists():
            return {}
        try:
            return dict(json.loads(path.read_text(encoding="utf-8")))
        except (ValueError, TypeError) as exc:
            raise HomeError(f"{path} is not valid JSON: {exc}") from None

    @property
    def ledger_url(self) -> str:
        return self._config().get("ledger") or "sqlite://" + (self.root / "ledger.db").resolve().as_posix()

    @property
    def store_location(self) -> str:
        return self._config().get("store") or str((self.root / "store").resolve())

    def pin_ledger_key(self, public_key: bytes) -> None:
        """Trust on first use: remember the ledger's key; refuse a different one later."""
        path = self.root / "ledger.pub"
        if path.exists():
            if path.read_text().strip() != public_key.hex():
                raise HomeError(f"the ledger's key differs from the one pinned in {path}: "
                                "refusing to trust it")
            return
        self.root.mkdir(parents=True, exist_ok=True)
        _write_atomic(path, public_key.hex() + "\n")

    def pinned_ledger_key(self) -> bytes | None:
        path = self.root / "ledger.pub"
        return bytes.fromhex(path.read_text().strip()) if path.exists() else None

    # --- identities -----------------------------------------------------------------------
    def _folder(self, role: Role, name: str) -> Path:
        if not _NAME.fullmatch(name):
            raise BadName(f"bad name {name!r}: use 1-64 letters, digits, '.', '_' or '-'")
        return self.root / f"{role.value}s" / name

    def create(self, role: Role, name: str, passphrase: str, *, agency: str | None = None,
               suite: Suite = Suite.X25519) -> Identity:
        """Generate the keys of a new identity and save them under the home folder."""
        folder = self._folder(role, name)
        if folder.exists():
            raise IdentityExists(f"a {role.value} named {name!r} already exists in {self.root}")
        signing = SigningKey.generate()
        recipient = RecipientKey.generate(suite) if role in (Role.PATIENT, Role.AGENCY) else None
        identity = Identity(role, name, signing.verify_key.to_bytes(),
                            recipient.public_key().to_bytes() if recipient else None, agency)
        staging = folder.with_name(f".{name}.{os.urandom(4).hex()}.new")
        staging.mkdir(parents=True, mode=0o700)
        save_key_file(staging / "identity.key", signing.to_bytes(), kind=f"{role.value}-identity",
                      passphrase=passphrase, public=identity.public_key)
        if recipient is not None:
            save_key_file(staging / "recipient.key", recipient.to_bytes(),
                          kind=f"{role.value}-recipient", passphrase=passphrase,
                          public=identity.recipient_key or b"")
        _write_atomic(staging / "info.json", json.dumps(identity.to_json(), indent=2) + "\n")
        os.rename(staging, folder)  # the identity appears whole or not at all
        return identity

    def remove(self, role: Role, name: str) -> None:
        """Undo a `create` whose ledger registration was refused."""
        folder = self._folder(role, name)
        for child in folder.iterdir():
            child.unlink()
        folder.rmdir()

    def identity(self, role: Role, name: str) -> Identity:
        path = self._folder(role, name) / "info.json"
        if not path.exists():
            known = ", ".join(self.names(role)) or "none yet"
            raise UnknownIdentity(f"no {role.value} named {name!r} in {self.root} (known: {known})")
        return Identity.from_json(json.loads(path.read_text(encoding="utf-8")))

    def names(self, role: Role) -> list[str]:
        folder = self.root / f"{role.value}s"
        if not folder.is_dir():
            return []
        return sorted(p.name for p in folder.iterdir() if (p / "info.json").exists())

    def signing_key(self, role: Role, name: str, passphrase: str) -> SigningKey:
        self.identity(role, name)
        key_file = load_key_file(self._folder(role, name) / "identity.key", passphrase)
        return SigningKey.from_bytes(key_file.secret)

    def recipient_key(self, role: Role, name: str, passphrase: str) -> RecipientKey:
        self.identity(role, name)
        key_file = load_key_file(self._folder(role, name) / "recipient.key", passphrase)
        return RecipientKey.from_bytes(key_file.secret)

    def seen_checkpoint_path(self, role: Role, name: str, ledger_key: bytes) -> Path:
        """Where an identity keeps the last checkpoint it verified of the ledger with this key
        (one file per ledger, so that two ledgers never look like a fork of each other)."""
        self.identity(role, name)
        log = hashlib.sha256(ledger_key).hexdigest()[:16]  # as the checkpoint's origin names it
        return self._folder(role, name) / f"seen-{log}.checkpoint"

    def all_identities(self) -> list[Identity]:
        return [self.identity(role, name) for role in Role for name in self.names(role)]

    def name_of_key(self, public_key: bytes) -> Identity | None:
        """Which named identity has this Ed25519 key (for audit's "who")."""
        for identity in self.all_identities():
            if identity.public_key == public_key:
                return identity
        return None
