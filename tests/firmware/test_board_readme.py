"""hardware/README.md's pin and UART tables say what firmware/board.py says."""

from __future__ import annotations

import ast
import re
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def board_constants() -> dict[str, int]:
    out = {}
    for node in ast.parse((REPO / "firmware" / "board.py").read_text()).body:
        if isinstance(node, ast.Assign) and isinstance(node.value, ast.Call):
            out[node.targets[0].id] = node.value.args[0].value  # type: ignore[attr-defined]
    return out


def readme_rows() -> list[list[str]]:
    text = (REPO / "hardware" / "README.md").read_text()
    return [[cell.strip() for cell in line.strip().strip("|").split("|")]
            for line in text.splitlines() if line.startswith("|") and not line.startswith("|---")]


def test_pin_table_matches_board_py() -> None:
    board = board_constants()
    pins = {row[2]: int(row[1]) for row in readme_rows()
            if len(row) == 4 and row[1].isdigit() and re.fullmatch(r"[A-Z_]+", row[2])}
    uarts = {row[1]: int(row[0]) for row in readme_rows()
             if len(row) == 4 and row[0].isdigit() and row[1].endswith("_UART")}
    bauds = {row[1]: int(row[2]) for row in readme_rows()
             if len(row) == 4 and row[0].isdigit() and row[1].endswith("_UART")}
    assert len(pins) == 9 and len(uarts) == 3
    for name, gpio in pins.items():
        assert board[name] == gpio, name
    for name, uart_id in uarts.items():
        assert board[name] == uart_id, name
        assert board[name.replace("_UART", "_BAUD")] == bauds[name], name
    pin_names = {n for n in board if not n.endswith(("_UART", "_BAUD", "_MS"))}
    assert pin_names == set(pins), "board.py and the README list different pins"
