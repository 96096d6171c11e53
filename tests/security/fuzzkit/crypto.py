"""Crypto parsers: records, sealed and multi-recipient blobs (the band's blob), keys, key files."""

from __future__ import annotations

import os
import shutil
import tempfile

from ledger_client.crypto import (
    CryptoError, RecipientKey, RecipientPublicKey, SigningKey, Suite, VerifyKey,
    decrypt_record, encrypt_record, load_key_file, open_from_many, open_sealed,
    patient_address, read_record_header, save_key_file, seal, seal_to_many)
from ledger_client.crypto.keyfile import SCRYPT_FLOOR
from responder_app.emergency_blob import EmergencyPayload, open_emergency_blob, seal_emergency_blob

from . import Outcome, SimpleHarness

__all__ = ["record_harness", "sealed_harness", "recipient_key_harness", "keyfile_harness"]

_PLAIN = b'{"resourceType": "Bundle"}' * 4


def record_harness() -> SimpleHarness:
    patient = patient_address(SigningKey.generate().verify_key)
    keys = {suite: RecipientKey.generate(suite) for suite in Suite}
    seeds, expect = [], {}
    for suite, key in keys.items():
        for version in (1, 2**32 - 1):
            blob = encrypt_record(_PLAIN, patient=patient, record_id="ips", version=version,
                                  emergency_key=key.public_key())
            seeds.append(blob)
            expect[blob] = version

    def check(data: bytes) -> Outcome:
        try:
            header = read_record_header(data)
        except CryptoError:
            return "rejected"
        key = keys.get(header.suite, keys[Suite.X25519])
        version = header.version if 1 <= header.version < 2**32 else 1
        try:
            plain = decrypt_record(data, emergency_key=key, patient=patient, record_id="ips",
                                   version=version)
        except CryptoError:
            return "rejected"
        assert data in expect and plain == _PLAIN, "a changed record decrypted"
        return "accepted"
    return SimpleHarness(seeds, check)


def sealed_harness() -> SimpleHarness:
    device = b"band-0001"
    agencies = [RecipientKey.generate(Suite.X25519), RecipientKey.generate(Suite.MLKEM768_X25519)]
    payload = EmergencyPayload(os.urandom(32), RecipientKey.generate(Suite.X25519))
    band_blobs = [seal_emergency_blob(payload, [a.public_key() for a in agencies], device)]
    single = [seal(b"secret", a.public_key(), info=b"fuzz") for a in agencies]
    many = [seal_to_many(b"many", [a.public_key() for a in agencies], info=b"fuzz")]
    seeds = band_blobs + single + many
    genuine = set(seeds)

    def check(data: bytes) -> Outcome:
        opened = 0
        for agency in agencies:
            for attempt in (lambda: open_emergency_blob(data, agency, device),
                            lambda: open_sealed(data, agency, info=b"fuzz"),
                            lambda: open_from_many(data, agency, info=b"fuzz")):
                try:
                    attempt()
                    opened += 1
                except CryptoError:
                    pass
        assert not opened or data in genuine, "a changed blob opened"
        return "accepted" if opened else "rejected"
    return SimpleHarness(seeds, check)


def recipient_key_harness() -> SimpleHarness:
    seeds = []
    for suite in Suite:
        key = RecipientKey.generate(suite)
        seeds += [key.to_bytes(), key.public_key().to_bytes()]
    seeds.append(SigningKey.generate().verify_key.to_bytes())

    def check(data: bytes) -> Outcome:
        parsed = 0
        for parse in (RecipientPublicKey.from_bytes, RecipientKey.from_bytes, VerifyKey.from_bytes):
            try:
                parse(data)
                parsed += 1
            except CryptoError:
                pass
        return "accepted" if parsed else "rejected"
    return SimpleHarness(seeds, check)


def keyfile_harness() -> SimpleHarness:
    """Every input is written to a fresh 0600 file and loaded: a real scrypt per input."""
    folder = tempfile.mkdtemp(prefix="iceband-fuzz-key-")
    n, r, p = SCRYPT_FLOOR
    seeds = []
    for i, secret in enumerate((os.urandom(32), os.urandom(64))):
        path = os.path.join(folder, f"seed{i}")
        save_key_file(path, secret, kind="identity", passphrase="pw", public=b"pub",
                      scrypt_n=n, scrypt_r=r, scrypt_p=p)
        with open(path, "rb") as f:
            seeds.append(f.read())
        os.remove(path)
    genuine = set(seeds)
    path = os.path.join(folder, "input")

    def check(data: bytes) -> Outcome:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        try:
            load_key_file(path, "pw")
        except CryptoError:  # KeyFileError, WrongPassphrase
            return "rejected"
        assert data in genuine, "a changed key file loaded"
        return "accepted"
    return SimpleHarness(seeds, check, lambda: shutil.rmtree(folder, ignore_errors=True))


def kit_harness() -> SimpleHarness:
    """The break-glass kit (ledger_client.breakglass): parse, then authority 0 opens its share."""
    from ledger_client.breakglass import BreakGlassKit, make_kit
    from ledger_client.breakglass.kit import share_info
    signers = [SigningKey.generate().verify_key.to_bytes() for _ in range(3)]
    keys = [RecipientKey.generate() for _ in range(3)]
    kit = make_kit(RecipientKey.generate(), bytes(20),
                   [(s, k.public_key()) for s, k in zip(signers, keys)], k=2)
    seeds = [kit.to_bytes()]

    def check(data: bytes) -> Outcome:
        try:
            parsed = BreakGlassKit.from_bytes(data)
        except CryptoError:
            return "rejected"
        assert parsed.to_bytes() == data, "the kit encoding is not canonical"
        try:
            share = parsed.share_of(signers[0])
            open_sealed(share.sealed, keys[0], info=share_info(parsed.header(), signers[0], share.index))
        except CryptoError:
            return "rejected"
        assert parsed.header() == kit.header() and share in kit.shares, "a changed share opened"
        return "accepted"
    return SimpleHarness(seeds, check)
