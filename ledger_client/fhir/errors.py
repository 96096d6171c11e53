"""Errors of the FHIR layer: one type per input kind, each a ValueError with a one-line message."""

from __future__ import annotations

__all__ = ["FhirError", "InvalidRecord", "InvalidSummary"]


class FhirError(ValueError):
    """Base of the errors raised by `ledger_client.fhir`."""


class InvalidRecord(FhirError):
    """The input is not a readable FHIR R4 IPS document (bad JSON/XML, not FHIR, not an IPS)."""


class InvalidSummary(FhirError):
    """An encoded emergency summary (binary or dict form) is malformed or of an unknown version."""
