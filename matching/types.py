"""The data of matching: client needs, candidate facts, rule outcomes and ranked results.

Plain frozen dataclasses and the accepted values of the client's details, in a module of
their own so that the rules (``matching.eligibility``), the score (``matching.scoring``),
the fit and the reasons read them without importing ``rank`` (``matching.core``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum
from typing import Any

GENDERS = ("female", "male", "transgender", "nonbinary", "unknown")
HOUSEHOLDS = ("single_adult", "family_with_children", "unaccompanied_youth")
INSURANCES = ("medicaid", "medicare", "private", "none")
URGENCIES = ("now", "tonight", "this_week")


class Status(StrEnum):
    """Outcome of one hard rule. Unknown is unknown: never silently passed or failed."""

    PASS = "pass"  # noqa: S105 - a rule outcome, not a password
    FAIL = "fail"
    NOT_STATED = "not_stated"  # the service says nothing about it
    UNCHECKED = "unchecked"  # the service states a rule the client's details cannot settle


@dataclass(frozen=True)
class Check:
    rule: str
    status: Status
    reason: str | None = None


@dataclass(frozen=True)
class Need:
    """One need, resolved against the taxonomy by the query layer.

    ``term_ids`` are the term and its descendants (an exact fit), ``parent_ids`` the broader
    terms (a weaker fit), ``words`` what to look for in names and descriptions. ``groups``
    is how search reads those words (``search.query.read_text``): for each word or phrase
    kept, the phrases that may stand for it (itself, its typo correction, its synonyms),
    each as its words; a text fits when it mentions one phrase of every group.
    """

    label: str
    term_ids: frozenset[str] = frozenset()
    parent_ids: frozenset[str] = frozenset()
    words: tuple[str, ...] = ()
    groups: tuple[tuple[tuple[str, ...], ...], ...] = ()

    def word_groups(self) -> tuple[tuple[tuple[str, ...], ...], ...]:
        """The groups, or each word its own group when search made none of the words."""
        return self.groups or tuple(((w,),) for w in self.words)


@dataclass(frozen=True)
class ClientNeeds:
    """What the worker told us about the person. Only what matching needs; never stored."""

    needs: tuple[Need, ...] = ()
    age: int | None = None
    gender: str | None = None
    household: str | None = None
    populations: frozenset[str] = frozenset()  # Open Eligibility situation codes
    languages: tuple[str, ...] = ()  # ISO 639-1
    insurance: str | None = None
    accessibility: tuple[str, ...] = ()
    pets: bool | None = None
    has_id: bool | None = None
    lat: float | None = None
    lon: float | None = None
    radius_km: float | None = None
    urgency: str | None = None
    at: datetime | None = None


@dataclass(frozen=True)
class Capacity:
    """HSDS 3.1 ``service_capacity``: free places of one unit and when the figure was given."""

    unit: str | None
    available: float
    maximum: float | None = None
    updated: datetime | None = None


@dataclass(frozen=True)
class Area:
    """A service area: a ``geo.ServiceArea`` (or GeoJSON) when resolvable, else only a name."""

    name: str | None
    extent: Any = None


@dataclass(frozen=True)
class ReferralStats:
    """Past referrals to this service: how many were sent, accepted and completed, and the
    mean hours from sending to the provider's first answer (None: none answered yet)."""

    total: int = 0
    accepted: int = 0
    completed: int = 0
    answer_hours: float | None = None


@dataclass(frozen=True)
class Candidate:
    """Everything the rules and the score read about one service at one location."""

    service_id: str
    name: str
    location_id: str | None = None
    status: str = "active"
    lat: float | None = None
    lon: float | None = None
    term_ids: frozenset[str] = frozenset()
    term_names: Mapping[str, str] = field(default_factory=dict)
    text: str = ""
    minimum_age: float | None = None
    maximum_age: float | None = None
    eligibility: frozenset[str] = frozenset()  # situation codes, link_type "eligibility"
    audience: frozenset[str] = frozenset()  # situation codes, link_type "audience"
    service_areas: tuple[Area, ...] = ()
    required_documents: tuple[str, ...] = ()
    insurance: frozenset[str] | None = None  # accepted plans; None: not stated
    cost: str | None = None  # "free" or "sliding" (scale for people without insurance)
    schedules: tuple[Any, ...] = ()  # hours.ScheduleRow
    tz: str | None = None
    capacity: tuple[Capacity, ...] = ()
    languages: frozenset[str] = frozenset()
    accessibility: tuple[str, ...] = ()
    pets: bool | None = None
    assured_date: date | None = None
    referrals: ReferralStats | None = None


def _checks(checks: tuple[Check, ...]) -> list[dict[str, Any]]:
    return [{"rule": c.rule, "status": c.status.value, "reason": c.reason} for c in checks]


@dataclass(frozen=True)
class Facts:
    """What the rules read at the asked moment, as values: open or not, and the free places
    (each figure with its age and whether it is stale, as search and the page give it)."""

    open_now: bool | None = None
    capacity: tuple[dict[str, Any], ...] = ()
    checks: tuple[Check, ...] = ()

    def as_dict(self) -> dict[str, Any]:
        return {"open_now": self.open_now, "capacity": list(self.capacity), "checks": _checks(self.checks)}


@dataclass(frozen=True)
class Match:
    service_id: str
    location_id: str | None
    name: str
    score: float
    components: dict[str, float]
    reasons: list[str]
    not_stated: list[str]
    to_confirm: list[str]
    distance_km: float | None
    facts: Facts = field(default_factory=Facts)

    def as_dict(self) -> dict[str, Any]:
        return {
            "service_id": self.service_id,
            "location_id": self.location_id,
            "name": self.name,
            "score": self.score,
            "components": self.components,
            "reasons": self.reasons,
            "not_stated": self.not_stated,
            "to_confirm": self.to_confirm,
            "distance_km": self.distance_km,
            **self.facts.as_dict(),
        }


@dataclass(frozen=True)
class Exclusion:
    service_id: str
    location_id: str | None
    name: str
    reasons: list[str]
    facts: Facts = field(default_factory=Facts)

    def as_dict(self) -> dict[str, Any]:
        return {
            "service_id": self.service_id,
            "location_id": self.location_id,
            "name": self.name,
            "reasons": self.reasons,
            **self.facts.as_dict(),
        }


@dataclass(frozen=True)
class Ranking:
    matches: list[Match]
    excluded: list[Exclusion]

    def as_dict(self) -> dict[str, Any]:
        return {
            "matches": [m.as_dict() for m in self.matches],
            "excluded": [e.as_dict() for e in self.excluded],
        }
