"""The band: wires the applet to its chips (pins from board.py) and runs the loop forever.

One loop, no threads: the PN532 and the USB serial are polled in turn; an APDU from either goes
to the one applet. The flash directory is ./iceband (the root of the band's littlefs).
"""

import gc
import sys
import time

import machine
import micropython

import board
from applet import Applet
from drivers.pn532_target import ACTIVATED, APDU, RELEASED, Pn532Error, Pn532Target
from drivers.r30x import R30x, SensorError
from factory import HELD, SHORT_PRESS, button_at_boot, factory_reset
from serial_link import FrameReader, StdioPort, encode
from vault import Vault

TYPE_CHECKING = False  # mypy reads the block below; MicroPython never runs it
if TYPE_CHECKING:
    from fwtypes import Stream

VAULT_DIR = "iceband"
_REARM_MS = 1000


_quiet = False  # on the ESP32, stdout is the framed USB link once the loop runs


def log(message: str) -> None:
    if not _quiet:
        print("iceband:", message)


def open_usb() -> "Stream":
    global _quiet
    if sys.platform == "esp32":  # UART0 is the REPL's: speak frames on stdin/stdout
        micropython.kbd_intr(-1)
        _quiet = True
        return StdioPort()
    return machine.UART(board.USB_UART, board.USB_BAUD, timeout=0)


def power_up_chips() -> None:
    """Sensor supply on (active-low switch), PN532 out of reset; then let the sensor boot."""
    machine.Pin(board.SENSOR_POWER, machine.Pin.OUT, value=0)
    machine.Pin(board.NFC_RESET, machine.Pin.OUT, value=1)
    time.sleep_ms(board.SENSOR_BOOT_MS)


def main() -> None:
    power_up_chips()
    # tx/rx given explicitly: UART1's default pins on the ESP32 are the flash's (GPIO9/10)
    sensor = R30x(machine.UART(board.SENSOR_UART, board.SENSOR_BAUD, tx=board.SENSOR_TX,
                               rx=board.SENSOR_RX, timeout=0), time)
    vault = Vault(VAULT_DIR)
    button = machine.Pin(board.RESET_BUTTON, machine.Pin.IN, machine.Pin.PULL_UP)
    pressed = button_at_boot(button, time, board.RESET_HOLD_MS)
    if pressed == SHORT_PRESS:
        log("maintenance: button tapped at boot, staying at the REPL")
        return
    if pressed == HELD:
        log("factory reset: " + ("done" if factory_reset(vault, sensor) else "sensor silent"))
    try:
        log("sensor " + ("ready" if sensor.verify_password() else "refused the password"))
    except SensorError:
        log("sensor silent")  # releases will answer 6400 until it answers
    applet = Applet(vault, sensor, time)
    usb = FrameReader(open_usb(), time)
    usb_port = usb.port
    nfc = Pn532Target(machine.UART(board.NFC_UART, board.NFC_BAUD, tx=board.NFC_TX,
                                   rx=board.NFC_RX, timeout=0), time)
    nfc_ready = False
    retry_at = time.ticks_ms()
    log("ready" + (" (provisioned)" if vault.provisioned else " (unprovisioned)"))
    gc.collect()  # start the loop with boot's garbage gone: the buffers above stay put
    while True:
        if not nfc_ready and time.ticks_diff(time.ticks_ms(), retry_at) >= 0:
            try:
                nfc.wake()
                nfc.arm()
                nfc_ready = True
            except Pn532Error:
                retry_at = time.ticks_add(time.ticks_ms(), _REARM_MS)
        if nfc_ready:
            try:
                event, capdu = nfc.poll()
                if event == ACTIVATED:
                    nfc.request_apdu()
                elif event == APDU:
                    if nfc.respond(applet.process(capdu, False)):
                        nfc.request_apdu()
                    else:
                        applet.deselect()
                        nfc.arm()
                elif event == RELEASED:
                    applet.deselect()
                    nfc.arm()
            except Pn532Error:
                applet.deselect()
                nfc_ready = False
        frame = usb.poll()
        if frame is not None:
            usb_port.write(encode(applet.process(frame, True)))
        if applet.last_error is not None:
            log("internal error answered 6F00: " + repr(applet.last_error))
            applet.last_error = None
        applet.tick()
        time.sleep_ms(1)


main()
