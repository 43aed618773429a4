"""Plain sentences for matches and exclusions; the figures in them are worded by `phrases`."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import TYPE_CHECKING

import phrases
from matching import populations as pop

if TYPE_CHECKING:
    from matching.types import Capacity

LANGUAGES = phrases.LANGUAGES
PLANS = phrases.PLANS
language = phrases.language
plans = phrases.plans
insurance_taken = phrases.insurance_taken
ago = phrases.ago
distance = phrases.distance


def age_range(lo: float | None, hi: float | None) -> str:
    return f"serves {phrases.ages(lo, hi)}"


def only_for(codes: Iterable[str]) -> str:
    names = sorted(pop.label(c).lower() for c in codes)
    joined = names[0] if len(names) == 1 else ", ".join(names[:-1]) + " or " + names[-1]
    return f"only for {joined}"


def especially_for(codes: Iterable[str]) -> str:
    names = sorted(pop.label(c).lower() for c in codes)
    return "especially for " + ", ".join(names)


def capacity(cap: Capacity, now: datetime, full: bool = False) -> str:
    """The figure with its age: "3 of 40 beds free, updated 20 min ago"."""
    text = phrases.capacity(0 if full else cap.available, cap.maximum, cap.unit)
    return f"{text}, {phrases.updated(cap.updated, now)}" if cap.updated else text
