"""HMAC-SHA256 on hashlib.sha256 against RFC 4231 (tests/vectors/rfc4231/hmac-sha256.txt)."""

import binascii
import os

from hmac_sha256 import hmac_sha256

VECTORS = (os.getenv("ICEBAND_FW_VECTORS") or "tests/vectors") + "/rfc4231/hmac-sha256.txt"


def load_cases():
    cases = []
    case = None
    with open(VECTORS) as f:
        for line in f:
            line = line.strip()
            if line.startswith("Test Case"):
                case = {"name": line, "truncate": 32}
                cases.append(case)
            elif " = " in line and case is not None:
                key, value = line.split(" = ")
                if key == "Truncate":
                    case["truncate"] = int(value)
                else:
                    case[key] = binascii.unhexlify(value)
    return cases


def test_rfc4231_all_cases():
    cases = load_cases()
    assert len(cases) == 7
    for case in cases:
        mac = hmac_sha256(case["Key"], case["Data"])
        assert mac[: case["truncate"]] == case["HMAC-SHA-256"], case["name"]


def test_parts_are_concatenated():
    case = load_cases()[1]
    data = case["Data"]
    assert hmac_sha256(case["Key"], data[:5], data[5:9], b"", data[9:]) == case["HMAC-SHA-256"]


def test_one_flipped_key_bit_changes_the_mac():
    case = load_cases()[0]
    key = bytearray(case["Key"])
    key[0] ^= 1
    assert hmac_sha256(bytes(key), case["Data"]) != case["HMAC-SHA-256"]
