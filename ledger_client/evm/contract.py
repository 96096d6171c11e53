"""Compile `ICEbandLedger.vy` in-process with the pinned Vyper, and deploy it.

Nothing compiled is committed: the source in this folder is the only truth, compiled on first
use (about a second) and cached for the life of the process. The EVM version is pinned to
"paris" (no PUSH0), the newest fork that permissioned chains such as Besu and Quorum all run.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from importlib import resources
from typing import Any

__all__ = ["CompiledContract", "compile_ledger_contract", "contract_source",
           "EVM_VERSION", "VYPER_VERSION"]

EVM_VERSION = "paris"
VYPER_VERSION = "0.4.3"
_SOURCE_NAME = "ICEbandLedger.vy"


@dataclass(frozen=True)
class CompiledContract:
    abi: list[dict[str, Any]]
    bytecode: bytes            # creation code
    runtime_bytecode: bytes


def contract_source() -> str:
    return resources.files(__package__).joinpath(_SOURCE_NAME).read_text(encoding="utf-8")


@functools.lru_cache(maxsize=4)
def compile_ledger_contract(evm_version: str = EVM_VERSION) -> CompiledContract:
    """Compile the ledger contract (cached per EVM version)."""
    import vyper  # type: ignore[import-untyped]
    from vyper.compiler.settings import Settings  # type: ignore[import-untyped]

    if vyper.__version__ != VYPER_VERSION:
        raise RuntimeError(f"the ledger contract is pinned to vyper {VYPER_VERSION}, "
                           f"found {vyper.__version__}")
    out = vyper.compile_code(contract_source(), contract_path=_SOURCE_NAME,
                             output_formats=["abi", "bytecode", "bytecode_runtime"],
                             settings=Settings(evm_version=evm_version))
    return CompiledContract(abi=out["abi"], bytecode=bytes.fromhex(out["bytecode"][2:]),
                            runtime_bytecode=bytes.fromhex(out["bytecode_runtime"][2:]))
