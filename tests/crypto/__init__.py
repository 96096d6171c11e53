"""Tests of ledger_client.crypto: keys, sealing, records, key files, addresses."""
