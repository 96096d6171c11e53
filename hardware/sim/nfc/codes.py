"""PN532 command codes and status (error) codes, as UM0701-02 numbers them."""

from __future__ import annotations

import enum

__all__ = ["Command", "Status", "SERIAL_BAUD_RATES", "FIRMWARE_VERSION", "CIU_FIFO_DATA"]


class Command(enum.IntEnum):
    DIAGNOSE = 0x00
    GET_FIRMWARE_VERSION = 0x02
    GET_GENERAL_STATUS = 0x04
    READ_REGISTER = 0x06
    WRITE_REGISTER = 0x08
    READ_GPIO = 0x0C
    WRITE_GPIO = 0x0E
    SET_SERIAL_BAUD_RATE = 0x10
    SET_PARAMETERS = 0x12
    SAM_CONFIGURATION = 0x14
    POWER_DOWN = 0x16
    RF_CONFIGURATION = 0x32
    IN_DATA_EXCHANGE = 0x40
    IN_COMMUNICATE_THRU = 0x42
    IN_DESELECT = 0x44
    IN_JUMP_FOR_PSL = 0x46
    IN_LIST_PASSIVE_TARGET = 0x4A
    IN_PSL = 0x4E
    IN_ATR = 0x50
    IN_RELEASE = 0x52
    IN_SELECT = 0x54
    IN_JUMP_FOR_DEP = 0x56
    IN_AUTO_POLL = 0x60
    TG_GET_DATA = 0x86
    TG_GET_INITIATOR_COMMAND = 0x88
    TG_GET_TARGET_STATUS = 0x8A
    TG_INIT_AS_TARGET = 0x8C
    TG_SET_DATA = 0x8E
    TG_RESPONSE_TO_INITIATOR = 0x90
    TG_SET_GENERAL_BYTES = 0x92
    TG_SET_META_DATA = 0x94


class Status(enum.IntEnum):
    """The status byte of a response (bits 0-5; bit 6 is MI, bit 7 NAD present)."""

    OK = 0x00
    TIMEOUT = 0x01
    CRC_ERROR = 0x02
    PARITY_ERROR = 0x03
    BUFFER_TOO_SMALL = 0x07
    PROTOCOL_ERROR = 0x0B
    INVALID_PARAMETER = 0x10
    FORMAT_ERROR = 0x13
    INVALID_DEP_STATE = 0x25
    NOT_ALLOWED = 0x26
    NOT_ACCEPTABLE = 0x27
    RELEASED = 0x29
    CARD_DISAPPEARED = 0x2B


# SetSerialBaudRate's BR byte indexes this table (nfcpy's pn532.py uses the same order)
SERIAL_BAUD_RATES = (9600, 19200, 38400, 57600, 115200, 230400, 460800, 921600, 1288000)

# GetFirmwareVersion: IC 0x32 (PN532), version 1, revision 6, supports ISO A, ISO B, ISO 18092
FIRMWARE_VERSION = bytes([0x32, 0x01, 0x06, 0x07])

CIU_FIFO_DATA = 0x6339
