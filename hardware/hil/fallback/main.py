"""Stand-in band entry for the HIL harness, used only while firmware/ has no main.py.

It wires the firmware's own, unchanged modules (applet, vault, drivers.r30x) to machine UARTs
the way docs/protocol.md section 4 describes main.py: the R503 on UART1 (57600), the PN532 in
target mode on UART2 (HSU 115200), the USB-serial frames on UART0 (115200), the factory-reset
button on pin 0 (active low, held 3 s at boot). The flash is the working directory. MicroPython
code: it runs on the band's interpreter and on CPython through hardware/host.
"""

import os
import time

import machine
from applet import Applet
from drivers.r30x import R30x, SensorError
from vault import Vault

SENSOR_UART = 1
NFC_UART = 2
USB_UART = 0
RESET_BUTTON = 0
_HOLD_MS = 3000
_FRAME_MS = 500  # a USB frame not complete this long after its first byte is dropped
_ACK_MS = 100
_ANSWER_MS = 1000
_WAKE = b"\x55\x55\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00"
_ACK = b"\x00\x00\xff\x00\xff\x00"


def crc16(data):
    crc = 0xFFFF
    for byte in data:
        crc ^= byte << 8
        for _ in range(8):
            crc = ((crc << 1) ^ 0x1021) if crc & 0x8000 else crc << 1
        crc &= 0xFFFF
    return crc


class UsbLink:
    """'IB' | LEN | payload | CRC-16/CCITT-FALSE frames on the USB-serial UART."""

    def __init__(self, uart):
        self._uart = uart
        self._buf = bytearray()
        self._since = 0

    def poll(self):
        n = self._uart.any()
        if n:
            if not self._buf:
                self._since = time.ticks_ms()
            self._buf += self._uart.read(n)
        buf = self._buf
        while buf:
            start = buf.find(b"IB")
            if start < 0:
                self._buf = buf = buf[-1:] if buf[-1:] == b"I" else bytearray()
                return None
            if start:
                self._buf = buf = buf[start:]
                self._since = time.ticks_ms()
            if len(buf) >= 4:
                length = (buf[2] << 8) | buf[3]
                if length > 1024:
                    self._buf = buf = buf[2:]
                    continue
                if len(buf) >= 6 + length:
                    body = bytes(buf[2:4 + length])
                    good = crc16(body) == ((buf[4 + length] << 8) | buf[5 + length])
                    self._buf = buf = buf[6 + length:]
                    self._since = time.ticks_ms()
                    if good:
                        return body[2:]
                    continue
            if time.ticks_diff(time.ticks_ms(), self._since) > _FRAME_MS:
                self._buf = buf = buf[2:]
                self._since = time.ticks_ms()
                continue
            return None
        return None

    def send(self, payload):
        body = bytes((len(payload) >> 8, len(payload) & 0xFF)) + payload
        c = crc16(body)
        self._uart.write(b"IB" + body + bytes((c >> 8, c & 0xFF)))


def _frame(code, data):
    body = bytes((0xD4, code)) + data
    total = 0
    for b in body:
        total += b
    return (bytes((0, 0, 0xFF, len(body), (-len(body)) & 0xFF)) + body
            + bytes(((-total) & 0xFF, 0)))


class Pn532Target:
    """The PN532 as an ISO 14443-4 card, driven without blocking: one command in flight,
    its answer picked up by `poll()` while the USB serial is served too."""

    def __init__(self, uart, applet):
        self._uart = uart
        self._applet = applet
        self._rx = bytearray()
        self._code = 0  # command in flight (0: none)
        self._acked = False
        self._sent_at = 0

    def _send(self, code, data=b"", wake=False):
        self._uart.write((_WAKE if wake else b"") + _frame(code, data))
        self._code = code
        self._acked = False
        self._sent_at = time.ticks_ms()

    def _arm(self):
        self._applet.deselect()
        nfcid = os.urandom(3)  # the card-mode UID is random per activation
        params = (b"\x05\x04\x00" + nfcid + b"\x20" + bytes(18) + bytes(10) + b"\x00\x00")
        self._send(0x8C, params)

    def start(self):
        self._rx = bytearray()
        self._send(0x14, b"\x01\x14\x01", wake=True)  # SAMConfiguration: normal mode

    def _next_frame(self):
        """The next chip frame's body (TFI onwards), b"" for an ACK, None if none yet.
        (MicroPython's bytearray has no slice deletion: the buffer is re-sliced.)"""
        rx = self._rx
        start = rx.find(b"\x00\x00\xff")
        if start < 0 or len(rx) < start + 6:
            return None
        if rx[start + 3:start + 6] == b"\x00\xff\x00":
            self._rx = rx[start + 6:]
            return b""  # ACK
        length = rx[start + 3]
        if (length + rx[start + 4]) & 0xFF:
            self._rx = rx[start + 3:]  # not a frame start: hunt on
            return None
        if len(rx) < start + 7 + length:
            return None
        body = bytes(rx[start + 5:start + 5 + length])
        self._rx = rx[start + 7 + length:]
        return body

    def poll(self):
        n = self._uart.any()
        if n:
            self._rx += self._uart.read(n)
        body = self._next_frame()
        if body is None:
            waited = time.ticks_diff(time.ticks_ms(), self._sent_at)
            if (not self._acked and waited > _ACK_MS) or (
                    self._code in (0x14, 0x8E) and waited > _ANSWER_MS):
                self.start()  # a silent or confused chip is initialised again
            return
        if body == b"":
            self._acked = True
            return
        if len(body) < 2 or body[0] != 0xD5 or body[1] != self._code + 1:
            return
        code, data = self._code, body[2:]
        if code == 0x14:
            self._arm()
        elif code == 0x8C:
            self._send(0x86)
        elif code == 0x86:
            if not data or data[0] & 0x3F:
                self._arm()  # released by the reader, or the field went away
            else:
                self._send(0x8E, self._applet.process(bytes(data[1:]), False))
        elif code == 0x8E:
            if data and data[0] & 0x3F:
                self._arm()
            else:
                self._send(0x86)


def _factory_reset_held(button):
    start = time.ticks_ms()
    while time.ticks_diff(time.ticks_ms(), start) < _HOLD_MS:
        if button.value():
            return False
        time.sleep_ms(50)
    return True


def main():
    sensor = R30x(machine.UART(SENSOR_UART, 57600, timeout=0), time)
    vault = Vault("iceband")
    button = machine.Pin(RESET_BUTTON, machine.Pin.IN, machine.Pin.PULL_UP)
    if not button.value() and _factory_reset_held(button):
        vault.erase()
        try:
            sensor.empty()
            for _ in range(3):
                sensor.ring(3, 1)
                sensor.ring(4, 1)
        except SensorError:
            pass
        print("factory reset: vault and templates erased")
    applet = Applet(vault, sensor, time)
    usb = UsbLink(machine.UART(USB_UART, 115200, timeout=0))
    nfc = Pn532Target(machine.UART(NFC_UART, 115200, timeout=0), applet)
    nfc.start()
    print("band up (fallback main)")
    while True:
        apdu = usb.poll()
        if apdu is not None:
            usb.send(applet.process(apdu, True))
        nfc.poll()
        applet.tick()
        time.sleep_ms(1)


main()
