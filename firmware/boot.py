"""Runs first at every boot (before main.py): room for an exception raised in an interrupt."""

import micropython

if hasattr(micropython, "alloc_emergency_exception_buf"):  # absent on the unix port
    micropython.alloc_emergency_exception_buf(100)
