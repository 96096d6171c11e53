"""Break-glass: release a patient's emergency key without their finger, by a quorum of
authorities, only once the override is on the ledger (docs/crypto.md, docs/threat-model.md).
The patient's audit that shows every override first and detects a forked ledger is
`ledger_client.workflows.audit` (`iceband audit`)."""

from .kit import BreakGlassKit, make_kit
from .release import (
    AnsweredEntries, BreakGlassRefused, BreakGlassRequest, new_request, recover_emergency_key,
    release_share)

__all__ = ["BreakGlassKit", "make_kit", "AnsweredEntries", "BreakGlassRefused",
           "BreakGlassRequest", "new_request", "recover_emergency_key", "release_share"]
