"""The ranking core: client needs and candidate facts in, ranked and explained matches out.

Pure on purpose: no Flask, no database. The query layer (``matching.queries``) turns the
catalog into :class:`Candidate` facts; this module decides who is eligible
(``matching.eligibility``), scores the rest (``matching.scoring``) and explains both.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
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
    terms (a weaker fit), ``words`` what to look for in names and descriptions.
    """

    label: str
    term_ids: frozenset[str] = frozenset()
    parent_ids: frozenset[str] = frozenset()
    words: tuple[str, ...] = ()


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
    """Past referrals to this service: how many were sent, accepted and completed."""

    total: int = 0
    accepted: int = 0
    completed: int = 0


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
        }


@dataclass(frozen=True)
class Exclusion:
    service_id: str
    location_id: str | None
    name: str
    reasons: list[str]

    def as_dict(self) -> dict[str, Any]:
        return {
            "service_id": self.service_id,
            "location_id": self.location_id,
            "name": self.name,
            "reasons": self.reasons,
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


def rank(
    needs: ClientNeeds,
    candidates: Iterable[Candidate],
    now: datetime | None = None,
    weights: Mapping[str, float] | None = None,
    limit: int | None = None,
    stale_after: timedelta | None = None,
) -> Ranking:
    """Rank candidates for one client: drop the ineligible with why, score and explain the rest.

    Order is total and deterministic: score, then the share of rules the service states,
    then distance, name and ids, so equal inputs always give the same list. A capacity
    figure older than ``stale_after`` (default 24 h) is shown but decides nothing.
    """
    from matching import eligibility, scoring
    from matching.weights import Weights

    now = now or datetime.now(UTC)
    at = needs.at or now
    w = weights if isinstance(weights, Weights) else Weights.default().with_overrides(weights)
    w_plain = dict(w)  # a plain dict: looked up ~10 times per candidate
    cands = list(candidates)
    distances = _distances(needs, cands)
    client_codes = eligibility.client_situations(needs)
    scored: list[tuple[tuple[Any, ...], Match]] = []
    excluded: list[Exclusion] = []
    for cand, dist in zip(cands, distances, strict=True):
        if needs.radius_km is not None and dist is not None and dist > needs.radius_km:
            continue  # outside the search circle: not a candidate at all
        ctx = eligibility.Context(
            needs, cand, at, now, dist, client_codes, stale_after or eligibility.CAPACITY_FRESH_FOR
        )
        checks = eligibility.evaluate(ctx)
        fails = [c.reason or c.rule for c in checks if c.status is Status.FAIL]
        if fails:
            excluded.append(Exclusion(cand.service_id, cand.location_id, cand.name, fails))
            continue
        match = scoring.score(ctx, checks, w_plain)
        key = (
            -match.score,
            -match.components.get("stated", 0.0),
            dist if dist is not None else math.inf,
            cand.name.lower(),
            cand.service_id,
            cand.location_id or "",
        )
        scored.append((key, match))
    scored.sort(key=lambda item: item[0])
    excluded.sort(key=lambda e: (e.name.lower(), e.service_id, e.location_id or ""))
    matches = [m for _, m in scored]
    if limit is not None:
        matches = matches[:limit]
    return Ranking(matches, excluded)


def _distances(needs: ClientNeeds, cands: Sequence[Candidate]) -> list[float | None]:
    if needs.lat is None or needs.lon is None or not cands:
        return [None] * len(cands)
    import geo

    known = [i for i, c in enumerate(cands) if c.lat is not None and c.lon is not None]
    out: list[float | None] = [None] * len(cands)
    if known:
        lats = [float(cands[i].lat) for i in known]  # type: ignore[arg-type]
        lons = [float(cands[i].lon) for i in known]  # type: ignore[arg-type]
        for i, d in zip(known, geo.distances_km(needs.lat, needs.lon, lats, lons), strict=True):
            out[i] = float(d)
    return out
