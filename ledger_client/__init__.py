"""ICEband ledger client: identities, FHIR records, encryption, the ledger and the record store."""

__all__: list[str] = []
