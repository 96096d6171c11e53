"""Key files: round trip, owner-only permissions from the first byte, wrong passphrase, damage, KDF floor."""

from __future__ import annotations

import hashlib
import os
import stat
from pathlib import Path

import pytest

from ledger_client.crypto import (
    SCRYPT_DEFAULT,
    SCRYPT_FLOOR,
    KeyFile,
    KeyFileError,
    SigningKey,
    WrongPassphrase,
    load_key_file,
    save_key_file,
)

from .conftest import flip

FAST = {"scrypt_n": SCRYPT_FLOOR[0]}  # the floor itself, to keep the suite quick
PASSPHRASE = "correct horse battery staple"
SECRET = bytes(range(32))
PUBLIC = bytes(range(100, 132))


def _save(path: Path, **kwargs: object) -> Path:
    options: dict[str, object] = {"kind": "ed25519-signing", "passphrase": PASSPHRASE, "public": PUBLIC, **FAST, **kwargs}
    save_key_file(path, SECRET, **options)  # type: ignore[arg-type]
    return path


def _rewrite(path: Path, data: bytes) -> None:
    path.write_bytes(data)
    path.chmod(0o600)


def _with_checksum(body: bytes) -> bytes:
    """Re-seal a hand-edited file the way a deliberate attacker would (the checksum is not a MAC)."""
    return body + hashlib.sha256(body).digest()[:16]


def test_round_trip_with_default_parameters(tmp_path: Path) -> None:
    key = SigningKey.generate()
    path = tmp_path / "patient.key"
    save_key_file(path, key.to_bytes(), kind="ed25519-signing", passphrase=PASSPHRASE, public=key.verify_key.to_bytes())
    loaded = load_key_file(path, PASSPHRASE)
    assert loaded == KeyFile("ed25519-signing", key.to_bytes(), key.verify_key.to_bytes())
    assert SigningKey.from_bytes(loaded.secret).verify_key == key.verify_key
    assert path.read_bytes()[6] == SCRYPT_DEFAULT[0].bit_length() - 1  # log2 n stored in the file
    assert SECRET.hex() not in repr(loaded) and "secret" not in repr(loaded)


def test_secret_is_not_in_the_file_in_clear(tmp_path: Path) -> None:
    data = _save(tmp_path / "k").read_bytes()
    assert SECRET not in data
    assert PUBLIC in data  # public bytes are stored in clear (authenticated)


def test_file_is_owner_only_even_with_a_permissive_umask(tmp_path: Path) -> None:
    old = os.umask(0)
    try:
        path = _save(tmp_path / "k")
    finally:
        os.umask(old)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_file_is_never_readable_by_others_while_being_written(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Spy on the real os.open / os.replace to see the temp file's mode at each step."""
    created: list[tuple[str, int, int]] = []
    modes_at_rename: list[int] = []
    real_open, real_replace = os.open, os.replace

    def spy_open(path: str, flags: int, mode: int = 0o777, *args: object, **kwargs: object) -> int:
        fd = real_open(path, flags, mode, *args, **kwargs)  # type: ignore[arg-type]
        if flags & os.O_CREAT:
            created.append((path, flags, stat.S_IMODE(os.fstat(fd).st_mode)))
        return fd

    def spy_replace(src: str, dst: str) -> None:
        modes_at_rename.append(stat.S_IMODE(os.stat(src).st_mode))
        real_replace(src, dst)

    monkeypatch.setattr(os, "open", spy_open)
    monkeypatch.setattr(os, "replace", spy_replace)
    old = os.umask(0)
    try:
        _save(tmp_path / "k")
    finally:
        os.umask(old)
    assert len(created) == 1
    temp_path, flags, mode_at_creation = created[0]
    assert mode_at_creation == 0o600
    assert flags & os.O_EXCL
    assert Path(temp_path).parent == tmp_path and not Path(temp_path).exists()
    assert modes_at_rename == [0o600]
    assert os.listdir(tmp_path) == ["k"]  # no temp file left behind


def test_wrong_passphrase_is_a_clear_error(tmp_path: Path) -> None:
    path = _save(tmp_path / "k")
    with pytest.raises(WrongPassphrase, match="wrong passphrase"):
        load_key_file(path, PASSPHRASE + "!")


def test_passphrase_is_unicode_normalised(tmp_path: Path) -> None:
    path = _save(tmp_path / "k", passphrase="caf\u00e9")  # precomposed é
    assert load_key_file(path, "cafe\u0301").secret == SECRET  # e + combining accent


@pytest.mark.parametrize("mode", [0o640, 0o604, 0o644, 0o660, 0o606, 0o700 | 0o001])
def test_group_or_world_access_is_refused(tmp_path: Path, mode: int) -> None:
    path = _save(tmp_path / "k")
    path.chmod(mode)
    with pytest.raises(KeyFileError, match=f"permissions 0{mode:o} .* too open.*chmod 600"):
        load_key_file(path, PASSPHRASE)


def test_owner_read_only_is_accepted(tmp_path: Path) -> None:
    path = _save(tmp_path / "k")
    path.chmod(0o400)
    assert load_key_file(path, PASSPHRASE).secret == SECRET


def test_file_owned_by_someone_else_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A second user account cannot be assumed on a CI machine, so our own uid is reported as another."""
    path = _save(tmp_path / "k")
    monkeypatch.setattr(os, "geteuid", lambda: path.stat().st_uid + 1)
    with pytest.raises(KeyFileError, match="owned by uid"):
        load_key_file(path, PASSPHRASE)


def test_missing_file_and_directory_are_clear_errors(tmp_path: Path) -> None:
    with pytest.raises(KeyFileError, match="no key file"):
        load_key_file(tmp_path / "absent", PASSPHRASE)
    (tmp_path / "dir").mkdir(mode=0o700)
    with pytest.raises(KeyFileError, match="not a regular file"):
        load_key_file(tmp_path / "dir", PASSPHRASE)


def test_any_damaged_byte_is_a_key_file_error(tmp_path: Path) -> None:
    path = _save(tmp_path / "k")
    good = path.read_bytes()
    for index in range(len(good)):
        _rewrite(path, flip(good, index))
        with pytest.raises(KeyFileError, match="damaged"):
            load_key_file(path, PASSPHRASE)


@pytest.mark.parametrize("length", [0, 1, 16, 40, 100])
def test_truncated_file_is_a_key_file_error(tmp_path: Path, length: int) -> None:
    path = _save(tmp_path / "k")
    _rewrite(path, path.read_bytes()[:length])
    with pytest.raises(KeyFileError):
        load_key_file(path, PASSPHRASE)


def test_deliberate_edits_fail_closed(tmp_path: Path) -> None:
    """With the checksum recomputed, edits reach the passphrase check or the GCM tag."""
    path = _save(tmp_path / "k")
    body = path.read_bytes()[:-16]
    salt_at, public_at, secret_tail = 10, 10 + 16 + 32 + 1 + len("ed25519-signing") + 2, len(body) - 1
    _rewrite(path, _with_checksum(flip(body, salt_at)))
    with pytest.raises(WrongPassphrase):
        load_key_file(path, PASSPHRASE)
    for index in (public_at, secret_tail):
        _rewrite(path, _with_checksum(flip(body, index)))
        with pytest.raises(KeyFileError, match="altered"):
            load_key_file(path, PASSPHRASE)
    original = load_key_file(_save(tmp_path / "k2"), PASSPHRASE)
    assert original.public == PUBLIC


@pytest.mark.parametrize(
    "n, r, p", [(2**13, 8, 1), (2**14, 7, 1), (2**14, 8, 0), (3 * 2**13, 8, 1), (2**21, 8, 1), (2**14, 64, 1), (2**14, 8, 17)]
)
def test_kdf_parameters_outside_floor_or_ceiling_are_refused_on_save(tmp_path: Path, n: int, r: int, p: int) -> None:
    with pytest.raises(KeyFileError, match="scrypt"):
        _save(tmp_path / "k", scrypt_n=n, scrypt_r=r, scrypt_p=p)
    assert not (tmp_path / "k").exists()


@pytest.mark.parametrize("log2_n, r, p", [(13, 8, 1), (14, 1, 1), (14, 8, 0), (30, 8, 1), (14, 200, 1)])
def test_kdf_parameters_outside_floor_or_ceiling_are_refused_on_load(tmp_path: Path, log2_n: int, r: int, p: int) -> None:
    path = _save(tmp_path / "k")
    body = bytearray(path.read_bytes()[:-16])
    body[6:9] = bytes([log2_n, r, p])
    _rewrite(path, _with_checksum(bytes(body)))
    with pytest.raises(KeyFileError, match="scrypt"):
        load_key_file(path, PASSPHRASE)


def test_existing_file_is_not_overwritten_unless_asked(tmp_path: Path) -> None:
    path = _save(tmp_path / "k")
    before = path.read_bytes()
    with pytest.raises(KeyFileError, match="already exists"):
        _save(path, passphrase="another")
    assert path.read_bytes() == before
    _save(path, passphrase="another", overwrite=True)
    assert load_key_file(path, "another").secret == SECRET
    assert os.listdir(tmp_path) == ["k"]


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"passphrase": ""}, "passphrase"),
        ({"kind": ""}, "kind"),
        ({"kind": "bad\nkind"}, "kind"),
        ({"kind": "k" * 65}, "kind"),
        ({"public": b"x" * 4097}, "public"),
    ],
)
def test_bad_arguments_write_nothing(tmp_path: Path, kwargs: dict[str, object], message: str) -> None:
    with pytest.raises(KeyFileError, match=message):
        _save(tmp_path / "k", **kwargs)
    assert os.listdir(tmp_path) == []


def test_empty_secret_is_refused(tmp_path: Path) -> None:
    with pytest.raises(KeyFileError, match="secret"):
        save_key_file(tmp_path / "k", b"", kind="x", passphrase=PASSPHRASE, **FAST)  # type: ignore[arg-type]
    assert os.listdir(tmp_path) == []
