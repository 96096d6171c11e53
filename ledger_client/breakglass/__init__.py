"""Break-glass: release a patient's emergency key without their finger, by a quorum of
authorities, only once the override is on the ledger; and the patient's verified audit that
detects a forked ledger and shows every override first (docs/crypto.md, docs/threat-model.md)."""

from .audit import (
    AuditError, AuditReport, ForkDetected, SeenCheckpoint, check_checkpoint, patient_audit,
    render_audit)
from .kit import BreakGlassKit, make_kit
from .release import (
    AnsweredEntries, BreakGlassRefused, BreakGlassRequest, new_request, recover_emergency_key,
    release_share)

__all__ = ["AuditError", "AuditReport", "ForkDetected", "SeenCheckpoint", "check_checkpoint",
           "patient_audit", "render_audit", "BreakGlassKit", "make_kit", "AnsweredEntries",
           "BreakGlassRefused", "BreakGlassRequest", "new_request", "recover_emergency_key",
           "release_share"]
