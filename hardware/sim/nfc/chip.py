"""What every simulated PN532 does, whichever side of the field it is on.

A chip turns one host command (code, data) into response data, or raises `ChipSyntaxError`
(the chip then sends the syntax error frame) or `CommandCancelled` (the host aborted it with an
ACK). Commands that wait (for a card, for the reader) wait on the field's shared condition so
that field events, the other chip and cancellation all wake them. `ReaderChip` and `CardChip`
add the initiator and the target commands.
"""

from __future__ import annotations

import threading
from typing import Callable

from .codes import CIU_FIFO_DATA, FIRMWARE_VERSION, SERIAL_BAUD_RATES, Command
from .trace import Trace

__all__ = ["ChipSyntaxError", "CommandCancelled", "Pn532Chip", "Cancelled", "INITIAL_BAUD"]

INITIAL_BAUD = 115200  # HSU speed after power-on
Cancelled = Callable[[], bool]
Handler = Callable[[bytes, Cancelled], bytes]

_CIU_TX_CONTROL = 0x6304
_CIU_FIFO_LEVEL = 0x633A
# RFConfiguration items and the number of data bytes each takes
_RF_ITEM_SIZES = {0x01: 1, 0x02: 3, 0x04: 1, 0x05: 3, 0x0A: 11, 0x0B: 8, 0x0C: 3, 0x0D: 9}
# reset values of the CIU registers drivers look at (others read as 00)
_CIU_RESET = {0x6301: 0x3B, 0x6302: 0x80, 0x6303: 0x80, 0x6304: 0x80, 0x6305: 0x00,
              0x6327: 0x80}
_HSU_WAKEUP = 0x10


class ChipSyntaxError(Exception):
    """The command cannot be parsed: the chip answers with the syntax error frame."""


class CommandCancelled(Exception):
    """The host sent an ACK while the command was running: no response is sent."""


class Pn532Chip:
    """The commands common to both roles; subclasses add theirs to `self.handlers`."""

    role = "pn532"

    def __init__(self, cond: threading.Condition, trace: Trace) -> None:
        self.cond = cond
        self.trace = trace
        self.baud = INITIAL_BAUD
        self.pending_baud: int | None = None
        self.asleep = False
        self.wakeup_sources = 0
        self.sam_mode = 0
        self.parameters = 0
        self.rf_settings: dict[int, bytes] = {}
        self.registers: dict[int, int] = dict(_CIU_RESET)
        self.fifo: list[int] = []
        self.handlers: dict[int, Handler] = {
            Command.DIAGNOSE: self._diagnose,
            Command.GET_FIRMWARE_VERSION: lambda data, c: FIRMWARE_VERSION,
            Command.GET_GENERAL_STATUS: self._general_status,
            Command.READ_REGISTER: self._read_register,
            Command.WRITE_REGISTER: self._write_register,
            Command.READ_GPIO: lambda data, c: b"\xff\x07\x00",
            Command.WRITE_GPIO: lambda data, c: b"",
            Command.SET_SERIAL_BAUD_RATE: self._set_serial_baud_rate,
            Command.SET_PARAMETERS: self._set_parameters,
            Command.SAM_CONFIGURATION: self._sam_configuration,
            Command.POWER_DOWN: self._power_down,
            Command.RF_CONFIGURATION: self._rf_configuration,
        }

    # -- entry points used by the host-link server ------------------------------------------
    def execute(self, code: int, data: bytes, cancelled: Cancelled) -> bytes:
        handler = self.handlers.get(code)
        if handler is None:
            raise ChipSyntaxError(f"command 0x{code:02X} is not simulated by the {self.role} chip")
        return handler(data, cancelled)

    def host_ack(self) -> None:
        """An ACK from the host with no command running: it confirms a baud rate change."""
        if self.pending_baud is not None:
            self.baud, self.pending_baud = self.pending_baud, None

    def after_response(self, code: int) -> None:
        """Called once the response frame is on the wire."""
        if code == Command.POWER_DOWN:
            self.asleep = True

    def wake(self) -> bool:
        """An incoming byte while asleep; True when the HSU is a wake-up source."""
        if self.asleep and self.wakeup_sources & _HSU_WAKEUP:
            self.asleep = False
            return True
        return not self.asleep

    def power_off(self) -> None:
        """The field simulator is shutting down: wake every waiter."""
        with self.cond:
            self.cond.notify_all()

    # -- hooks ------------------------------------------------------------------------------
    def rf_field(self, on: bool) -> None:
        """RFConfiguration item 1 or power down switched the field; readers override."""

    def general_status_targets(self) -> bytes:
        return b"\x00"

    # -- common commands --------------------------------------------------------------------
    def _diagnose(self, data: bytes, cancelled: Cancelled) -> bytes:
        if not data:
            raise ChipSyntaxError("Diagnose needs a test number")
        test = data[0]
        if test == 0x00:   # communication line test: echo everything
            return data
        if test in (0x01, 0x02, 0x06):   # ROM, RAM, antenna: report success
            return b"\x00"
        raise ChipSyntaxError(f"Diagnose test 0x{test:02X} is not simulated")

    def _general_status(self, data: bytes, cancelled: Cancelled) -> bytes:
        field_on = 1 if self.registers.get(_CIU_TX_CONTROL, 0) & 0x03 else 0
        return bytes([0x00, field_on]) + self.general_status_targets() + b"\x00"

    def _read_register(self, data: bytes, cancelled: Cancelled) -> bytes:
        if not data or len(data) % 2:
            raise ChipSyntaxError("ReadRegister takes 16-bit addresses")
        out = bytearray()
        for i in range(0, len(data), 2):
            address = int.from_bytes(data[i:i + 2], "big")
            if address == CIU_FIFO_DATA:
                out.append(self.fifo.pop(0) if self.fifo else 0x00)
            elif address == _CIU_FIFO_LEVEL:
                out.append(len(self.fifo))
            else:
                out.append(self.registers.get(address, 0x00))
        return bytes(out)

    def _write_register(self, data: bytes, cancelled: Cancelled) -> bytes:
        if not data or len(data) % 3:
            raise ChipSyntaxError("WriteRegister takes (16-bit address, value) triplets")
        for i in range(0, len(data), 3):
            address, value = int.from_bytes(data[i:i + 2], "big"), data[i + 2]
            if address == CIU_FIFO_DATA:
                self.fifo.append(value)
            elif address == _CIU_FIFO_LEVEL and value & 0x80:   # FlushBuffer
                self.fifo.clear()
            else:
                self.registers[address] = value
        return b""

    def _set_serial_baud_rate(self, data: bytes, cancelled: Cancelled) -> bytes:
        if len(data) != 1 or data[0] >= len(SERIAL_BAUD_RATES):
            raise ChipSyntaxError("SetSerialBaudRate takes one BR byte 0x00..0x08")
        # the new speed applies after the host's ACK to this response (UM0701-02 7.2.7)
        self.pending_baud = SERIAL_BAUD_RATES[data[0]]
        return b""

    def _set_parameters(self, data: bytes, cancelled: Cancelled) -> bytes:
        if len(data) != 1:
            raise ChipSyntaxError("SetParameters takes one flags byte")
        self.parameters = data[0]
        return b""

    def _sam_configuration(self, data: bytes, cancelled: Cancelled) -> bytes:
        if not 1 <= len(data) <= 3 or data[0] not in (1, 2, 3, 4):
            raise ChipSyntaxError("SAMConfiguration takes mode 1..4 [timeout [irq]]")
        self.sam_mode = data[0]
        return b""

    def _power_down(self, data: bytes, cancelled: Cancelled) -> bytes:
        if not 1 <= len(data) <= 2:
            raise ChipSyntaxError("PowerDown takes WakeUpEnable [GenerateIRQ]")
        self.wakeup_sources = data[0]
        self._switch_field(False)
        return b"\x00"

    def _rf_configuration(self, data: bytes, cancelled: Cancelled) -> bytes:
        if not data or _RF_ITEM_SIZES.get(data[0]) != len(data) - 1:
            raise ChipSyntaxError("RFConfiguration item unknown or of the wrong length")
        self.rf_settings[data[0]] = data[1:]
        if data[0] == 0x01:
            self._switch_field(bool(data[1] & 0x01))
        return b""

    def _switch_field(self, on: bool) -> None:
        tx_control = self.registers.get(_CIU_TX_CONTROL, 0x80)
        self.registers[_CIU_TX_CONTROL] = (tx_control | 0x03) if on else (tx_control & ~0x03)
        self.rf_field(on)

    # -- helpers for subclasses -------------------------------------------------------------
    def wait(self, ready: Callable[[], bool], cancelled: Cancelled,
             timeout: float | None = None) -> bool:
        """Waits (holding `cond`) until `ready()`; raises CommandCancelled if the host aborts."""
        with self.cond:
            self.cond.wait_for(lambda: ready() or cancelled(), timeout)
            if cancelled():
                raise CommandCancelled()
            return ready()
