"""Plain sentences for matches and exclusions; the figures in them are worded by `phrases`.

Each is in the language of the request it is made in (through `wording`, so the ranking
core stays free of Flask); the rule and component codes beside them are the stable part.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import TYPE_CHECKING

import phrases
from catalog import rules
from matching import populations as pop
from wording import _, ngettext, number

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
    return _("serves %(ages)s", ages=phrases.ages(lo, hi))


def _names(codes: Iterable[str]) -> list[str]:
    return sorted(pop.label(c).lower() for c in codes)


def one_of(names: list[str]) -> str:
    """'a', 'a or b', 'a, b or c'."""
    if len(names) == 1:
        return names[0]
    return _("%(some)s or %(last)s", some=", ".join(names[:-1]), last=names[-1])


def only_for(codes: Iterable[str]) -> str:
    return _("only for %(who)s", who=one_of(_names(codes)))


def for_(codes: Iterable[str]) -> str:
    """What a restriction the client meets says: "for veterans"."""
    return _("for %(who)s", who=one_of(_names(codes)))


def especially_for(codes: Iterable[str]) -> str:
    return _("especially for %(who)s", who=", ".join(_names(codes)))


def capacity(cap: Capacity, now: datetime, full: bool = False, stale: bool = False) -> str:
    """The figure with its age: "3 of 40 beds free, updated 20 min ago", or when stale "last
    known 3 of 40 beds free, 14 h ago" (the sentence the page and search show)."""
    kind = rules.unit_kind(cap.unit)
    available = 0 if full else cap.available
    if not cap.updated:
        return phrases.capacity(available, cap.maximum, cap.unit, kind)
    return phrases.figure(available, cap.maximum, cap.unit, cap.updated, now, stale, kind)


def duration(hours: float) -> str:
    """A provider's time to answer, roughly: "under an hour", "5 h", "3 days"."""
    if round(hours * 60) < 60:  # to the minute: a database's clock arithmetic is not exact
        return _("under an hour")
    if hours < 48:
        return _("%(num)s h", num=number(round(hours)))
    return ngettext("%(num)s day", "%(num)s days", round(hours / 24))


def both(names: list[str]) -> str:
    """'a', 'a and b', 'a and b and c' (the languages a service speaks)."""
    text = names[0]
    for name in names[1:]:
        text = _("%(first)s and %(second)s", first=text, second=name)
    return text
