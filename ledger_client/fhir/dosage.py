"""One line of text for a FHIR Dosage: "1 tablet once daily (Oral use)"."""

from __future__ import annotations

from typing import Any

from ledger_client.fhir.terms import concept_text, fhir_str, quantity_text

__all__ = ["dosage_text"]

_UNIT = {"s": "second", "min": "minute", "h": "hour", "d": "day", "wk": "week", "mo": "month", "a": "year"}
_EVERY_ONE = {"h": "hourly", "d": "daily", "wk": "weekly", "mo": "monthly", "a": "yearly"}
_TIMES = {1: "once", 2: "twice"}


def _dose(dosage: Any) -> str | None:
    for dose_and_rate in dosage.doseAndRate or ():
        if dose_and_rate.doseQuantity is not None:
            return quantity_text(dose_and_rate.doseQuantity)
        dose_range = dose_and_rate.doseRange
        if dose_range is not None and (dose_range.low or dose_range.high):
            low, high = quantity_text(dose_range.low), quantity_text(dose_range.high)
            return f"{low} to {high}" if low and high else (f"up to {high}" if high else f"at least {low}")
    return None


def _frequency(timing: Any) -> str | None:
    if timing is None:
        return None
    if timing.code is not None and concept_text(timing.code):
        return concept_text(timing.code)
    repeat = timing.repeat
    if repeat is None:
        return None
    parts: list[str] = []
    if repeat.periodUnit:
        times = repeat.frequency or 1
        period = repeat.period or 1
        how_often = _TIMES.get(times, f"{times} times")
        unit = _UNIT.get(repeat.periodUnit, repeat.periodUnit)
        if period == 1:
            parts.append(f"{how_often} {_EVERY_ONE.get(repeat.periodUnit, 'per ' + unit)}")
        else:
            parts.append(f"{how_often} every {fhir_str(period)} {unit}s")
        # A count with a period bounds the course; a count of 1 there only restates "once".
        if repeat.count and repeat.count > 1:
            parts.append(f"{repeat.count} doses in total")
    elif repeat.count:
        parts.append(f"{repeat.count} dose{'s' if repeat.count > 1 else ''} in total")
    if repeat.when:
        parts.append("when: " + ", ".join(repeat.when))
    if repeat.timeOfDay:
        parts.append("at " + ", ".join(fhir_str(t) or "" for t in repeat.timeOfDay))
    return ", ".join(parts) or None


def dosage_text(dosage: Any) -> str | None:
    """The dosage's own text if it has one, else one built from dose, timing, need and route."""
    if fhir_str(dosage.text):
        return fhir_str(dosage.text)
    words = [w for w in (_dose(dosage), _frequency(dosage.timing)) if w]
    if dosage.asNeededBoolean:
        words.append("as needed")
    elif dosage.asNeededCodeableConcept is not None:
        words.append(f"as needed for {concept_text(dosage.asNeededCodeableConcept)}")
    line = " ".join(words)
    route = concept_text(dosage.route)
    if route:
        line = f"{line} ({route})" if line else route
    return line or None
