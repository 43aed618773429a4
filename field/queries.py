"""What the field view reads: the search engine's results, ordered for an officer.

Open now and nearest first, then what opens later (each with when), both from the one search
engine and its one rule of "open now" (catalog.rules through search); the cards of a shared
list by service and location; and the essentials kept offline: 24-hour shelters and 24-hour
crisis services, nearest first when a place is known.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

import geo
from catalog import rules
from field.lists import Pick
from search.models import search_document as D
from search.params import SearchParams
from search.query import SearchContext, open_at, open_label, schedule_rows, search
from search.results import PageRow, page_details

OPEN_LIMIT = 10  # cards open now: a phone screen or three, what an officer reads in a minute
LATER_LIMIT = 5  # and the nearest of those that open later
ESSENTIALS_LIMIT = 6


@dataclass
class FieldResults:
    """The two lists of a field search and when they were read."""

    open: list[dict[str, Any]] = field(default_factory=list)
    later: list[dict[str, Any]] = field(default_factory=list)
    fetched: dt.datetime = field(default_factory=lambda: dt.datetime.now(dt.UTC))
    point: tuple[float, float] | None = None


def _params(q: str, point: tuple[float, float] | None, *, open_now: bool, per_page: int) -> SearchParams:
    p = SearchParams(q=q, open_now=open_now, per_page=per_page)
    if point:
        p.lat, p.lon = point
        p.sort = "distance"
    return p


def near(session: Session, ctx: SearchContext, q: str, point: tuple[float, float] | None) -> FieldResults:
    """Open now by distance (by relevance without a place), then the nearest that open later."""
    now = ctx.now or dt.datetime.now(dt.UTC)
    out = FieldResults(fetched=now, point=point)
    out.open = search(session, _params(q, point, open_now=True, per_page=OPEN_LIMIT), ctx)["results"]
    if len(out.open) < OPEN_LIMIT:
        rest = search(session, _params(q, point, open_now=False, per_page=40), ctx)["results"]
        out.later = [r for r in rest if r["open_now"] is not True][:LATER_LIMIT]
    return out


def _distance(point: tuple[float, float] | None, lat: float | None, lon: float | None) -> float | None:
    if point is None or lat is None or lon is None:
        return None
    return geo.distance_km(point[0], point[1], lat, lon)


def cards_for(
    session: Session, ctx: SearchContext, picks: list[Pick], point: tuple[float, float] | None = None
) -> list[dict[str, Any]]:
    """The search cards of these picks, in their order (a pick no longer listed is left out)."""
    if not picks:
        return []
    conn = session.connection()
    rows = conn.execute(
        select(D.c.id, D.c.service_id, D.c.location_id, D.c.latitude, D.c.longitude, D.c.hours).where(
            D.c.service_id.in_({p.service_id for p in picks})
        )
    ).all()
    chosen = []
    for pick in picks:
        found = [r for r in rows if r.service_id == pick.service_id]
        exact = [r for r in found if r.location_id == pick.location_id]
        if exact or found:
            chosen.append((exact or found)[0])
    now = ctx.now or dt.datetime.now(dt.UTC)
    opened: dict[str | None, bool | None] = {}
    dist = {r.id: d for r in chosen if (d := _distance(point, r.latitude, r.longitude)) is not None}
    return page_details(
        conn,
        None,
        [PageRow(r.id, r.latitude, r.longitude, r.hours, 0.0) for r in chosen],
        dist,
        now,
        ctx,
        lambda h: open_at(h, now, ctx.timezone, opened),
        lambda h: open_label(h, now, ctx.timezone),
    )


def _always_open(hours: str | None, at: dt.datetime, zone: str) -> bool:
    if not hours:
        return False
    try:
        return rules.open_state(schedule_rows(hours), at, zone).always_open
    except ValueError:
        return False


@dataclass
class Essentials:
    """What an officer needs with no signal: 24-hour shelters and 24-hour crisis services."""

    shelters: list[dict[str, Any]]
    crisis: list[dict[str, Any]]
    fetched: dt.datetime


def _round_the_clock(
    session: Session, ctx: SearchContext, q: str, point: tuple[float, float] | None
) -> list[dict[str, Any]]:
    now = ctx.now or dt.datetime.now(dt.UTC)
    results = search(session, _params(q, point, open_now=True, per_page=100), ctx)["results"]
    if not results:
        return []
    conn = session.connection()
    hours = {
        (str(r.service_id), str(r.location_id) if r.location_id else None): r.hours
        for r in conn.execute(
            select(D.c.service_id, D.c.location_id, D.c.hours).where(
                D.c.service_id.in_({uuid.UUID(r["service_id"]) for r in results})
            )
        )
    }
    kept = [
        r for r in results if _always_open(hours.get((r["service_id"], r["location_id"])), now, ctx.timezone)
    ]
    return kept[:ESSENTIALS_LIMIT]


def essentials(session: Session, ctx: SearchContext, point: tuple[float, float] | None) -> Essentials:
    """The 24-hour shelters and crisis services, nearest first when a place is known."""
    now = ctx.now or dt.datetime.now(dt.UTC)
    return Essentials(
        shelters=_round_the_clock(session, ctx, "shelter", point),
        crisis=_round_the_clock(session, ctx, "crisis", point),
        fetched=now,
    )
