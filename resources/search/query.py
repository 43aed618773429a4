"""One search code path for the API and the page: text, filters, geography, hours, facets, paging.

The index narrows by text and by every filter SQL can answer (taxonomy with descendants,
language, age, gender, free, accessible, live capacity, status, an R*Tree/btree box around
the point); the exact radius, open-at-a-time and service-area coverage are then decided in
Python over the narrowed rows (numpy distances; each distinct set of hours evaluated once).
Capacity is never read from the index: it is joined from the catalog for the page shown.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import uuid
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import numpy as np
from sqlalchemy import or_, select
from sqlalchemy.engine import Connection, Row
from sqlalchemy.orm import Session

import geo
from resources.hours import ScheduleRow, is_open, open_state
from resources.models import ServiceCapacity, TaxonomyTerm
from resources.search import documents, hooks, synonyms
from resources.search import text as textq
from resources.search.index import SearchIndex, index_for
from resources.search.params import STATUSES, ParamError, SearchParams
from resources.search.results import doc_ids, page_details
from resources.search_models import search_document as D
from resources.search_models import search_document_term as DT

# Candidate rows carry no UUIDs (decoding them for every match costs more than the search);
# the page's rows get their ids afterwards.
COLUMNS = (D.c.id, D.c.latitude, D.c.longitude, D.c.hours, D.c.term_ids, D.c.lang_codes)
FACET_LIMIT = 20


@dataclass(frozen=True)
class SearchContext:
    """Deployment facts a search needs: the local zone, when capacity goes stale, and now."""

    timezone: str = "America/New_York"
    stale_hours: float = 24.0
    now: dt.datetime | None = None


def resolve_terms(conn: Connection, values: Sequence[str]) -> set[uuid.UUID]:
    """Term ids or codes -> those terms and all their descendants (through parent_id)."""
    t = TaxonomyTerm.__table__
    roots: set[uuid.UUID] = set()
    for value in values:
        cond = t.c.code == value
        with contextlib.suppress(ValueError):
            cond = or_(cond, t.c.id == uuid.UUID(value))
        found = set(conn.execute(select(t.c.id).where(cond)).scalars())
        if not found:
            raise ParamError("taxonomy", f"no taxonomy term has the id or code {value!r}")
        roots |= found
    return hooks.descendants(documents.Terms(conn), roots)


def sql_filters(conn: Connection, index: SearchIndex, p: SearchParams, text_query: bool) -> list[Any]:
    where: list[Any] = []
    if p.status != "any" and not (text_query and index.status_in_match):
        where.append(D.c.status == p.status)
    if p.taxonomy:
        terms = resolve_terms(conn, p.taxonomy)
        where.append(D.c.key.in_(select(DT.c.doc_key).where(DT.c.term_id.in_(terms))))
    if p.language:
        cond = D.c.lang_codes.like(f"% {p.language} %")
        if p.language in ("en", "eng", "english"):
            cond = or_(cond, D.c.lang_codes == "")  # no language stated: English is assumed
        where.append(cond)
    if p.age is not None:
        where.append(or_(D.c.min_age.is_(None), D.c.min_age <= p.age))
        where.append(or_(D.c.max_age.is_(None), D.c.max_age >= p.age))
    if p.gender:
        where.append(D.c.gender.in_(["", p.gender]))
    if p.free:
        where.append(D.c.free.is_(True))
    if p.accessible:
        where.append(D.c.accessible.is_(True))
    if p.available:
        cap = ServiceCapacity.__table__
        where.append(D.c.service_id.in_(select(cap.c.service_id).where(cap.c.available > 0)))
    if p.point and p.radius_km:
        where.append(index.bbox(geo.bbox(p.point[0], p.point[1], p.radius_km)))
    return where


@lru_cache(maxsize=4096)
def schedule_rows(hours: str) -> tuple[ScheduleRow, ...]:
    return tuple(ScheduleRow.from_mapping(r) for r in json.loads(hours))


def zone_for(rows: Sequence[ScheduleRow], at: dt.datetime, deployment: str) -> str | None:
    """The deployment's zone, unless the rows state a UTC offset it does not have at `at` (a
    service in another zone): then the rows' own offset is used."""
    offsets = {r.timezone for r in rows if r.timezone is not None}
    if not offsets:
        return deployment
    local = at.astimezone(geo_zone(deployment))
    hours = (local.utcoffset() or dt.timedelta()).total_seconds() / 3600
    return deployment if hours in offsets else None


@lru_cache(maxsize=64)
def geo_zone(name: str) -> dt.tzinfo:
    from zoneinfo import ZoneInfo

    return ZoneInfo(name)


def open_at(hours: str | None, at: dt.datetime, tz: str, cache: dict[str | None, bool | None]) -> bool | None:
    if hours in cache:
        return cache[hours]
    result: bool | None = None
    if hours:
        try:
            rows = schedule_rows(hours)
            result = is_open(rows, at, zone_for(rows, at, tz))
        except ValueError:
            result = None  # unreadable hours are unknown, never guessed
    cache[hours] = result
    return result


def open_label(hours: str, at: dt.datetime, tz: str) -> str:
    """The result card's line ("Open until 17:00", "Closed · opens Mon 09:00")."""
    try:
        rows = schedule_rows(hours)
        return open_state(rows, at, zone_for(rows, at, tz)).label
    except ValueError:
        return "Hours not readable"


def _covered(conn: Connection, rows: list[Row[Any]], lat: float, lon: float) -> list[Row[Any]]:
    """Keep services whose stated area covers the point (or whose area cannot be read); a
    service with no stated area serves where it is and is kept."""
    from resources.models import ServiceArea

    sa = ServiceArea.__table__
    idents = doc_ids(conn, [r.id for r in rows])
    ids = list({i.service_id for i in idents.values()})
    areas: dict[Any, list[Any]] = {}
    for part in documents.chunks(ids, 900):
        for a in conn.execute(select(sa).where(sa.c.service_id.in_(part))):
            areas.setdefault(a.service_at_location_id or a.service_id, []).append(a)
    verdict: dict[Any, bool] = {}
    out = []
    for r in rows:
        ident = idents[r.id]
        own = areas.get(ident.key) or areas.get(ident.service_id)
        if not own:
            out.append(r)
            continue
        key = ident.key if ident.key in areas else ident.service_id
        if key not in verdict:
            answers = []
            for a in own:
                try:
                    answers.append(geo.service_area_from_hsds(dict(a._mapping)).covers(lat, lon))
                except (ValueError, geo.AreaError):
                    answers.append(None)
            verdict[key] = any(x is not False for x in answers)
        if verdict[key]:
            out.append(r)
    return out


def facets(conn: Connection, rows: Sequence[Row[Any]]) -> dict[str, list[dict[str, Any]]]:
    """Counts over every match; rows are documents, or (term_ids, lang_codes, n) groups."""
    terms: Counter[str] = Counter()
    langs: Counter[str] = Counter()
    for r in rows:
        n = getattr(r, "n", 1)
        for t in set(r.term_ids.split()):
            terms[t] += n
        for c in r.lang_codes.split():
            if len(c) <= 3:
                langs[c] += n
    top = terms.most_common(FACET_LIMIT)
    t = TaxonomyTerm.__table__
    names = {}
    if top:
        ids = [uuid.UUID(k) for k, _ in top]
        names = {
            str(x.id): x for x in conn.execute(select(t.c.id, t.c.code, t.c.name).where(t.c.id.in_(ids)))
        }
    return {
        "taxonomy": [
            {
                "id": k,
                "code": names[k].code if k in names else None,
                "name": names[k].name if k in names else None,
                "count": n,
            }
            for k, n in top
        ],  # fmt: skip
        "languages": [{"code": k, "count": n} for k, n in langs.most_common(FACET_LIMIT)],
    }


def search(session: Session, p: SearchParams, ctx: SearchContext | None = None) -> dict[str, Any]:
    """Run one search; raises ParamError for a parameter only the catalog can judge (taxonomy)."""
    ctx = ctx or SearchContext()
    now = ctx.now or dt.datetime.now(dt.UTC)
    at = p.at or now
    conn = session.connection()
    index = index_for(conn)
    parsed = textq.parse(conn, index, p.q, synonyms.load_table(session))
    if parsed.query and p.status != "any":
        others = tuple(s for s in STATUSES if s not in ("any", p.status))
        parsed.query.exclude_status = others
    where = sql_filters(conn, index, p, bool(parsed.query))
    start = (p.page - 1) * p.per_page
    match = "all"
    dist: dict[int, float] = {}
    opened: dict[str | None, bool | None] = {}
    # Fast path: text ranked by relevance with only SQL filters; the engine picks the page.
    if parsed.query and not (p.open_filter or p.covering or p.radius_km or p.sort == "distance"):
        page, total, facet_rows = index.top_rows(conn, parsed.query, where, COLUMNS, p.per_page, start)
        if not total and len(parsed.query.groups) > 1:
            parsed.query.any_group, match = True, "any"
            page, total, facet_rows = index.top_rows(conn, parsed.query, where, COLUMNS, p.per_page, start)
        if p.point and page:
            km = geo.distances_km(
                p.point[0], p.point[1],
                np.array([r.latitude if r.latitude is not None else np.nan for r in page], dtype=float),
                np.array([r.longitude if r.longitude is not None else np.nan for r in page], dtype=float),
            )  # fmt: skip
            dist = {r.id: float(k) for r, k in zip(page, km, strict=True) if np.isfinite(k)}
        rows: list[Any] = facet_rows
    else:
        rows = index.match_rows(conn, parsed.query, where, COLUMNS)
        if not rows and parsed.query and len(parsed.query.groups) > 1:
            parsed.query.any_group, match = True, "any"
            rows = index.match_rows(conn, parsed.query, where, COLUMNS)
        if p.point and rows:
            lats = np.array([r.latitude if r.latitude is not None else np.nan for r in rows], dtype=float)
            lons = np.array([r.longitude if r.longitude is not None else np.nan for r in rows], dtype=float)
            km = geo.distances_km(p.point[0], p.point[1], lats, lons)
            dist = {r.id: float(k) for r, k in zip(rows, km, strict=True) if np.isfinite(k)}
            if p.radius_km:
                rows = [r for r in rows if dist.get(r.id, np.inf) <= p.radius_km]
        if p.open_filter:
            rows = [r for r in rows if open_at(r.hours, at, ctx.timezone, opened) is True]
        if p.covering and p.point:
            rows = _covered(conn, rows, p.point[0], p.point[1])
        if p.sort == "distance":
            rows.sort(key=lambda r: (dist.get(r.id, np.inf), -r.score, r.id))
        else:
            rows.sort(key=lambda r: (-r.score, dist.get(r.id, np.inf), r.id))
        total = len(rows)
        page = rows[start : start + p.per_page]
    results = page_details(
        conn,
        page,
        dist,
        at,
        ctx,
        lambda h: open_at(h, at, ctx.timezone, opened),
        lambda h: open_label(h, at, ctx.timezone),
    )
    if not total and not parsed.suggestions and parsed.words:
        parsed.suggestions = _alternatives(conn, index, parsed.words)
    return {
        "total": total,
        "page": p.page,
        "per_page": p.per_page,
        "results": results,
        "facets": facets(conn, rows),
        "suggestions": parsed.suggestions,
        "query": {
            "q": p.q,
            "terms": [g[0] for g in parsed.query.groups] if parsed.query else [],
            "corrections": parsed.corrections,
            "match": match,
            "at": at.isoformat(),
            "point": {"lat": p.point[0], "lon": p.point[1]} if p.point else None,
            "engine": index.name,
        },
    }


def _alternatives(conn: Connection, index: SearchIndex, words: list[str]) -> list[str]:
    """Nothing found: offer the query with each long word replaced by its closest index term."""
    fixed = [textq.correct(conn, index, w) if len(w) >= textq.MIN_TYPO_LEN else None for w in words]
    if not any(f and f != w for f, w in zip(fixed, words, strict=True)):
        return []
    return [" ".join(f or w for f, w in zip(fixed, words, strict=True))]


__all__ = ["ParamError", "SearchContext", "SearchParams", "search"]
