"""Passphrase-protected key files: scrypt + AES-256-GCM, owner-only (0600), written atomically.

    magic "ICEk" (4) | format 0x01 (1) | kdf 0x01 = scrypt (1) | log2 n (1) | r (1) | p (1)
    | salt (16) | passphrase check (32) | kind length (1) | kind (ASCII)
    | public length (2) | public | nonce (12) | secret ciphertext and tag
    | checksum (16) = SHA-256 of every byte before it, truncated

scrypt(passphrase, salt) gives 64 bytes: the first 32 are the AES key, the last 32 are
stored as the passphrase check, so a wrong passphrase is told apart from a damaged file
(the checksum catches accidental damage, the GCM tag catches deliberate edits).
Everything before the nonce is the associated data.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import stat
import unicodedata
from dataclasses import dataclass, field

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.scrypt import Scrypt

from ._reader import Reader
from .errors import KeyFileError, MalformedBlob, WrongPassphrase

__all__ = ["KeyFile", "save_key_file", "load_key_file", "SCRYPT_DEFAULT", "SCRYPT_FLOOR"]

MAGIC = b"ICEk"
FORMAT_VERSION = 1
_KDF_SCRYPT = 1
#: (n, r, p) written by default: 32 MiB, about 0.1 s on a laptop
SCRYPT_DEFAULT = (2**15, 8, 1)
#: files asking for less are refused (16 MiB of work per guess at least)
SCRYPT_FLOOR = (2**14, 8, 1)
_MAX_LOG2_N, _MAX_R, _MAX_P = 20, 32, 16  # a hostile file must not make us allocate gigabytes
_MAX_MEMORY = 2**30
_SALT_LEN, _CHECK_LEN, _NONCE_LEN, _CHECKSUM_LEN = 16, 32, 12, 16
_MAX_FIELD = 4096
_MAX_FILE = 16384


@dataclass(frozen=True)
class KeyFile:
    """What a key file holds: a kind label, the secret key bytes and optional public bytes."""

    kind: str
    secret: bytes = field(repr=False)
    public: bytes = b""


def _check_params(n: int, r: int, p: int) -> int:
    """Validate scrypt parameters against floor and ceiling; returns log2(n)."""
    if n < 2 or n & (n - 1):
        raise KeyFileError(f"scrypt n must be a power of two, got {n}")
    log2_n = n.bit_length() - 1
    floor_n, floor_r, floor_p = SCRYPT_FLOOR
    if n < floor_n or r < floor_r or p < floor_p:
        raise KeyFileError(f"scrypt parameters n={n} r={r} p={p} are below the floor n={floor_n} r={floor_r} p={floor_p}")
    if log2_n > _MAX_LOG2_N or r > _MAX_R or p > _MAX_P or 128 * r * n > _MAX_MEMORY:
        raise KeyFileError(f"scrypt parameters n={n} r={r} p={p} exceed the limits of this reader")
    return log2_n


def _derive(passphrase: str, salt: bytes, n: int, r: int, p: int) -> tuple[bytes, bytes]:
    if not isinstance(passphrase, str) or not passphrase:
        raise KeyFileError("passphrase must be a non-empty string")
    # NFC so the same passphrase typed on another keyboard or OS derives the same key
    secret = unicodedata.normalize("NFC", passphrase).encode("utf-8")
    derived = Scrypt(salt=salt, length=64, n=n, r=r, p=p).derive(secret)
    return derived[:32], derived[32:]


def _encode(secret: bytes, kind: str, passphrase: str, public: bytes, n: int, r: int, p: int) -> bytes:
    log2_n = _check_params(n, r, p)
    if not kind or len(kind) > 64 or not kind.isascii() or not kind.isprintable():
        raise KeyFileError(f"key kind must be 1..64 printable ASCII characters, got {kind!r}")
    if not 1 <= len(secret) <= _MAX_FIELD or len(public) > _MAX_FIELD:
        raise KeyFileError(f"secret must be 1..{_MAX_FIELD} bytes and public at most {_MAX_FIELD}")
    salt = os.urandom(_SALT_LEN)
    aes_key, check = _derive(passphrase, salt, n, r, p)
    header = (
        MAGIC
        + bytes([FORMAT_VERSION, _KDF_SCRYPT, log2_n, r, p])
        + salt
        + check
        + bytes([len(kind)])
        + kind.encode("ascii")
        + len(public).to_bytes(2, "big")
        + bytes(public)
    )
    nonce = os.urandom(_NONCE_LEN)
    body = header + nonce + AESGCM(aes_key).encrypt(nonce, bytes(secret), header)
    return body + hashlib.sha256(body).digest()[:_CHECKSUM_LEN]


def _decode(data: bytes, passphrase: str) -> KeyFile:
    if len(data) < _CHECKSUM_LEN or hashlib.sha256(data[:-_CHECKSUM_LEN]).digest()[:_CHECKSUM_LEN] != data[-_CHECKSUM_LEN:]:
        raise KeyFileError("key file is damaged (checksum mismatch)")
    reader = Reader(data[:-_CHECKSUM_LEN], "key file")
    if reader.take(len(MAGIC), "magic") != MAGIC:
        raise KeyFileError("not an ICEband key file (bad magic)")
    version, kdf, log2_n, r, p = reader.take(5, "parameters")
    if version != FORMAT_VERSION or kdf != _KDF_SCRYPT:
        raise KeyFileError(f"unsupported key file format {version} / kdf {kdf}")
    if log2_n > _MAX_LOG2_N:
        raise KeyFileError(f"scrypt log2(n)={log2_n} exceeds the limit {_MAX_LOG2_N}")
    n = 1 << log2_n
    _check_params(n, r, p)
    salt = reader.take(_SALT_LEN, "salt")
    stored_check = reader.take(_CHECK_LEN, "passphrase check")
    kind_bytes = reader.take(reader.byte("kind length"), "kind")
    public = reader.take(reader.uint(2, "public length"), "public")
    header = reader.prefix()
    nonce = reader.take(_NONCE_LEN, "nonce")
    ciphertext = reader.rest()
    try:
        kind = kind_bytes.decode("ascii")
    except UnicodeDecodeError:
        raise KeyFileError("key kind is not ASCII") from None
    aes_key, check = _derive(passphrase, salt, n, r, p)
    if not hmac.compare_digest(check, stored_check):
        raise WrongPassphrase("wrong passphrase for this key file")
    try:
        secret = AESGCM(aes_key).decrypt(nonce, ciphertext, header)
    except (InvalidTag, ValueError):
        raise KeyFileError("key file was altered (authentication failed)") from None
    return KeyFile(kind, secret, public)


def save_key_file(
    path: str | os.PathLike[str],
    secret: bytes,
    *,
    kind: str,
    passphrase: str,
    public: bytes = b"",
    scrypt_n: int = SCRYPT_DEFAULT[0],
    scrypt_r: int = SCRYPT_DEFAULT[1],
    scrypt_p: int = SCRYPT_DEFAULT[2],
    overwrite: bool = False,
) -> None:
    """Write a key file with mode 0600, atomically (temp file + rename); never world-readable."""
    data = _encode(bytes(secret), kind, passphrase, bytes(public), scrypt_n, scrypt_r, scrypt_p)
    path = os.fspath(path)
    if not overwrite and os.path.lexists(path):
        raise KeyFileError(f"{path} already exists (refusing to overwrite a key)")
    directory = os.path.dirname(os.path.abspath(path))
    temp = os.path.join(directory, f".{os.path.basename(path)}.{os.urandom(6).hex()}.tmp")
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_BINARY", 0)
    try:
        fd = os.open(temp, flags, 0o600)  # created owner-only: no window where others can read
    except OSError as exc:
        raise KeyFileError(f"cannot create key file in {directory}: {exc.strerror}") from None
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temp, path)
    except OSError as exc:
        _remove_quietly(temp)
        raise KeyFileError(f"cannot write key file {path}: {exc.strerror}") from None
    _fsync_directory(directory)


def load_key_file(path: str | os.PathLike[str], passphrase: str) -> KeyFile:
    """Read and decrypt a key file; refuses files that group or others may access (like ssh)."""
    path = os.fspath(path)
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_BINARY", 0))
    except FileNotFoundError:
        raise KeyFileError(f"no key file at {path}") from None
    except OSError as exc:
        raise KeyFileError(f"cannot open key file {path}: {exc.strerror}") from None
    try:
        _check_safe(os.fstat(fd), path)  # the open file's own status: a swap after the check cannot matter
        with os.fdopen(os.dup(fd), "rb") as handle:
            data = handle.read(_MAX_FILE + 1)
    finally:
        os.close(fd)
    try:
        return _decode(data, passphrase)
    except MalformedBlob as exc:
        raise KeyFileError(f"key file {path} is damaged: {exc}") from None


def _check_safe(info: os.stat_result, path: str) -> None:
    if not stat.S_ISREG(info.st_mode):
        raise KeyFileError(f"{path} is not a regular file")
    if os.name == "posix":  # Windows has no mode bits; its ACLs are the owner's business
        if info.st_mode & 0o077:
            raise KeyFileError(
                f"permissions 0{stat.S_IMODE(info.st_mode):o} for {path} are too open: "
                f"a key file must be readable by its owner only (chmod 600 {path})"
            )
        if info.st_uid != os.geteuid():
            raise KeyFileError(f"{path} is owned by uid {info.st_uid}, not by you")
    if info.st_size > _MAX_FILE:
        raise KeyFileError(f"{path} is {info.st_size} bytes: too large to be a key file")


def _remove_quietly(path: str) -> None:
    try:
        os.unlink(path)
    except OSError:
        pass


def _fsync_directory(directory: str) -> None:
    """Make the rename durable (POSIX); harmless to skip where directories cannot be opened."""
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
