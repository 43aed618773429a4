"""Opening hours from source formats into HSDS 3.0 schedule dicts."""

from __future__ import annotations

from typing import Any

_WEEKDAYS = {
    "monday": "MO",
    "tuesday": "TU",
    "wednesday": "WE",
    "thursday": "TH",
    "friday": "FR",
    "saturday": "SA",
    "sunday": "SU",
}


def _hhmm(value: Any, where: str) -> str:
    try:
        number = int(value)
    except (TypeError, ValueError):
        raise ValueError(f"{where}: {value!r} is not an HHMM time") from None
    hours, minutes = divmod(number, 100)
    if not (0 <= hours <= 24 and 0 <= minutes <= 59) or (hours == 24 and minutes):
        raise ValueError(f"{where}: {value!r} is not an HHMM time")
    return f"{hours:02d}:{minutes:02d}"


def hhmm_to_hsds(weekday: str, opens_at: Any, closes_at: Any) -> dict[str, str]:
    """A weekly row from sources storing HHMM integers (Link-SF: 1930; 0-2359 is 24 h)."""
    code = _WEEKDAYS.get(str(weekday).strip().lower())
    if code is None:
        raise ValueError(f"weekday {weekday!r} is not a day name")
    return {
        "freq": "WEEKLY",
        "byday": code,
        "opens_at": _hhmm(opens_at, "opens_at"),
        "closes_at": _hhmm(closes_at, "closes_at"),
    }
