"""Simulators of the band's chips, speaking their real wire protocols on pseudo-terminals."""

__all__: list[str] = []
