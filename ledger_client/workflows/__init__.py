"""The operations behind `iceband`'s workflow commands, importable by the responder app and
band provisioning: identities, grants, devices, records, audit."""

from ledger_client.workflows.audit import (
    AuditEvent, AuditOverride, AuditReport, audit_ledger, audit_patient)
from ledger_client.workflows.context import Passphrase, WorkflowError, Workspace
from ledger_client.workflows.identities import (
    create_agency, create_hospital, create_patient, create_responder, grant_hospital,
    parse_device_id, register_device, revoke_device, revoke_hospital, revoke_responder)
from ledger_client.workflows.records import (
    OpenedRecord, PutResult, get_record, open_latest_record, prove_entry, put_record)

__all__ = [
    "Workspace", "Passphrase", "WorkflowError",
    "create_hospital", "create_agency", "create_responder", "create_patient",
    "grant_hospital", "revoke_hospital", "register_device", "revoke_device", "revoke_responder",
    "parse_device_id",
    "put_record", "get_record", "open_latest_record", "prove_entry", "PutResult", "OpenedRecord",
    "audit_patient", "audit_ledger", "AuditReport", "AuditEvent", "AuditOverride",
]
