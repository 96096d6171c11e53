"""Runs the firmware tests on any interpreter: `micropython run.py [module ...]`.

Prints one line per test (PASS/FAIL name) and a final `SUMMARY passed=N failed=M`; exit status
1 when anything failed. No pytest here: these files run on the MicroPython unix port too.
"""

import gc
import os
import sys

HERE = __file__.rsplit("/", 1)[0] if "/" in __file__ else "."
if HERE.endswith(".mpy") or not HERE:
    HERE = "."
FIRMWARE = os.getenv("ICEBAND_FIRMWARE") or HERE + "/../../../firmware"
sys.path.insert(0, HERE)
sys.path.insert(0, FIRMWARE)

try:
    import micropython  # noqa: F401  (the real one on MicroPython)
except ImportError:  # CPython: the host fake, or the one-line const() it provides
    sys.path.append(HERE + "/../../../hardware/host")
    try:
        import micropython  # noqa: F401
    except ImportError:
        import types
        shim = types.ModuleType("micropython")
        shim.const = lambda value: value
        sys.modules["micropython"] = shim


def modules_here():
    names = set()
    for name in os.listdir(HERE):
        if name.startswith("test_fw_") and (name.endswith(".py") or name.endswith(".mpy")):
            names.add(name.rsplit(".", 1)[0])
    return sorted(names)


def main(argv):
    """Arguments: module names, or module.test names to run one test."""
    names = argv or modules_here()
    passed = 0
    failed = 0
    for name in names:
        only = None
        if "." in name:
            name, only = name.split(".")
        module = __import__(name)
        for attr in [only] if only else sorted(dir(module)):
            if not attr.startswith("test_"):
                continue
            test = getattr(module, attr)
            gc.collect()
            try:
                test()
            except Exception as exc:  # report and go on: every test gets its line
                failed += 1
                print("FAIL %s.%s: %s %r" % (name, attr, type(exc).__name__, exc.args))
                sys.print_exception(exc) if hasattr(sys, "print_exception") else None
            else:
                passed += 1
                print("PASS %s.%s" % (name, attr))
    print("SUMMARY passed=%d failed=%d" % (passed, failed))
    return 1 if failed else 0


sys.exit(main(sys.argv[1:]))
