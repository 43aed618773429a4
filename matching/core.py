"""The ranking core: client needs and candidate facts in, ranked and explained matches out.

Pure on purpose: no Flask, no database. The query layer (``matching.queries``) turns the
catalog into :class:`Candidate` facts (``matching.types``); this module decides who is
eligible (``matching.eligibility``), scores the rest (``matching.scoring``) and explains both.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

import geo
from catalog import rules
from matching import eligibility, scoring
from matching.types import Candidate, Check, ClientNeeds, Exclusion, Facts, Match, Ranking, Status
from matching.weights import Weights


def rank(
    needs: ClientNeeds,
    candidates: Iterable[Candidate],
    now: datetime | None = None,
    weights: Mapping[str, float] | None = None,
    limit: int | None = None,
    max_ages: rules.MaxAges | None = None,
) -> Ranking:
    """Rank candidates for one client: drop the ineligible with why, score and explain the rest.

    Order is total and deterministic: score, then the share of rules the service states,
    then distance, name and ids, so equal inputs always give the same list. A capacity
    figure older than its unit's maximum age (``max_ages``: 12 h for beds, 7 days for a waitlist,
    24 h for others by default) is shown but decides nothing.
    """
    now = now or datetime.now(UTC)
    at = needs.at or now
    w = weights if isinstance(weights, Weights) else Weights.default().with_overrides(weights)
    w_plain = dict(w)  # a plain dict: looked up ~10 times per candidate
    cands = list(candidates)
    distances = _distances(needs, cands)
    client_codes = eligibility.client_situations(needs)
    shared: dict[Any, Any] = {}  # see eligibility.Context.shared
    scored: list[tuple[tuple[Any, ...], Match]] = []
    excluded: list[Exclusion] = []
    for cand, dist in zip(cands, distances, strict=True):
        if needs.radius_km is not None and dist is not None and dist > needs.radius_km:
            continue  # outside the search circle: not a candidate at all
        ctx = eligibility.Context(
            needs, cand, at, now, dist, client_codes, max_ages or eligibility.MAX_AGES, shared=shared
        )
        checks = eligibility.evaluate(ctx)
        facts = _facts(ctx, checks)
        fails = [c.reason or c.rule for c in checks if c.status is Status.FAIL]
        if fails:
            excluded.append(Exclusion(cand.service_id, cand.location_id, cand.name, fails, facts))
            continue
        match = replace(scoring.score(ctx, checks, w_plain), facts=facts)
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


def _facts(ctx: eligibility.Context, checks: list[Check]) -> Facts:
    """The values the answer states beside its reasons, decided by ``catalog.rules``."""
    places = []
    for _c, f in ctx.places():
        places.append(
            {
                "unit": f.unit,
                "available": _num(f.available),
                "maximum": _num(f.maximum),
                "updated": f.updated.isoformat() if f.updated else None,
                "age_hours": round(f.age_hours, 2) if f.age_hours is not None else None,
                "stale": f.stale,
                "kind": f.kind,
                "max_age_hours": f.max_age_hours,
            }
        )
    return Facts(ctx.open_state().open, tuple(places), tuple(checks))


def _num(value: float | None) -> float | int | None:
    if value is None:
        return None
    return int(value) if float(value).is_integer() else value


def _distances(needs: ClientNeeds, cands: Sequence[Candidate]) -> list[float | None]:
    if needs.lat is None or needs.lon is None or not cands:
        return [None] * len(cands)
    known = [i for i, c in enumerate(cands) if c.lat is not None and c.lon is not None]
    out: list[float | None] = [None] * len(cands)
    if known:
        lats = [float(cands[i].lat) for i in known]  # type: ignore[arg-type]
        lons = [float(cands[i].lon) for i in known]  # type: ignore[arg-type]
        for i, d in zip(known, geo.distances_km(needs.lat, needs.lon, lats, lons), strict=True):
            out[i] = float(d)
    return out
