"""ICEband hardware: the reference build described, simulators of its chips, and the HIL harness."""

__all__: list[str] = []
