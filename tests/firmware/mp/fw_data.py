"""Provisioning data and scratch directories for the firmware tests (kept small: the unix-port
run has a 64 KB heap, and every module a test imports stays resident)."""

import os

TMP = os.getenv("ICEBAND_FW_TMP") or "/tmp"
DEVICE_ID = bytes(range(16))
ADDRESS = bytes(range(100, 120))
SECRET = bytes(range(200, 232))
BLOB = bytes(range(256)) * 2 + bytes(range(88))  # 600 bytes: needs three chained chunks
SUMMARY = bytes(range(255, -1, -1)) + bytes(range(244))  # 500 bytes: three READ SUMMARY chunks


def fresh_dir(name):
    path = TMP + "/" + name
    try:
        os.mkdir(path)
    except OSError:
        pass
    for entry in os.listdir(path):
        os.remove(path + "/" + entry)
    return path
