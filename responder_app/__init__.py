"""ICEband responder app: scan a band, release and unseal its key, fetch, verify and show the record.

Layers (docs/responder-app.md), each importable on its own and none importing Kivy:
  responder_app.device      BandReader / BandDevice, open_reader(device string)
  responder_app.protocol    BandProtocol: SELECT, polled release, READ SUMMARY (docs/protocol.md)
  responder_app.session     ResponderSession: connect, release, read_record, close
  responder_app.outbox      the encrypted access log, sent to the ledger exactly once
  responder_app.profile     the tablet's responder profile and sign-in
  responder_app.emergency_blob  the sealed blob and summary the band carries
The Kivy app is `responder_app.ui`; `iceband demo|scan|tablet` is `responder_app.cli`.
"""

__all__: list[str] = []
