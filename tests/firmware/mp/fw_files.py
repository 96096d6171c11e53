"""Scratch directories and power cuts for the vault tests."""

import hashlib
import os


class PowerCut(BaseException):
    """Raised where the power fails: nothing after it runs, no cleanup (unlike OSError), and
    not an Exception, so the applet's last-resort handler cannot swallow it either."""


def make_cutting_files(files_cls, budget):
    """A Files whose `budget`-th operation loses power (a write keeps only half its bytes)."""

    class CuttingFiles(files_cls):
        def __init__(self):
            self.left = budget
            self.cut = False

        def _spend(self):
            self.left -= 1
            if self.left < 0:
                self.cut = True
                raise PowerCut()

        def write(self, path, parts):
            buf = bytearray(64)
            with open(path, "wb") as f:
                for part in parts:
                    pieces = part.chunks(buf) if hasattr(part, "chunks") else (part,)
                    for piece in pieces:
                        if self.left == 0:
                            f.write(bytes(piece)[: len(piece) // 2])
                            self._spend()
                        f.write(piece)
                        self._spend()

        def append(self, path, data, restart):
            self._spend()
            files_cls.append(self, path, data, restart)

        def rename(self, old, new):
            self._spend()
            files_cls.rename(self, old, new)

        def remove(self, path):
            self._spend()
            files_cls.remove(self, path)

    return CuttingFiles()


def vault_files(root):
    """Name -> SHA-256 of every file in the vault directory (digests: the heap is small)."""
    out = {}
    buf = bytearray(128)
    for entry in sorted(os.listdir(root)):
        digest = hashlib.sha256()
        with open(root + "/" + entry, "rb") as f:
            while True:
                n = f.readinto(buf)
                if not n:
                    break
                digest.update(memoryview(buf)[:n])
        out[entry] = digest.digest()
    return out
