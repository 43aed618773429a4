"""What one result shows: name, organization, address, phone, distance, open now, live capacity."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from typing import Any, NamedTuple

from sqlalchemy import or_, select
from sqlalchemy.engine import Connection, Row

import geo
import phrases
from catalog import capacity, rules
from catalog.models import Address, Organization, Phone, Service, ServiceCapacity, Unit
from search.models import search_document
from wording import _

KM_PER_MILE = 1.609344


def _capacity(
    conn: Connection, service_ids: list[Any], now: dt.datetime, max_ages: rules.MaxAges
) -> dict[Any, list[dict[str, Any]]]:
    cap, unit = ServiceCapacity.__table__, Unit.__table__
    out: dict[Any, list[dict[str, Any]]] = {}
    if not service_ids:
        return out
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
    for r in conn.execute(stmt):
        fact = rules.free_places(r.name, r.available, r.maximum, r.updated, now, max_ages, r.held or 0)
        free, most = _num(fact.available) or 0, _num(fact.maximum)
        out.setdefault(r.service_id, []).append(
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


def _static(conn: Connection, ids: list[int]) -> dict[int, dict[str, Any]]:
    """What a result shows that only changes with its document: names, address, phone."""
    s, o = Service.__table__, Organization.__table__
    idents = doc_ids(conn, ids)
    service_ids = list({i.service_id for i in idents.values()})
    loc_ids = list({i.location_id for i in idents.values() if i.location_id is not None})
    services = {
        r.id: r
        for r in conn.execute(
            select(s.c.id, s.c.name, s.c.status, s.c.description, o.c.name.label("org"))
            .select_from(s.outerjoin(o, o.c.id == s.c.organization_id))
            .where(s.c.id.in_(service_ids))
        )
    }
    a = Address.__table__
    addresses: dict[Any, str] = {}
    if loc_ids:
        for r in conn.execute(select(a).where(a.c.location_id.in_(loc_ids)).order_by(a.c.address_type)):
            addresses.setdefault(
                r.location_id, ", ".join(x for x in (r.address_1, r.city, r.state_province) if x)
            )
    ph = Phone.__table__
    phones: dict[Any, str] = {}
    keys = [i.key for i in idents.values()]
    conds = [ph.c.service_id.in_(service_ids), ph.c.service_at_location_id.in_(keys)]
    if loc_ids:
        conds.append(ph.c.location_id.in_(loc_ids))
    for r in conn.execute(
        select(ph.c.service_id, ph.c.service_at_location_id, ph.c.location_id, ph.c.number).where(or_(*conds))
    ):
        for owner in (r.service_at_location_id, r.service_id, r.location_id):
            if owner is not None:
                phones.setdefault(owner, r.number)
    out = {}
    for doc_id, ident in idents.items():
        svc = services.get(ident.service_id)
        out[doc_id] = {
            "_service_id": ident.service_id,
            "service_id": str(ident.service_id),
            "location_id": str(ident.location_id) if ident.location_id else None,
            "name": svc.name if svc else "",
            "organization": svc.org if svc else None,
            "description": (svc.description or "")[:300] if svc else "",
            "status": str(svc.status.value if hasattr(svc.status, "value") else svc.status) if svc else None,
            "address": addresses.get(ident.location_id),
            "phone": phones.get(ident.key) or phones.get(ident.service_id) or phones.get(ident.location_id),
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
) -> list[dict[str, Any]]:
    """The page's results: kept details (per index generation) with live capacity and hours."""
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
    service_ids = list({d["_service_id"] for d in details})
    capacity = _capacity(conn, service_ids, ctx.now or dt.datetime.now(dt.UTC), ctx.ages)
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
                "capacity": capacity.get(detail["_service_id"], []),
                "score": round(float(r.score), 4),
            }
        )
        out.append(item)
    return out
