"""Start and stop a local Anvil node (Foundry's Ethereum node) on 127.0.0.1.

The binary comes from the npm package `@foundry-rs/anvil-linux-amd64` that `make test`
installs into node_modules/; `ICEBAND_ANVIL` overrides the path. Anvil is asked for port 0
and reports the port it got, so parallel test runs never collide.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import threading
import time
from pathlib import Path
from typing import Sequence

import requests
from requests.exceptions import RequestException

__all__ = ["Anvil", "AnvilError", "find_anvil", "ANVIL_DEV_KEYS", "ANVIL_CHAIN_ID"]

ANVIL_CHAIN_ID = 31337
# The first two accounts of Anvil's well-known development mnemonic ("test test ... junk").
# Public knowledge, funded only on throwaway development chains.
ANVIL_DEV_KEYS = (
    "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80",
    "0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d",
)
_REPO = Path(__file__).resolve().parents[2]
_NPM_BINARY = Path("node_modules/@foundry-rs/anvil-linux-amd64/bin/anvil")
_LISTENING = re.compile(rb"Listening on 127\.0\.0\.1:(\d+)")


class AnvilError(RuntimeError):
    """Anvil is missing, did not start, or did not answer in time."""


def find_anvil() -> Path:
    candidates = [os.environ.get("ICEBAND_ANVIL"), _REPO / _NPM_BINARY,
                  Path.cwd() / _NPM_BINARY, shutil.which("anvil")]
    for candidate in candidates:
        if candidate and Path(candidate).is_file() and os.access(candidate, os.X_OK):
            return Path(candidate)
    raise AnvilError("anvil not found: run `npm install --no-audit --no-fund` in the repository "
                     "(package.json lists @foundry-rs/anvil-linux-amd64) or set ICEBAND_ANVIL")


class Anvil:
    """One Anvil process. Use as a context manager, or call `start()` and `stop()`."""

    def __init__(self, *, hardfork: str = "paris", extra_args: Sequence[str] = (),
                 startup_timeout: float = 20.0) -> None:
        self.hardfork = hardfork
        self.extra_args = tuple(extra_args)
        self.startup_timeout = startup_timeout
        self.port: int | None = None
        self._process: subprocess.Popen[bytes] | None = None
        self._drain: threading.Thread | None = None

    @property
    def rpc_url(self) -> str:
        if self.port is None:
            raise AnvilError("anvil is not running")
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> "Anvil":
        if self._process is not None:
            return self
        args = [str(find_anvil()), "--host", "127.0.0.1", "--port", "0",
                "--hardfork", self.hardfork, "--accounts", "2", *self.extra_args]
        self._process = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                         stdin=subprocess.DEVNULL)
        try:
            self.port = self._read_port()
            self._wait_until_answering()
        except BaseException:
            self.stop()
            raise
        return self

    def _read_port(self) -> int:
        assert self._process is not None and self._process.stdout is not None
        found: list[int] = []
        banner: list[bytes] = []

        def read() -> None:  # keeps draining stdout after the banner so anvil never blocks
            assert self._process is not None and self._process.stdout is not None
            for line in self._process.stdout:
                if not found:
                    banner.append(line)
                    match = _LISTENING.search(line)
                    if match:
                        found.append(int(match.group(1)))
        self._drain = threading.Thread(target=read, name="anvil-stdout", daemon=True)
        self._drain.start()
        deadline = time.monotonic() + self.startup_timeout
        while not found:
            if self._process.poll() is not None:
                raise AnvilError("anvil exited during start-up: "
                                 + b"".join(banner[-5:]).decode(errors="replace").strip())
            if time.monotonic() > deadline:
                raise AnvilError(f"anvil did not report its port within {self.startup_timeout} s")
            time.sleep(0.02)
        return found[0]

    def _wait_until_answering(self) -> None:
        deadline = time.monotonic() + self.startup_timeout
        body = {"jsonrpc": "2.0", "id": 1, "method": "eth_chainId", "params": []}
        while True:
            try:
                if requests.post(self.rpc_url, json=body, timeout=1).ok:
                    return
            except RequestException:
                pass
            if time.monotonic() > deadline:
                raise AnvilError(f"anvil on {self.rpc_url} did not answer within "
                                 f"{self.startup_timeout} s")
            time.sleep(0.05)

    def stop(self) -> None:
        process, self._process = self._process, None
        if process is None:
            return
        process.terminate()
        try:
            process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=5)
        if self._drain is not None:
            self._drain.join(timeout=5)
            self._drain = None
        if process.stdout is not None:
            process.stdout.close()
        self.port = None

    @property
    def running(self) -> bool:
        return self._process is not None and self._process.poll() is None

    def __enter__(self) -> "Anvil":
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
