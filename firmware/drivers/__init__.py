"""Chip drivers of the band: each a frame codec plus a thin device over a UART object."""
