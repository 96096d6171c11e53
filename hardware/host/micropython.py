"""CPython stand-in for MicroPython's built-in `micropython` module.

Only CPython imports this file: MicroPython's own built-in module always wins. `const`
returns its argument; the code-emitter decorators leave the function as it is.
"""

from typing import Any, Callable, TypeVar

__all__ = ["alloc_emergency_exception_buf", "const", "heap_lock", "heap_unlock", "kbd_intr",
           "mem_info", "native", "opt_level", "schedule", "viper"]

_F = TypeVar("_F", bound=Callable[..., Any])
_T = TypeVar("_T")


def const(value: _T) -> _T:
    return value


def native(function: _F) -> _F:
    return function


def viper(function: _F) -> _F:
    return function


def mem_info(verbose: int = 0) -> None:
    print("mem: host CPython, no MicroPython heap")


def opt_level(level: int | None = None) -> int | None:
    return 0 if level is None else None


def heap_lock() -> int:
    return 0


def heap_unlock() -> int:
    return 0


def kbd_intr(char: int) -> None:
    pass


def alloc_emergency_exception_buf(size: int) -> None:
    pass


def schedule(function: Callable[[Any], Any], argument: Any) -> None:
    function(argument)  # no interrupts on the host, so "later" may as well be now
