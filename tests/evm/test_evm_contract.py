"""The contract is compiled from source, pinned to Vyper 0.4.3 and the Paris EVM."""

from __future__ import annotations

import pytest
import vyper
from vyper.compiler.settings import Settings

from ledger_client.evm.contract import (
    EVM_VERSION, compile_ledger_contract, contract_source)

pytestmark = pytest.mark.evm
_PUSH0 = 0x5F


def opcodes(code: bytes) -> list[int]:
    """Opcodes of EVM bytecode, skipping PUSH1..PUSH32 immediates."""
    out, pc = [], 0
    while pc < len(code):
        op = code[pc]
        out.append(op)
        pc += 1 + (op - 0x5F if 0x60 <= op <= 0x7F else 0)
    return out


def test_compiles_from_the_committed_source_and_matches_a_fresh_compile() -> None:
    cached = compile_ledger_contract()
    fresh = vyper.compile_code(contract_source(), output_formats=["bytecode", "abi"],
                               settings=Settings(evm_version="paris"))
    assert cached.bytecode == bytes.fromhex(fresh["bytecode"][2:])
    assert cached.abi == fresh["abi"]
    assert vyper.__version__ == "0.4.3"
    assert "# pragma evm-version paris" in contract_source()


def test_paris_bytecode_has_no_push0_while_a_shanghai_build_does() -> None:
    assert EVM_VERSION == "paris"
    paris = compile_ledger_contract().runtime_bytecode
    unpinned = contract_source().replace("# pragma evm-version paris", "")
    shanghai = bytes.fromhex(vyper.compile_code(
        unpinned, output_formats=["bytecode_runtime"],
        settings=Settings(evm_version="shanghai"))["bytecode_runtime"][2:])
    assert _PUSH0 not in opcodes(paris)
    assert _PUSH0 in opcodes(shanghai)  # proves the scan would notice


def test_abi_offers_the_entry_points_the_backend_uses() -> None:
    names = {item.get("name") for item in compile_ledger_contract().abi}
    assert {"append", "append_batch", "next_sequence", "size", "record", "device", "actor",
            "patients", "grants", "latest_anchor", "deployed_at", "set_relayer",
            "Entry"} <= names
