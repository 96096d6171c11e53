"""Host stand-ins for MicroPython's `machine` and `micropython` modules (see mpcompat).

The modules here are imported by their MicroPython names (`import machine`) once this folder
is on the path; nothing is imported from this package itself.
"""

__all__: list[str] = []
