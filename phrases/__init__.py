"""The sentences people read about a service, made in one place: "3 of 12 beds free",
"updated 20 min ago", "ages 18 and over", "takes Medicaid", "1.2 km".

Pages (through the Jinja filters of `kernel.templating`), the search API's results and
matching's reasons all call these, so a figure reads the same wherever it is shown. Pure:
plain values in, a string out; no Flask, no database, no other package of ours.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

LANGUAGES = {
    "am": "Amharic", "ar": "Arabic", "bn": "Bengali", "de": "German", "el": "Greek",
    "en": "English", "es": "Spanish", "fa": "Persian", "fr": "French", "ha": "Hausa",
    "he": "Hebrew", "hi": "Hindi", "ht": "Haitian Creole", "hy": "Armenian", "it": "Italian",
    "ja": "Japanese", "km": "Khmer", "ko": "Korean", "lo": "Lao", "ne": "Nepali",
    "pa": "Punjabi", "pl": "Polish", "ps": "Pashto", "pt": "Portuguese", "ro": "Romanian",
    "ru": "Russian", "sm": "Samoan", "so": "Somali", "sw": "Swahili", "ta": "Tamil",
    "tl": "Tagalog", "th": "Thai", "ti": "Tigrinya", "tr": "Turkish", "uk": "Ukrainian",
    "ur": "Urdu", "vi": "Vietnamese", "yi": "Yiddish", "yo": "Yoruba", "zh": "Chinese",
}  # fmt: skip

# Insurance plans by the codes matching and the catalog's `insurance` attributes use.
PLANS = {
    "medicaid": "Medicaid",
    "medicare": "Medicare",
    "private": "private insurance",
    "none": "people without insurance",
}

KM_PER_MILE = 1.609344


def number(value: float) -> str:
    """12, not 12.0; 2.5 stays 2.5."""
    return str(int(value)) if float(value).is_integer() else f"{value:g}"


def ago(when: dt.datetime | dt.date | None, now: dt.datetime | None = None) -> str:
    """'just now', '20 min ago', '3 h ago', '5 days ago': a figure is only as good as its age.

    A date without a time reads 'today', '1 day ago', '5 days ago'; a naive date-time is UTC.
    """
    if when is None:
        return "never"
    now = now or dt.datetime.now(dt.UTC)
    if not isinstance(when, dt.datetime):
        days = (now.date() - when).days
        return "today" if days <= 0 else ("1 day ago" if days == 1 else f"{days} days ago")
    if when.tzinfo is None:
        when = when.replace(tzinfo=dt.UTC)
    if now.tzinfo is None:
        now = now.replace(tzinfo=dt.UTC)
    minutes = max(0, int((now - when).total_seconds() // 60))
    if minutes < 1:
        return "just now"
    if minutes < 60:
        return f"{minutes} min ago"
    if minutes < 48 * 60:
        return f"{minutes // 60} h ago"
    return f"{minutes // (24 * 60)} days ago"


def updated(when: dt.datetime | dt.date | None, now: dt.datetime | None = None) -> str:
    """'updated 20 min ago', or that nobody said when."""
    return f"updated {ago(when, now)}" if when is not None else "update time not stated"


def _plural(unit: str) -> str:
    return unit if unit.endswith("s") else unit + "s"


def _singular(unit: str) -> str:
    return unit[:-1] if unit.endswith("s") and not unit.endswith("ss") else unit


def capacity(available: float, maximum: float | None = None, unit: str | None = None) -> str:
    """'3 of 12 beds free', '1 bed free', 'full: 0 of 40 beds free' (units in either number)."""
    name = (unit or "").strip().lower() or "places"
    of = f" of {number(maximum)}" if maximum else ""
    if available <= 0:
        return f"full: 0{of} {_plural(name)} free"
    name = _singular(name) if available == 1 else _plural(name)
    return f"{number(available)}{of} {name} free"


def ages(low: float | None, high: float | None) -> str | None:
    """'ages 12-17', 'ages 18 and over', 'ages up to 17'; None when the service sets none."""
    if low is not None and high is not None:
        return f"ages {number(low)}-{number(high)}"
    if low is not None:
        return f"ages {number(low)} and over"
    if high is not None:
        return f"ages up to {number(high)}"
    return None


def plan(code: str) -> str:
    """A plan's name from its code ('medicaid' -> 'Medicaid'); an unknown value as given."""
    return PLANS.get(code.strip().lower(), code)


def plans(codes: Iterable[str]) -> str:
    return ", ".join(plan(c) for c in sorted(codes))


def insurance_taken(code: str) -> str:
    return "no insurance needed" if code == "none" else f"takes {plan(code)}"


def language(code: str) -> str:
    return LANGUAGES.get(code.lower(), code)


def distance(km: float) -> str:
    """'850 m' would be false precision for a centroid: '0.8 km', '1.2 km', '12 km'."""
    return f"{km:.1f} km" if km < 10 else f"{km:.0f} km"


def distance_both(km: float) -> str:
    """Miles first for US readers, kilometres beside them: '0.8 mi (1.2 km)'."""
    return f"{km / KM_PER_MILE:.1f} mi ({km:.1f} km)"
