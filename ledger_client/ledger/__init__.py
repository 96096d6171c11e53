"""The ICEband ledger: a transparent log of signed entries (see `protocol` and docs/ledger.md)."""

from ledger_client.ledger.protocol import *  # noqa: F401,F403
from ledger_client.ledger.protocol import __all__  # noqa: F401
