"""The band's persisted state, written atomically (docs/protocol.md section 5).

Two files: prov.bin (what provisioning wrote, never changed after) and state.bin (counters).
Each write goes to <name>.new, is flushed and synced, then renamed over the old file; each file
ends with the SHA-256 of its contents, so a torn or corrupt file reads as absent.
"""

import hashlib
import os

from micropython import const

TYPE_CHECKING = False  # mypy reads the block below; MicroPython never runs it
if TYPE_CHECKING:
    from typing import BinaryIO, Iterator

__all__ = ["Vault", "VaultError", "Files", "Source", "STAGE_ITEMS"]

_PROV_MAGIC = b"IBP1"
_STATE_MAGIC = b"IBS1"
_HEADER = const(76)  # magic 4, device id 16, address 20, secret 32, blob len 2, summary len 2
_STATE_LEN = const(11)  # magic 4, counter 4, failures 1, lockout seconds 2
_HASH = const(32)
STAGE_ITEMS = (1, 2, 3, 4, 5)  # the WRITE items (docs/protocol.md 2.4), staged on flash


class Source:
    """Bytes to copy from a file (a staged item), streamed, never held in RAM whole."""

    def __init__(self, path: str, size: int) -> None:
        self.path = path
        self.size = size

    def __len__(self) -> int:
        return self.size

    def chunks(self, buf: bytearray) -> "Iterator[memoryview]":
        """Yields views of `buf` filled from the file, in order."""
        view = memoryview(buf)
        left = self.size
        with open(self.path, "rb") as f:
            while left:
                n = f.readinto(view[: min(left, len(view))])
                if not n:
                    raise VaultError("staged file truncated")
                left -= n
                yield view[:n]


class VaultError(OSError):
    """The vault could not be written (the old state is still in place)."""


class Files:
    """The file operations the vault needs; tests replace it to cut power at any step."""

    def write(self, path: str, parts: tuple) -> None:
        """Writes the parts (bytes, or Source to copy) and syncs them to flash."""
        buf = bytearray(256)
        with open(path, "wb") as f:
            for part in parts:
                if isinstance(part, Source):
                    for chunk in part.chunks(buf):
                        f.write(chunk)
                else:
                    f.write(part)
            f.flush()
            fsync = getattr(os, "fsync", None)
            if fsync is not None:
                fsync(f.fileno())
        sync = getattr(os, "sync", None)
        if sync is not None:
            sync()

    def rename(self, old: str, new: str) -> None:
        os.rename(old, new)

    def remove(self, path: str) -> None:
        try:
            os.remove(path)
        except OSError:
            pass

    def append(self, path: str, data: "bytes | memoryview", restart: bool) -> None:
        """Staging only: nothing depends on it until COMMIT copies it."""
        with open(path, "wb" if restart else "ab") as f:
            f.write(data)

    def open_read(self, path: str) -> "BinaryIO | None":
        try:
            return open(path, "rb")
        except OSError:
            return None

    def mkdir(self, path: str) -> None:
        try:
            os.mkdir(path)
        except OSError:
            pass


class Vault:
    """Provisioning data and counters; `load()` runs at construction."""

    def __init__(self, root: str, files: Files | None = None) -> None:
        self._root = root
        self._files = files if files is not None else Files()
        self._buf = bytearray(256)
        self.load()

    def _path(self, name: str) -> str:
        return self._root + "/" + name

    def _stage_path(self, item: int) -> str:
        return self._root + "/stage" + str(item) + ".bin"

    def load(self) -> None:
        files = self._files
        files.mkdir(self._root)
        files.remove(self._path("prov.new"))  # a write that never switched
        files.remove(self._path("state.new"))
        for item in STAGE_ITEMS:  # staging never outlives a boot
            files.remove(self._stage_path(item))
        self.staged = {}  # type: dict
        self.provisioned = False
        self.device_id = bytes(16)
        self.address = bytes(20)
        self.secret = b""
        self.blob_len = 0
        self.summary_len = 0
        self.blob_hash = b""
        self._load_prov()
        self.release_counter = 0
        self.failures = 0
        self.lockout_s = 0
        self._load_state()

    def _load_prov(self) -> None:
        f = self._files.open_read(self._path("prov.bin"))
        if f is None:
            return
        try:
            header = f.read(_HEADER)
            if len(header) != _HEADER or header[:4] != _PROV_MAGIC:
                return
            blob_len = (header[72] << 8) | header[73]
            summary_len = (header[74] << 8) | header[75]
            whole = hashlib.sha256(header)
            blob = hashlib.sha256()
            view = memoryview(self._buf)
            left = blob_len + summary_len
            blob_left = blob_len
            while left:
                got = f.readinto(view[: min(left, len(view))])
                if not got:
                    return
                whole.update(view[:got])
                if blob_left:
                    take = min(got, blob_left)
                    blob.update(view[:take])
                    blob_left -= take
                left -= got
            if f.read(_HASH) != whole.digest():
                return
        finally:
            f.close()
        self.device_id = bytes(header[4:20])
        self.address = bytes(header[20:40])
        self.secret = bytes(header[40:72])
        self.blob_len = blob_len
        self.summary_len = summary_len
        self.blob_hash = blob.digest()
        self.provisioned = True

    def _load_state(self) -> None:
        f = self._files.open_read(self._path("state.bin"))
        data = b""
        if f is not None:
            try:
                data = f.read(_STATE_LEN + _HASH)
            finally:
                f.close()
        if (len(data) == _STATE_LEN + _HASH and data[:4] == _STATE_MAGIC
                and hashlib.sha256(data[:_STATE_LEN]).digest() == data[_STATE_LEN:]):
            self.release_counter = int.from_bytes(data[4:8], "big")
            self.failures = data[8]
            self.lockout_s = (data[9] << 8) | data[10]
        elif self.provisioned:  # counters lost: fail closed, as after 3 failures
            self.failures = 3
            self.lockout_s = 30

    def _switch(self, name: str, parts: tuple) -> None:
        new = self._path(name + ".new")
        try:
            self._files.write(new, parts)
            self._files.rename(new, self._path(name + ".bin"))
        except OSError as exc:
            self._files.remove(new)
            raise VaultError("vault write failed: " + str(exc))

    def save_counters(self, release_counter: int, failures: int, lockout_s: int) -> None:
        """Persists the counters atomically; updates the attributes only once on flash."""
        body = bytearray(_STATE_LEN)
        body[:4] = _STATE_MAGIC
        body[4:8] = release_counter.to_bytes(4, "big")
        body[8] = min(failures, 255)
        lockout_s = min(lockout_s, 0xFFFF)
        body[9] = lockout_s >> 8
        body[10] = lockout_s & 0xFF
        self._switch("state", (body, hashlib.sha256(body).digest()))
        self.release_counter = release_counter
        self.failures = body[8]
        self.lockout_s = lockout_s

    def stage(self, item: int, offset: int, data: "bytes | memoryview") -> None:
        """Appends a WRITE chunk to the item's staging file (offset 0 restarts it)."""
        try:
            self._files.append(self._stage_path(item), data, offset == 0)
        except OSError as exc:
            self.staged.pop(item, None)
            raise VaultError("staging failed: " + str(exc))
        self.staged[item] = offset + len(data)

    def staged_source(self, item: int) -> Source:
        return Source(self._stage_path(item), self.staged.get(item, 0))

    def commit_staged(self) -> None:
        """Provisions from the staged items (the caller checked they are complete)."""
        small = []
        for item in (1, 2, 4):
            f = self._files.open_read(self._stage_path(item))
            if f is None:
                raise VaultError("staged item missing")
            try:
                small.append(f.read(self.staged[item]))
            finally:
                f.close()
        self.provision(small[0], small[1], small[2], self.staged_source(3),
                       self.staged_source(5) if self.staged.get(5) else b"")

    def provision(self, device_id: bytes, address: bytes, secret: bytes,
                  blob: "bytes | Source", summary: "bytes | Source") -> None:
        """Writes the provisioned state in one switch; counters are zeroed first.
        `blob` and `summary` are bytes or a Source (staged file)."""
        if len(device_id) != 16 or len(address) != 20 or len(secret) != 32:
            raise ValueError("bad provisioning field length")
        self.save_counters(0, 0, 0)
        header = (_PROV_MAGIC + device_id + address + secret
                  + len(blob).to_bytes(2, "big") + len(summary).to_bytes(2, "big"))
        digest = hashlib.sha256(header)
        for part in (blob, summary):
            if isinstance(part, Source):
                for chunk in part.chunks(self._buf):
                    digest.update(chunk)
            else:
                digest.update(part)
        self._switch("prov", (header, blob, summary, digest.digest()))
        self.load()

    def read_blob(self, offset: int, length: int) -> bytes:
        out = bytearray(max(0, min(length, self.blob_len - offset)))
        self.read_blob_into(offset, memoryview(out))
        return bytes(out)

    def read_summary(self, offset: int, length: int) -> bytes:
        out = bytearray(max(0, min(length, self.summary_len - offset)))
        self.read_summary_into(offset, memoryview(out))
        return bytes(out)

    def read_blob_into(self, offset: int, view: memoryview) -> None:
        """Fills `view` with blob bytes from `offset` (the caller keeps within blob_len)."""
        self._read_into(_HEADER + offset, view)

    def read_summary_into(self, offset: int, view: memoryview) -> None:
        self._read_into(_HEADER + self.blob_len + offset, view)

    def _read_into(self, start: int, view: memoryview) -> None:
        if not len(view):
            return
        f = self._files.open_read(self._path("prov.bin"))
        if f is None:
            raise VaultError("vault: prov.bin vanished")
        try:
            f.seek(start)
            got = 0
            while got < len(view):
                n = f.readinto(view[got:])
                if not n:
                    raise VaultError("vault: prov.bin truncated")
                got += n
        finally:
            f.close()

    def erase(self) -> None:
        """Factory reset: removes everything (the button-at-boot path only)."""
        for name in ("prov.bin", "state.bin", "prov.new", "state.new"):
            self._files.remove(self._path(name))
        for item in STAGE_ITEMS:
            self._files.remove(self._stage_path(item))
        self.load()
