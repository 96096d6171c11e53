"""Runs first at every boot (before main.py): room for an exception raised in an interrupt."""

import micropython

micropython.alloc_emergency_exception_buf(100)
