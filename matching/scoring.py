"""The soft score: a weighted mean of named components, each between 0 and 1 with a reason.

``COMPONENTS`` is the one list of components (the extension point): add a named function
there and a default weight in ``matching.weights.DEFAULTS``. Each component is monotone in
what it measures (farther never scores higher, more free places never lower), which the
property tests hold it to. Unknown values get a modest neutral score, below a stated good
value, so a service that says nothing ranks below one that states a match.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import timedelta

from matching import populations as pop
from matching import reasons
from matching.eligibility import Context
from matching.types import Check, Match, Status
from wording import _

UNKNOWN = 0.25  # what an unknown value is worth: below any stated good value
DISTANCE_HALF_KM = 5.0  # every 5 km halves the distance component
SOON = timedelta(hours=2)  # "opens soon" counts as partly open
VERIFIED_FULL_DAYS, VERIFIED_ZERO_DAYS = 30, 730
PRIOR_REFERRALS, PRIOR_ACCEPT, PRIOR_COMPLETE = 5, 0.7, 0.5  # a new provider scores the prior
ANSWER_HALF_HOURS = 24.0  # answering a day after the referral is sent is worth half of at once
PRIOR_ANSWER = 0.6  # what the prior's answer time is worth (the prior's own value)
ANSWER_SHARE = 0.2  # of the component, once a provider has answered at least once


@dataclass(frozen=True)
class Part:
    value: float
    reason: str | None = None


Component = Callable[[Context, list[Check]], Part]


def need_fit(ctx: Context, checks: list[Check]) -> Part:
    value, why = ctx.fit()
    return Part(value, "; ".join(why) or None)


def distance(ctx: Context, checks: list[Check]) -> Part:
    if ctx.distance_km is None:
        return Part(UNKNOWN)
    return Part(0.5 ** (ctx.distance_km / DISTANCE_HALF_KM), reasons.distance(ctx.distance_km))


def capacity(ctx: Context, checks: list[Check]) -> Part:
    """Free places, trusted less as the figure ages: the trust falls from 1 to 0 over its unit's
    maximum age, and a stale figure (or a full one) is worth what an unknown one is."""
    figures = [(c, f) for c, f in ctx.places() if c.updated is not None and f.kind != "waitlist"]
    if not figures:
        return Part(UNKNOWN)
    best, fact = max(
        figures, key=lambda cf: (cf[1].places_free, cf[0].available > 0, cf[0].updated, cf[0].available)
    )
    if fact.stale or best.available <= 0:
        return Part(UNKNOWN, reasons.capacity(best, ctx.now, stale=fact.stale))
    trust = 1.0 - max(fact.age_hours or 0.0, 0.0) / fact.max_age_hours
    stated = 0.4 + 0.6 * (1.0 - math.exp(-best.available / 4.0))
    return Part(UNKNOWN + trust * (stated - UNKNOWN), reasons.capacity(best, ctx.now))


def open_now(ctx: Context, checks: list[Check]) -> Part:
    """Open when needed: tonight for "tonight", else now (opening soon counts in part)."""
    rows = ctx.cand.schedules
    if not rows:
        return Part(UNKNOWN)
    state = ctx.open_state()
    label = state.label if state.open is not None else None
    if state.always_open:
        return Part(1.0, label)
    if ctx.needs.urgency == "tonight":
        during = ctx.open_tonight()
        if during is None:
            return Part(UNKNOWN)
        return Part(1.0 if during else 0.0, label if state.open else _("open tonight"))
    if state.open:
        return Part(1.0, label)
    if state.open is None:
        return Part(UNKNOWN)
    if state.opens_at is not None and state.opens_at - ctx.at <= SOON:
        return Part(0.75, label)
    if state.opens_at is not None and ctx.needs.urgency != "now":
        return Part(0.5, label)
    return Part(0.0, label)


def language(ctx: Context, checks: list[Check]) -> Part:
    wanted = [c for c in ctx.needs.languages if c != "en"]
    if not wanted:
        return Part(1.0)
    spoken = [c for c in wanted if c in ctx.cand.languages]
    if spoken:
        return Part(
            1.0, _("%(languages)s spoken", languages=reasons.both([reasons.language(c) for c in spoken]))
        )
    if not ctx.cand.languages:
        return Part(UNKNOWN)
    return Part(
        0.0, _("%(languages)s not listed", languages=reasons.both([reasons.language(c) for c in wanted]))
    )


def freshness(ctx: Context, checks: list[Check]) -> Part:
    assured = ctx.cand.assured_date
    if assured is None:
        return Part(0.0)
    days = (ctx.now.date() - assured).days
    span = VERIFIED_ZERO_DAYS - VERIFIED_FULL_DAYS
    value = min(1.0, max(0.0, 1.0 - (days - VERIFIED_FULL_DAYS) / span))
    return Part(value, _("verified %(ago)s", ago=reasons.ago(assured, ctx.now)))


def follow_through(ctx: Context, checks: list[Check]) -> Part:
    stats = ctx.cand.referrals
    total = stats.total if stats else 0
    accepted = stats.accepted if stats else 0
    completed = stats.completed if stats else 0
    n = total + PRIOR_REFERRALS
    value = 0.5 * (accepted + PRIOR_REFERRALS * PRIOR_ACCEPT) / n
    value += 0.5 * (completed + PRIOR_REFERRALS * PRIOR_COMPLETE) / n
    hours = stats.answer_hours if stats else None
    if hours is not None:
        # Time to answer, toward the prior as the others are; sooner never scores lower.
        speed = 0.5 ** (max(hours, 0.0) / ANSWER_HALF_HOURS)
        speed = (total * speed + PRIOR_REFERRALS * PRIOR_ANSWER) / n
        value = (1 - ANSWER_SHARE) * value + ANSWER_SHARE * speed
    why = None
    if total >= 3:
        if hours is None:
            why = _(
                "accepted %(accepted)s of %(total)s referrals, %(completed)s completed",
                accepted=accepted,
                total=total,
                completed=completed,
            )
        else:
            why = _(
                "accepted %(accepted)s of %(total)s referrals, %(completed)s completed, "
                "answered in %(time)s on average",
                accepted=accepted,
                total=total,
                completed=completed,
                time=reasons.duration(hours),
            )
    return Part(value, why)


def audience(ctx: Context, checks: list[Check]) -> Part:
    served = (ctx.cand.audience & ctx.client.codes) - {pop.ANYONE}
    if served:
        return Part(1.0, reasons.especially_for(served))
    return Part(0.0)


def stated(ctx: Context, checks: list[Check]) -> Part:
    """Share of the rules that applied where the service states a match (tie-breaker)."""
    passed = sum(1 for c in checks if c.status is Status.PASS)
    unknown = sum(1 for c in checks if c.status is Status.NOT_STATED)
    if passed + unknown == 0:
        return Part(0.5)
    return Part(passed / (passed + unknown))


# The score components, in the order their reasons are shown. Names are the weight keys.
COMPONENTS: list[tuple[str, Component]] = [
    ("need_fit", need_fit),
    ("distance", distance),
    ("capacity", capacity),
    ("open", open_now),
    ("language", language),
    ("audience", audience),
    ("freshness", freshness),
    ("follow_through", follow_through),
    ("stated", stated),
]


def score(ctx: Context, checks: list[Check], weights: Mapping[str, float]) -> Match:
    parts = {name: fn(ctx, checks) for name, fn in COMPONENTS}
    total_w = sum(weights.get(name, 0.0) for name in parts)
    total = sum(weights.get(name, 0.0) * part.value for name, part in parts.items())
    why = [p.reason for name, p in parts.items() if p.reason and name != "freshness"]
    shown = {"open"} if parts["open"].reason else set()  # the hours label says more
    why += [c.reason for c in checks if c.status is Status.PASS and c.reason and c.rule not in shown]
    if parts["freshness"].reason:
        why.append(parts["freshness"].reason)
    seen: set[str] = set()
    unique = [r for r in why if not (r in seen or seen.add(r))]  # type: ignore[func-returns-value]
    return Match(
        service_id=ctx.cand.service_id,
        location_id=ctx.cand.location_id,
        name=ctx.cand.name,
        score=round(total / total_w, 4) if total_w else 0.0,
        components={name: round(part.value, 4) for name, part in parts.items()},
        reasons=unique,
        not_stated=[c.reason or c.rule for c in checks if c.status is Status.NOT_STATED],
        to_confirm=[c.reason or c.rule for c in checks if c.status is Status.UNCHECKED],
        distance_km=None if ctx.distance_km is None else round(ctx.distance_km, 2),
    )
