"""`iceband sim band`: prints both paths, keeps running, acts on console lines, stops cleanly."""

from __future__ import annotations

import os
import select
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from responder_app.protocol import BandProtocol, BandState
from responder_app.transport_nfc import NfcReader
from responder_app.transport_serial import SerialReader

ICEBAND = str(Path(sys.executable).with_name("iceband"))


class _Lines:
    """stdout of the child read with os.read, so select() sees every byte (a buffered
    readline would hide lines select cannot know about)."""

    def __init__(self, proc: subprocess.Popen[bytes]) -> None:
        assert proc.stdout is not None
        self._fd = proc.stdout.fileno()
        self._buffer = b""
        self.seen: list[str] = []

    def until(self, marker: str, timeout: float = 30) -> list[str]:
        """Lines up to and including the first that starts with `marker` (bounded wait)."""
        deadline = time.monotonic() + timeout
        start = len(self.seen)
        while time.monotonic() < deadline:
            while b"\n" in self._buffer:
                line, self._buffer = self._buffer.split(b"\n", 1)
                self.seen.append(line.decode())
                if self.seen[-1].startswith(marker):
                    return self.seen[start:]
            ready, _, _ = select.select([self._fd], [], [], 0.2)
            if ready:
                chunk = os.read(self._fd, 4096)
                if not chunk:
                    break
                self._buffer += chunk
        raise AssertionError(f"no {marker!r} line from iceband sim band; got {self.seen}")


def _pid_gone(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    return False


@pytest.mark.parametrize("interpreter", ["cpython", "micropython"])
def test_sim_band_prints_its_paths_runs_and_stops_on_ctrl_c(interpreter: str,
                                                            tmp_path: Path) -> None:
    argv = [ICEBAND, "sim", "band", "--timing", "instant", "--interpreter", interpreter,
            "--state-dir", str(tmp_path / "flash"), "--log", str(tmp_path / "fw.log")]
    if interpreter == "micropython":
        argv += ["--heap", "128k"]
    proc = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, start_new_session=True)
    out = _Lines(proc)
    try:
        lines = out.until("commands:")
        fields = dict(line.split(": ", 1) for line in lines if ": " in line)
        reader, serial_path = fields["reader"].strip(), fields["serial"].strip()
        firmware_pid = int(fields["firmware pid"].split()[0])
        assert not _pid_gone(firmware_pid)
        with SerialReader(serial_path).wait_for_band(5) as device:  # the band's USB serial
            assert BandProtocol(device).select().state is BandState.UNPROVISIONED
        assert proc.stdin is not None
        proc.stdin.write(b"tap\n")
        proc.stdin.flush()
        assert out.until("band")[-1] == "band in the field"
        with NfcReader.open_pn532_path(reader) as nfc:  # nfcpy's pn532 driver on the reader
            with nfc.wait_for_band(timeout=10) as band:
                assert BandProtocol(band).select().version == 1
        proc.send_signal(signal.SIGINT)
        assert proc.wait(timeout=20) == 0
        assert proc.stderr is not None
        assert b"[sim band] stopped" in proc.stderr.read()
        assert _pid_gone(firmware_pid)
        assert "--- boot" in (tmp_path / "fw.log").read_text()
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=10)


def test_sim_band_refuses_a_heap_cap_for_cpython() -> None:
    run = subprocess.run([ICEBAND, "sim", "band", "--heap", "64k"], capture_output=True,
                         text=True, timeout=60)
    assert run.returncode == 2
    assert "--heap caps the MicroPython heap" in run.stderr
    bad = subprocess.run([ICEBAND, "sim", "band", "--heap", "lots"], capture_output=True,
                         text=True, timeout=60)
    assert bad.returncode == 2 and "not a heap size" in bad.stderr
