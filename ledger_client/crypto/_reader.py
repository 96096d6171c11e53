"""A strict cursor over bytes: every read either has its bytes or raises `MalformedBlob`."""

from __future__ import annotations

from .errors import MalformedBlob

__all__ = ["Reader"]


class Reader:
    def __init__(self, data: bytes, what: str) -> None:
        self._data = bytes(data)
        self._pos = 0
        self._what = what

    @property
    def position(self) -> int:
        return self._pos

    @property
    def remaining(self) -> int:
        return len(self._data) - self._pos

    def take(self, count: int, field: str) -> bytes:
        if count > self.remaining:
            raise MalformedBlob(
                f"{self._what} truncated in {field}: need {count} bytes at offset {self._pos}, "
                f"have {self.remaining}"
            )
        chunk = self._data[self._pos : self._pos + count]
        self._pos += count
        return chunk

    def byte(self, field: str) -> int:
        return self.take(1, field)[0]

    def uint(self, size: int, field: str) -> int:
        return int.from_bytes(self.take(size, field), "big")

    def rest(self) -> bytes:
        return self.take(self.remaining, "rest")

    def prefix(self) -> bytes:
        """Everything read so far (used as associated data)."""
        return self._data[: self._pos]
