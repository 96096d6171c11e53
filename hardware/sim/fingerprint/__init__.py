"""A simulated R503 fingerprint sensor (R30x/ZFM packet protocol) for host tests.

`SimulatedSensor` serves it on a pty that unmodified drivers (pyfingerprint, the firmware
through the `machine` fakes) open like a USB serial adapter. `frames` is the packet codec,
`fingers` the finger model, `sensor` the behaviour, `server` the thread and transports.
"""

from .fingers import Condition
from .frames import Confirmation, Instruction, PacketId, build_packet, parse_packet
from .sensor import Timing
from .server import SimulatedSensor

__all__ = ["Condition", "Confirmation", "Instruction", "PacketId", "SimulatedSensor", "Timing",
           "build_packet", "parse_packet"]
