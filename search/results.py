"""What one result shows: name, organization, address, phone, distance, open now, live capacity."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Mapping, Sequence
from functools import lru_cache
from typing import Any, NamedTuple

from sqlalchemy import bindparam, select
from sqlalchemy.engine import Connection, Row

import geo
import phrases
from catalog import capacity, rules
from catalog.models import Address, Organization, Phone, Service, ServiceCapacity, Unit
from search.models import search_document
from wording import _

KM_PER_MILE = 1.609344


def _figures(
    rows: Iterable[Any], key: str, now: dt.datetime, max_ages: rules.MaxAges
) -> dict[Any, list[dict[str, Any]]]:
    """Capacity rows (unit name, available, maximum, updated, held) as a result shows them,
    grouped by the row's `key` column (a service id, or a document id)."""
    out: dict[Any, list[dict[str, Any]]] = {}
    for r in rows:
        fact = rules.free_places(r.name, r.available, r.maximum, r.updated, now, max_ages, r.held or 0)
        free, most = _num(fact.available) or 0, _num(fact.maximum)
        out.setdefault(getattr(r, key), []).append(
            {
                "unit": fact.unit,
                "available": _num(fact.available),
                "maximum": _num(fact.maximum),
                "updated": fact.updated.isoformat() if fact.updated else None,
                "age_hours": round(fact.age_hours, 2) if fact.age_hours is not None else None,
                "stale": fact.stale,
                "kind": fact.kind,
                "max_age_hours": fact.max_age_hours,
                "text": phrases.capacity(free, most, fact.unit, fact.kind),
                "updated_text": phrases.updated(fact.updated, now),
                "sentence": phrases.figure(free, most, fact.unit, fact.updated, now, fact.stale, fact.kind),
            }
        )
    return out


def _capacity(
    conn: Connection, service_ids: list[Any], now: dt.datetime, max_ages: rules.MaxAges
) -> dict[Any, list[dict[str, Any]]]:
    cap, unit = ServiceCapacity.__table__, Unit.__table__
    if not service_ids:
        return {}
    # The holds counted against each figure, aggregated in the same query (one per page).
    held = capacity.held_subquery(now).subquery()
    stmt = (
        select(cap.c.service_id, unit.c.name, cap.c.available, cap.c.maximum, cap.c.updated, held.c.held)
        .select_from(
            cap.join(unit, unit.c.id == cap.c.unit_id).outerjoin(held, held.c.capacity_id == cap.c.id)
        )
        .where(cap.c.service_id.in_(service_ids))
        .order_by(unit.c.name)
    )
    return _figures(conn.execute(stmt), "service_id", now, max_ages)


def _num(value: float | None) -> float | int | None:
    if value is None:
        return None
    return int(value) if float(value).is_integer() else value


def doc_ids(conn: Connection, ids: Sequence[int]) -> dict[int, Row[Any]]:
    """Key, service and location ids of these documents (kept off the candidate rows)."""
    d = search_document
    out: dict[int, Row[Any]] = {}
    for i in range(0, len(ids), 900):
        part = ids[i : i + 900]
        stmt = select(d.c.id, d.c.key, d.c.service_id, d.c.location_id).where(d.c.id.in_(part))
        out.update({r.id: r for r in conn.execute(stmt)})
    return out


class PageRow(NamedTuple):
    """One result on the page, as the search decided it."""

    id: int
    latitude: float | None
    longitude: float | None
    hours: str | None
    score: float


@lru_cache(maxsize=1)
def _static_statement() -> Any:
    """One statement for a page's kept details: each document with its service, organization,
    first address and the phone it shows (the service at location's, else the service's, else
    the location's), built once with the ids as a parameter."""
    s, o, a, ph = Service.__table__, Organization.__table__, Address.__table__, Phone.__table__
    d = search_document
    first_address = (
        select(a.c.id)
        .where(a.c.location_id == d.c.location_id)
        .order_by(a.c.address_type, a.c.id)
        .limit(1)
        .correlate(d)
        .scalar_subquery()
    )

    def phone(owner: Any, value: Any) -> Any:
        return (
            select(ph.c.number)
            .where(owner == value)
            .order_by(ph.c.id)
            .limit(1)
            .correlate(d)
            .scalar_subquery()
        )

    return (
        select(
            d.c.id,
            d.c.key,
            d.c.service_id,
            d.c.location_id,
            s.c.id.label("found"),
            s.c.name,
            s.c.status,
            s.c.description,
            o.c.name.label("org"),
            a.c.address_1,
            a.c.city,
            a.c.state_province,
            phone(ph.c.service_at_location_id, d.c.key).label("phone_here"),
            phone(ph.c.service_id, d.c.service_id).label("phone_service"),
            phone(ph.c.location_id, d.c.location_id).label("phone_location"),
        )
        .select_from(
            d.outerjoin(s, s.c.id == d.c.service_id)
            .outerjoin(o, o.c.id == s.c.organization_id)
            .outerjoin(a, a.c.id == first_address)
        )
        .where(d.c.id.in_(bindparam("ids", expanding=True)))
    )


def _static(conn: Connection, ids: list[int]) -> dict[int, dict[str, Any]]:
    """What a result shows that only changes with its document: names, address, phone (one
    statement per page: four round trips were most of a first search's page on PostgreSQL)."""
    out = {}
    for i in range(0, len(ids), 900):
        for r in conn.execute(_static_statement(), {"ids": list(ids[i : i + 900])}):
            found = r.found is not None
            address = ", ".join(x for x in (r.address_1, r.city, r.state_province) if x)
            out[r.id] = {
                "_service_id": r.service_id,
                "service_id": str(r.service_id),
                "location_id": str(r.location_id) if r.location_id else None,
                "name": r.name if found else "",
                "organization": r.org if found else None,
                "description": (r.description or "")[:300] if found else "",
                "status": str(r.status.value if hasattr(r.status, "value") else r.status) if found else None,
                "address": address if r.address_1 is not None else None,
                "phone": r.phone_here or r.phone_service or r.phone_location,
            }
    return out


def page_details(
    conn: Connection,
    state: Any,
    page: Sequence[PageRow],
    dist: dict[int, float],
    at: dt.datetime,
    ctx: Any,
    open_fn: Callable[[str | None], bool | None],
    label_fn: Callable[[str], str],
    figures: Mapping[int, Sequence[Any]] | None = None,
) -> list[dict[str, Any]]:
    """The page's results: kept details (per index generation) with live capacity and hours.

    `figures` holds capacity rows (unit name, available, maximum, updated, held, by unit name)
    already read for some documents (the ranking's capacity lift reads the first results'),
    so the page reads only those of the documents it lacks."""
    if not page:
        return []
    memo: dict[Any, Any] = state.memo if state is not None else {}
    missing = [r.id for r in page if ("detail", r.id) not in memo]
    if missing:
        if len(memo) > 20_000:
            memo.clear()
        for doc_id, detail in _static(conn, missing).items():
            memo[("detail", doc_id)] = detail
    details = [memo[("detail", r.id)] for r in page]
    now = ctx.now or dt.datetime.now(dt.UTC)
    known = figures or {}
    read = [r.id for r in page if r.id in known]
    by_doc = _figures((row for doc in read for row in known[doc]), "id", now, ctx.ages)
    service_ids = list({d["_service_id"] for r, d in zip(page, details, strict=True) if r.id not in known})
    capacity = _capacity(conn, service_ids, now, ctx.ages)
    out = []
    for r, detail in zip(page, details, strict=True):
        km = dist.get(r.id)
        item = {k: v for k, v in detail.items() if k != "_service_id"}
        item.update(
            {
                "latitude": r.latitude,
                "longitude": r.longitude,
                "distance_km": round(km, 3) if km is not None else None,
                "distance_mi": round(geo.km_to_miles(km), 3) if km is not None else None,
                "open_now": open_fn(r.hours),
                "hours_label": label_fn(r.hours) if r.hours else _("Hours not stated"),
                "capacity": by_doc.get(r.id, [])
                if r.id in known
                else capacity.get(detail["_service_id"], []),
                "score": round(float(r.score), 4),
            }
        )
        out.append(item)
    return out
