"""Plain sentences for matches and exclusions: "3 beds free, updated 20 min ago"."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime
from typing import TYPE_CHECKING

from matching import populations as pop

if TYPE_CHECKING:
    from matching.types import Capacity

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

PLANS = {"medicaid": "Medicaid", "medicare": "Medicare", "private": "private insurance",
         "none": "people without insurance"}  # fmt: skip


def language(code: str) -> str:
    return LANGUAGES.get(code.lower(), code)


def age_range(lo: float | None, hi: float | None) -> str:
    def n(x: float) -> str:
        return str(int(x)) if float(x).is_integer() else str(x)

    if lo is not None and hi is not None:
        return f"serves ages {n(lo)}-{n(hi)}"
    if lo is not None:
        return f"serves ages {n(lo)} and over"
    return f"serves ages up to {n(hi)}"  # type: ignore[arg-type]


def only_for(codes: Iterable[str]) -> str:
    names = sorted(pop.label(c).lower() for c in codes)
    joined = names[0] if len(names) == 1 else ", ".join(names[:-1]) + " or " + names[-1]
    return f"only for {joined}"


def especially_for(codes: Iterable[str]) -> str:
    names = sorted(pop.label(c).lower() for c in codes)
    return "especially for " + ", ".join(names)


def plans(codes: Iterable[str]) -> str:
    return ", ".join(PLANS.get(c, c) for c in sorted(codes))


def insurance_taken(code: str) -> str:
    return "no insurance needed" if code == "none" else f"takes {PLANS.get(code, code)}"


def ago(then: datetime | date, now: datetime) -> str:
    if not isinstance(then, datetime):
        days = (now.date() - then).days
        return "today" if days <= 0 else ("1 day ago" if days == 1 else f"{days} days ago")
    minutes = int((now - then).total_seconds() // 60)
    if minutes < 1:
        return "just now"
    if minutes < 60:
        return f"{minutes} min ago"
    if minutes < 48 * 60:
        return f"{minutes // 60} h ago"
    return f"{minutes // (24 * 60)} days ago"


def capacity(cap: Capacity, now: datetime, full: bool = False) -> str:
    unit = (cap.unit or "places").strip() or "places"
    free = int(cap.available) if float(cap.available).is_integer() else cap.available
    if free == 1 and unit.endswith("s"):
        unit = unit[:-1]
    of = f" of {int(cap.maximum)}" if cap.maximum else ""
    when = f", updated {ago(cap.updated, now)}" if cap.updated else ""
    if full:
        return f"full: 0{of} {unit if unit.endswith('s') else unit + 's'} free{when}"
    return f"{free}{of} {unit} free{when}"


def distance(km: float) -> str:
    return f"{km:.1f} km" if km < 10 else f"{km:.0f} km"
