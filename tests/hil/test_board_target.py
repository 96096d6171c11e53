"""The real-board target's own code, run against a band on a serial port: the simulated
band's USB serial stands in for /dev/ttyUSB0, and a scripted operator for the person at the
bench (doing to the simulators what each instruction asks)."""

from __future__ import annotations

import pytest

from hardware.hil import SimulatedBand
from hardware.hil.target import FINGERS, BoardTarget, NoReader, Operator
from responder_app.protocol import BandProtocol, NoMatch

from .flows import BLOB, expected_proof, provision, release


class ScriptedHand(Operator):
    """Reads each instruction as a person would and does it to the simulated band."""

    def __init__(self, band: SimulatedBand) -> None:
        self.band = band
        self.asked: list[str] = []

    def ask(self, instruction: str) -> None:
        self.asked.append(instruction)
        sensor = self.band.sensor
        assert sensor is not None
        if instruction.startswith("place the PATIENT"):
            sensor.place_finger(FINGERS["patient"])
        elif instruction.startswith("place a finger NOT enrolled"):
            sensor.place_finger(FINGERS["stranger"])
        elif instruction.startswith("lift"):
            sensor.lift_finger()
        else:
            raise AssertionError(f"the script has no hand for {instruction!r}")


def test_a_board_target_runs_the_hil_flows_over_a_serial_port() -> None:
    with SimulatedBand() as band:
        hand = ScriptedHand(band)
        board = BoardTarget(band.serial_path, operator=hand)
        provision(board)
        assert board.enrolled_fingers() is None  # a real board's sensor is opaque
        with board.wired() as device:
            challenge, result = release(device, board, "patient")
            assert result.sealed_blob == BLOB
            assert result.proof == expected_proof(challenge, result.counter)
            with pytest.raises(NoMatch):
                release(device, board, "stranger")
            assert BandProtocol(device).select().attempts_left == 2
        with pytest.raises(NoReader, match="pass --reader DEVICE"):
            board.nfc_reader()
        board.close()
    assert hand.asked[0] == "place the PATIENT's enrolled finger on the sensor and keep it there"
    assert "place a finger NOT enrolled on the sensor and keep it there" in hand.asked
