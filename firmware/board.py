"""The reference build's pin map (hardware/README.md): the one place the firmware reads it.

ESP32-WROOM-32 module; the R503-class sensor on UART1, the PN532 in HSU mode on UART2, the
USB serial on UART0 (the REPL's, through the module's USB-UART bridge), the factory-reset
button on GPIO32 (active low; not GPIO0, which held at power-up starts the ROM bootloader).
tests/firmware/test_board_readme.py checks that the README's table says the same.
"""

from micropython import const

SENSOR_UART = const(1)
SENSOR_BAUD = const(57600)
SENSOR_TX = const(17)  # ESP32 TX -> sensor RXD
SENSOR_RX = const(16)  # ESP32 RX <- sensor TXD
SENSOR_WAKE = const(4)  # sensor WAKEUP (touch) output: a finger on the ring
SENSOR_POWER = const(25)  # P-MOSFET high-side switch for the sensor's 3.3 V: low = on
SENSOR_BOOT_MS = const(200)  # the R503 answers this long after its supply comes up

NFC_UART = const(2)
NFC_BAUD = const(115200)
NFC_TX = const(26)  # ESP32 TX -> PN532 RXD (HSU: SEL0 = 0, SEL1 = 0)
NFC_RX = const(27)  # ESP32 RX <- PN532 TXD
NFC_RESET = const(33)  # PN532 RSTPDN, active low

USB_UART = const(0)
USB_BAUD = const(115200)

RESET_BUTTON = const(32)  # button to GND, internal pull-up (not a strapping pin)
RESET_HOLD_MS = const(3000)
BATTERY_ADC = const(35)  # LiPo through a 100k/100k divider
