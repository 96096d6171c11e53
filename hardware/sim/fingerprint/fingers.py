"""Simulated fingers: features from a name, noisy captures, character files and scores.

A finger is a name. Its 256 true features are bytes drawn from SHA-256(name || counter), so
the same name is the same finger in every run. Each capture adds Gaussian noise, so two
captures of one finger are close but never identical, while two different fingers differ
by about 85 per feature on average. A character file is 512 bytes: the 256 features, then
256 zero bytes (the R503's character files are 512 bytes; their inner layout is
proprietary, so any 512 bytes are a valid file here and downloaded files decode too).

The score is 0..300 from the mean absolute feature difference; a match needs the score to
reach the threshold of the configured security level (1 lenient .. 5 strict).
"""

from __future__ import annotations

import hashlib
import random
from dataclasses import dataclass
from enum import Enum

__all__ = [
    "CHAR_FILE_SIZE",
    "CharFile",
    "Condition",
    "FEATURES",
    "Image",
    "MATCH_THRESHOLDS",
    "blank_char_file",
    "capture",
    "char_file_from_bytes",
    "char_file_from_features",
    "finger_features",
    "merge",
    "score",
]

FEATURES = 256
CHAR_FILE_SIZE = 512
NOISE_SIGMA = 4.0
# score = 300 * (1 - mean_abs_diff / 40): one finger scores ~250, two fingers 0
_SCORE_SCALE = 300
_SCORE_ZERO_AT = 40.0
MATCH_THRESHOLDS = {1: 50, 2: 75, 3: 100, 4: 125, 5: 150}


class Condition(str, Enum):
    """How the finger meets the sensor; all but GOOD make a capture step fail."""

    GOOD = "good"
    WET = "wet"          # image is captured but smeared: Img2Tz answers 0x06 (messy)
    DRY = "dry"          # too little skin contact for a frame: GenImg answers 0x03
    PARTIAL = "partial"  # only an edge touches: Img2Tz answers 0x07 (too few points)


@dataclass(frozen=True)
class Image:
    """What GenImg leaves in the image buffer."""

    finger: str
    condition: Condition
    features: bytes


@dataclass(frozen=True)
class CharFile:
    """The contents of a character buffer or a library slot. `finger` is a label for
    `SimulatedSensor.enrolled()` only; it is None for files the host downloaded."""

    data: bytes
    finger: str | None

    def features(self) -> bytes:
        return self.data[:FEATURES]


def finger_features(name: str) -> bytes:
    out = bytearray()
    counter = 0
    while len(out) < FEATURES:
        out += hashlib.sha256(name.encode() + counter.to_bytes(4, "big")).digest()
        counter += 1
    return bytes(out[:FEATURES])


def _noisy(features: bytes, rng: random.Random) -> bytes:
    return bytes(min(255, max(0, round(f + rng.gauss(0.0, NOISE_SIGMA)))) for f in features)


def capture(name: str, condition: Condition, rng: random.Random) -> Image:
    return Image(name, condition, _noisy(finger_features(name), rng))


def char_file_from_features(features: bytes, finger: str | None) -> CharFile:
    return CharFile(bytes(features[:FEATURES]).ljust(CHAR_FILE_SIZE, b"\x00"), finger)


def char_file_from_bytes(data: bytes) -> CharFile:
    """A file the host downloaded with DownChar: truncated or zero-padded to 512 bytes."""
    return CharFile(bytes(data[:CHAR_FILE_SIZE]).ljust(CHAR_FILE_SIZE, b"\x00"), None)


def blank_char_file() -> CharFile:
    return CharFile(bytes(CHAR_FILE_SIZE), None)


def score(a: CharFile, b: CharFile) -> int:
    fa, fb = a.features(), b.features()
    mean_diff = sum(abs(x - y) for x, y in zip(fa, fb)) / FEATURES
    return max(0, round(_SCORE_SCALE * (1.0 - mean_diff / _SCORE_ZERO_AT)))


def merge(a: CharFile, b: CharFile) -> CharFile:
    """RegModel's template: the mean of two captures (less noise than either)."""
    features = bytes((x + y + 1) // 2 for x, y in zip(a.features(), b.features()))
    return char_file_from_features(features, a.finger if a.finger == b.finger else None)
