"""A lifeline for the firmware processes: if the harness dies without cleaning up (SIGKILL,
a CI timeout), a small watchdog kills every firmware process group it was told about.

The watchdog reads group ids from a pipe ("+pgid" when a boot starts, "-pgid" once the
harness has reaped it); the harness holds the write end, so its death, however sudden, closes
the pipe, and on end of input the watchdog kills the groups still listed, then exits.
"""

from __future__ import annotations

import subprocess
import sys
from typing import IO

__all__ = ["Lifeline"]

_WATCHDOG = """
import os, signal, sys
live = set()
for line in sys.stdin:
    line = line.strip()
    if line[:1] == "+":
        live.add(int(line[1:]))
    elif line[:1] == "-":
        live.discard(int(line[1:]))
for group in live:
    try:
        os.killpg(group, signal.SIGKILL)
    except OSError:
        pass
"""


class Lifeline:
    """One watchdog process; `watch(pgid)` / `release(pgid)`, then `close()`."""

    def __init__(self) -> None:
        # its own session: a Ctrl-C meant for the harness must not kill it before it acts
        self._proc = subprocess.Popen([sys.executable, "-c", _WATCHDOG], stdin=subprocess.PIPE,
                                      stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                      start_new_session=True, text=True)
        assert self._proc.stdin is not None
        self._pipe: IO[str] | None = self._proc.stdin

    def _send(self, line: str) -> None:
        if self._pipe is None:
            return
        try:
            self._pipe.write(line + "\n")
            self._pipe.flush()
        except (BrokenPipeError, ValueError):  # the watchdog is gone: nothing to tell it
            self._pipe = None

    def watch(self, pgid: int) -> None:
        self._send(f"+{pgid}")

    def release(self, pgid: int) -> None:
        """The harness reaped this group itself: the id may now be reused by anyone."""
        self._send(f"-{pgid}")

    @property
    def pid(self) -> int:
        return self._proc.pid

    def close(self) -> None:
        if self._pipe is not None:
            try:
                self._pipe.close()
            except BrokenPipeError:
                pass
            self._pipe = None
        try:
            self._proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self._proc.kill()
            self._proc.wait(timeout=10)
