"""ICEband responder app: scan a band, release and unseal its key, fetch, verify and show the record."""

__all__: list[str] = []
