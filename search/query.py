"""One search code path for the API and the page: text, filters, geography, hours, facets, paging.

The engine gives the documents a text matches with their scores; their facts (point, ages,
gender, free, accessible, languages, hours) come from a columnar copy kept per process for
the index generation (candidates.py), and every filter, the exact radius, open-at-a-time,
sorting, paging and facets are decided with numpy (each distinct set of hours evaluated
once). The taxonomy filter and live capacity are read from SQL; service-area coverage is
decided for the surviving rows. Where no generation applies (a transaction that wrote to the
index, or `cache=False`), the filters SQL can answer narrow the read instead.
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
import numpy.typing as npt
from sqlalchemy import bindparam, literal, or_, select
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session

import geo
from catalog import capacity, rules
from catalog.models import ServiceArea, ServiceCapacity, TaxonomyTerm, Unit
from hours import ScheduleRow
from kernel.db import UTCDateTime
from search import documents, facts, free, hooks, postings, synonyms
from search import text as textq
from search.candidates import Candidates, SearchCache, fetch, from_catalog
from search.index import SearchIndex, TextQuery, index_for
from search.models import search_document as D
from search.models import search_document_term as DT
from search.params import ParamError, SearchParams
from search.results import PageRow, doc_ids, page_details

FACET_LIMIT = 20
# Live capacity in the ranking: the first RERANK results by relevance are reordered with each
# one's relevance lifted by FREE_LIFT when its service has a fresh figure with places free,
# and by STALE_LIFT (a quarter of it) when its only such figure is stale. Beyond them the
# order is relevance alone; one query reads the figures of those services.
RERANK = 100
FREE_LIFT = 0.2
STALE_LIFT = 0.05


@dataclass(frozen=True)
class SearchContext:
    """Deployment facts a search needs: the local zone, when capacity goes stale, and now."""

    timezone: str = "America/New_York"
    stale_hours: float = 24.0  # units that are neither beds nor a waitlist, when max_ages is not given
    max_ages: rules.MaxAges | None = None
    now: dt.datetime | None = None
    # Keep match sets between searches where the engine has a generation (False: read afresh).
    cache: bool = True
    # Searches of one generation answered by a join before the kept facts are used (0: at once;
    # the facts are the persisted copy plus the change log, facts.py, so they are cheap).
    catalog_after: int = 0

    @property
    def ages(self) -> rules.MaxAges:
        """How long each kind of figure stays fresh."""
        return self.max_ages or rules.MaxAges(other=self.stale_hours)


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


def sql_filters(
    conn: Connection,
    index: SearchIndex,
    p: SearchParams,
    now: dt.datetime | None = None,
    ages: rules.MaxAges | None = None,
) -> list[Any]:
    """Every filter SQL can answer, to narrow the read where nothing is kept between searches."""
    now = now or dt.datetime.now(dt.UTC)
    where: list[Any] = []
    if p.status != "any":
        where.append(D.c.status == p.status)
    if p.taxonomy:
        terms = resolve_terms(conn, p.taxonomy)
        where.append(D.c.key.in_(select(DT.c.doc_key).where(DT.c.term_id.in_(terms))))
    if p.language:
        wanted = rules.language_code(p.language) or p.language
        cond = D.c.lang_codes.like(f"% {wanted} %")
        if wanted == "en":
            cond = or_(cond, D.c.lang_codes == "")  # no language stated: English is assumed (rules.speaks)
        where.append(cond)
    if p.age is not None:
        where.append(or_(D.c.min_age.is_(None), D.c.min_age <= p.age))
        where.append(or_(D.c.max_age.is_(None), D.c.max_age >= p.age))
    if p.gender:  # the genders a document admits, space-separated; "" admits anyone
        padded = literal(" ") + D.c.gender + literal(" ")
        where.append(or_(D.c.gender == "", padded.like(f"% {rules.gender_token(p.gender)} %")))
    if p.free:
        where.append(D.c.free.is_(True))
    if p.accessible:
        where.append(D.c.accessible.is_(True))
    if p.available:
        where.append(D.c.service_id.in_(capacity.free_services(conn, now, ages or rules.MaxAges())))
    if p.point and p.radius_km:
        where.append(index.bbox(geo.bbox(p.point[0], p.point[1], p.radius_km)))
    return where


@lru_cache(maxsize=4096)
def schedule_rows(hours: str) -> tuple[ScheduleRow, ...]:
    return tuple(ScheduleRow.from_mapping(r) for r in json.loads(hours))


def _rows(hours: str) -> tuple[ScheduleRow, ...] | None:
    try:
        return schedule_rows(hours)
    except ValueError:
        return None  # unreadable hours are unknown, never guessed


def open_at(hours: str | None, at: dt.datetime, tz: str, cache: dict[str | None, bool | None]) -> bool | None:
    """Open at `at` by the catalog's rule (the zone included), once per distinct set of hours."""
    if hours in cache:
        return cache[hours]
    rows = _rows(hours) if hours else None
    result = rules.is_open(rows, at, tz) if rows is not None else None
    cache[hours] = result
    return result


def open_label(hours: str, at: dt.datetime, tz: str) -> str:
    """The result card's line ("Open until 17:00", "Closed · opens Mon 09:00")."""
    rows = _rows(hours)
    return rules.open_state(rows, at, tz).label if rows is not None else rules.unreadable().label


def _covered(
    conn: Connection, c: Candidates, rows: npt.NDArray[np.intp], lat: float, lon: float
) -> npt.NDArray[np.intp]:
    """Keep services whose stated area covers the point (or whose area cannot be read); a
    service with no stated area serves where it is and is kept."""
    sa = ServiceArea.__table__
    idents = doc_ids(conn, [int(c.ids[i]) for i in rows])
    ids = list({i.service_id for i in idents.values()})
    areas: dict[Any, list[Any]] = {}
    for part in documents.chunks(ids, 900):
        for a in conn.execute(select(sa).where(sa.c.service_id.in_(part))):
            areas.setdefault(a.service_at_location_id or a.service_id, []).append(a)
    verdict: dict[Any, bool] = {}
    out = []
    for i in rows:
        ident = idents[int(c.ids[i])]
        own = areas.get(ident.key) or areas.get(ident.service_id)
        if not own:
            out.append(i)
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
            out.append(i)
    return np.array(out, dtype=np.intp)


def _top(counts: Counter[str]) -> list[tuple[str, int]]:
    """The most frequent values, ties by value, so the order never depends on read order."""
    return sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[:FACET_LIMIT]


def facets(
    conn: Connection, c: Candidates, rows: npt.NDArray[np.intp], state: Any = None
) -> dict[str, list[dict[str, Any]]]:
    """Counts over every match, by distinct (term_ids, lang_codes) pair; the terms' codes and
    names are kept per index generation (a term's write rewrites its documents)."""
    terms: Counter[str] = Counter()
    langs: Counter[str] = Counter()
    counts: Any = np.bincount(c.facet[rows], minlength=len(c.facet_values)) if len(rows) else []
    for code in np.flatnonzero(counts):
        n = int(counts[code])
        term_ids, lang_codes = c.facet_values[code]
        for tid in set(term_ids.split()):
            terms[tid] += n
        for lc in lang_codes.split():
            if len(lc) <= 3:
                langs[lc] += n
    top = _top(terms)
    t = TaxonomyTerm.__table__
    # The codes and names of the terms shown, kept for this generation as they are first
    # shown: a search reads only the terms no search of this generation has shown yet.
    names: dict[str, Any] = SearchCache.memo(state, ("facet_terms",), dict)
    missing = [k for k, _ in top if k not in names]
    if missing:
        stmt = select(t.c.id, t.c.code, t.c.name).where(t.c.id.in_([uuid.UUID(k) for k in missing]))
        found = {str(x.id): x for x in conn.execute(stmt)}
        names.update({k: found.get(k) for k in missing})
    return {
        "taxonomy": [
            {
                "id": k,
                "code": names[k].code if names.get(k) is not None else None,
                "name": names[k].name if names.get(k) is not None else None,
                "count": n,
            }
            for k, n in top
        ],  # fmt: skip
        "languages": [{"code": k, "count": n} for k, n in _top(langs)],
    }


def cache_for(index: SearchIndex) -> SearchCache:
    """This process's memory of one index (one per database URL, like the index itself)."""
    found = _CACHES.get(id(index))
    if found is None:
        found = _CACHES.setdefault(id(index), SearchCache())
    return found


_CACHES: dict[int, SearchCache] = {}


def _mask(c: Candidates, p: SearchParams) -> npt.NDArray[np.bool_]:
    """The filters every document carries, as one row mask."""
    keep = np.ones(len(c), dtype=bool)
    if p.status != "any":
        keep &= c.by_value(c.status, c.statuses, lambda s: s == p.status)
    if p.language:
        wanted = rules.language_code(p.language) or p.language
        lang, english = f" {wanted} ", wanted == "en"
        keep &= c.by_value(c.langs, c.lang_values, lambda v: lang in v or (english and v == ""))
    if p.age is not None:
        with np.errstate(invalid="ignore"):
            keep &= np.isnan(c.min_age) | (c.min_age <= p.age)
            keep &= np.isnan(c.max_age) | (c.max_age >= p.age)
    if p.gender:
        admits = lambda g: rules.gender_admitted(frozenset(g.split()), p.gender)  # noqa: E731
        keep &= c.by_value(c.gender, c.genders, admits)
    if p.free:
        keep &= c.free
    if p.accessible:
        keep &= c.accessible
    return keep


def _taxonomy_docs(conn: Connection, terms: set[uuid.UUID]) -> npt.NDArray[np.int64]:
    stmt = select(D.c.id).where(D.c.key.in_(select(DT.c.doc_key).where(DT.c.term_id.in_(terms))))
    return np.fromiter(conn.execute(stmt).scalars(), dtype=np.int64)


def _available(
    conn: Connection,
    index: SearchIndex,
    generation: int | None,
    ids: npt.NDArray[np.int64],
    now: dt.datetime,
    ages: rules.MaxAges,
) -> npt.NDArray[np.bool_]:
    """Live: documents of services with a fresh place free now. From this process's stretches
    (search/free.py) where they answer; else a few rows are looked up by id, and for more the
    documents of the free services are read in one statement (the free services are worked
    out once: asked again for each chunk of 900 ids, a match set of 500,000 documents at
    1,000,000 services took minutes)."""
    kept = free.stretches(conn, index, generation, ages, now)
    if kept is not None:
        return np.isin(ids, kept.free_documents(now))
    free_ids = capacity.free_services(conn, now, ages)
    if len(ids) <= _BY_ID:
        stmt = select(D.c.id).where(D.c.id.in_([int(i) for i in ids]), D.c.service_id.in_(free_ids))
    else:
        stmt = select(D.c.id).where(D.c.service_id.in_(free_ids))
    found = np.fromiter(conn.execute(stmt).scalars(), dtype=np.int64)
    return np.isin(ids, found)


_BY_ID = 900  # the most ids one lookup names (SQLite's bound parameters are limited)


@lru_cache(maxsize=1)
def _lift_statement() -> Any:
    """The figures of some documents' services with their holds: built once (a search runs it
    every time), with the moment and the ids as parameters."""
    cap, unit = ServiceCapacity.__table__, Unit.__table__
    held = capacity.held_subquery(bindparam("now", type_=UTCDateTime)).subquery()
    return (
        select(D.c.id, unit.c.name, cap.c.available, cap.c.maximum, cap.c.updated, held.c.held)
        .select_from(
            D.join(cap, cap.c.service_id == D.c.service_id)
            .join(unit, unit.c.id == cap.c.unit_id)
            .outerjoin(held, held.c.capacity_id == cap.c.id)
        )
        .where(D.c.id.in_(bindparam("ids", expanding=True)))
        .order_by(unit.c.name)
    )


def capacity_lift(
    conn: Connection, ids: npt.NDArray[np.int64], now: dt.datetime, ages: rules.MaxAges
) -> tuple[npt.NDArray[np.float64], dict[int, list[Any]]]:
    """How much live capacity lifts each document's relevance (FREE_LIFT, STALE_LIFT or 0), by
    the catalog's rule of free places (``FreePlaces.places_free``): a stale figure counts less.

    Also the rows read, by document (an empty list for one without figures), so the page
    shows them without reading capacity again."""
    lift = np.zeros(len(ids))
    if not len(ids):
        return lift, {}
    best: dict[int, float] = {}
    rows: dict[int, list[Any]] = {int(i): [] for i in ids}
    for r in conn.execute(_lift_statement(), {"now": now, "ids": [int(i) for i in ids]}):
        rows[r.id].append(r)
        fact = rules.free_places(r.name, r.available, r.maximum, r.updated, now, ages, r.held or 0)
        if fact.places_free:
            best[r.id] = FREE_LIFT
        elif fact.stale and fact.kind != "waitlist" and fact.available > 0:
            best[r.id] = max(best.get(r.id, 0.0), STALE_LIFT)
    for i, doc in enumerate(ids):
        lift[i] = best.get(int(doc), 0.0)
    return lift, rows


def ranked(conn: Connection, index: SearchIndex, query: TextQuery | None, c: Candidates) -> Candidates:
    """The engine's matches scored by the postings, so every path ranks alike."""
    if query is None or not len(c):
        return c
    score = postings.rescore(conn, index, query, c.ids)
    return c if score is None else c.take(np.arange(len(c)), score)


def _matches(
    conn: Connection,
    index: SearchIndex,
    state: Any,
    query: TextQuery | None,
    p: SearchParams,
    ctx: SearchContext,
) -> tuple[Candidates, bool]:
    """The match set, and whether SQL already applied the live filters (taxonomy, capacity).

    With a generation the whole match set is kept: its facts come from every document's
    facts, read from the persisted copy and the change log (facts.py) once per generation.
    Without a generation the filters SQL can answer narrow the read instead."""
    if state is None:
        return ranked(
            conn, index, query, fetch(conn, index, query, sql_filters(conn, index, p, ctx.now, ctx.ages))
        ), True
    whole = "catalog" in state.memo or state.searches >= ctx.catalog_after
    if query is None:
        if not whole:
            return fetch(conn, index, query, sql_filters(conn, index, p, ctx.now, ctx.ages)), True
        return SearchCache.memo(state, "catalog", lambda: facts.store_for(index).facts(conn)), False

    def load() -> Candidates:
        if not whole:
            return ranked(conn, index, query, fetch(conn, index, query, []))
        store = SearchCache.memo(state, "catalog", lambda: facts.store_for(index).facts(conn))
        found = postings.match_scores(conn, index, query)
        return from_catalog(store, *(found if found is not None else index.match_scores(conn, query)))

    return SearchCache.matches(
        state, ("match", tuple(map(tuple, query.groups)), query.any_group), load
    ), False


def search(session: Session, p: SearchParams, ctx: SearchContext | None = None) -> dict[str, Any]:
    """Run one search; raises ParamError for a parameter only the catalog can judge (taxonomy)."""
    ctx = ctx or SearchContext()
    now = ctx.now or dt.datetime.now(dt.UTC)
    at = p.at or p.hours_at or now
    conn = session.connection()
    index = index_for(conn)
    generation = index.generation(conn) if ctx.cache else None
    state = cache_for(index).state(generation) if ctx.cache else None
    if state is not None:
        state.searches += 1
    parsed = _read(session, index, state, p.q)
    match = "all"
    c, pushed = _matches(conn, index, state, parsed.query, p, ctx)
    keep = _mask(c, p)
    if not keep.any() and parsed.query and len(parsed.query.groups) > 1:
        parsed.query.any_group, match = True, "any"
        c, pushed = _matches(conn, index, state, parsed.query, p, ctx)
        keep = _mask(c, p)
    if p.taxonomy and not pushed:
        terms = resolve_terms(conn, p.taxonomy)
        docs = SearchCache.memo(state, ("taxonomy", frozenset(terms)), lambda: _taxonomy_docs(conn, terms))
        keep &= np.isin(c.ids, docs)
    km: npt.NDArray[np.float64] | None = None
    if p.point:
        lat, lon = p.point
        km = np.full(len(c), np.inf)
        if p.radius_km:
            box = geo.bbox(lat, lon, p.radius_km)
            with np.errstate(invalid="ignore"):
                keep &= (c.lat >= box[0]) & (c.lat <= box[2]) & (c.lon >= box[1]) & (c.lon <= box[3])
        sel = np.flatnonzero(keep & ~np.isnan(c.lat) & ~np.isnan(c.lon))
        km[sel] = geo.distances_km(lat, lon, c.lat[sel], c.lon[sel])
        if p.radius_km:
            keep &= km <= p.radius_km
    opened: dict[str | None, bool | None] = {}
    if p.open_filter:
        keep &= c.by_value(c.hours, c.hour_values, lambda h: open_at(h, at, ctx.timezone, opened) is True)
    rows = np.flatnonzero(keep)
    if p.available and not pushed and len(rows):
        rows = rows[_available(conn, index, generation, c.ids[rows], now, ctx.ages)]
    if p.covering and p.point and len(rows):
        rows = _covered(conn, c, rows, p.point[0], p.point[1])
    dist = km[rows] if km is not None else np.full(len(rows), np.inf)
    figures: dict[int, list[Any]] = {}
    if p.sort == "distance":
        order = np.lexsort((c.ids[rows], -c.score[rows], dist))
        rows = rows[order]
    else:
        order = np.lexsort((c.ids[rows], dist, -c.score[rows]))
        rows, dist = rows[order], dist[order]
        head = rows[:RERANK]
        lift, figures = capacity_lift(conn, c.ids[head], now, ctx.ages)
        if lift.any():
            lifted = c.score[head] * (1.0 + lift)
            rows[: len(head)] = head[np.lexsort((c.ids[head], dist[: len(head)], -lift, -lifted))]
    total = len(rows)
    start = (p.page - 1) * p.per_page
    page = rows[start : start + p.per_page]
    results = page_details(
        conn,
        state,
        [
            PageRow(
                int(c.ids[i]),
                None if np.isnan(c.lat[i]) else float(c.lat[i]),
                None if np.isnan(c.lon[i]) else float(c.lon[i]),
                c.hour_values[c.hours[i]],
                float(c.score[i]),
            )
            for i in page
        ],
        {int(c.ids[i]): float(km[i]) for i in page if km is not None and np.isfinite(km[i])},
        at,
        ctx,
        lambda h: open_at(h, at, ctx.timezone, opened),
        lambda h: open_label(h, at, ctx.timezone),
        figures,
    )
    if not total and not parsed.suggestions and parsed.words:
        parsed.suggestions = _alternatives(conn, index, parsed.words, state)
    return {
        "total": total,
        "page": p.page,
        "per_page": p.per_page,
        "results": results,
        "facets": facets(conn, c, rows, state),
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


def _read(session: Session, index: SearchIndex, state: Any, q: str | None) -> textq.ParsedText:
    table = SearchCache.memo(state, "synonyms", lambda: synonyms.load_table(session))
    return textq.parse(session.connection(), index, q, table, state)


def read_text(session: Session, q: str) -> textq.ParsedText:
    """What search makes of a text: the words kept, each widened by its synonyms, unknown
    words corrected to the closest index term. Matching reads needs given as words with it,
    so a need and a search of the same words mean the same."""
    conn = session.connection()
    index = index_for(conn)
    state = cache_for(index).state(index.generation(conn))
    return _read(session, index, state, q)


def _alternatives(conn: Connection, index: SearchIndex, words: list[str], state: Any) -> list[str]:
    """Nothing found: offer the query with each long word replaced by its closest index term."""
    fixed = [textq.correct(conn, index, w, state) if len(w) >= textq.MIN_TYPO_LEN else None for w in words]
    if not any(f and f != w for f, w in zip(fixed, words, strict=True)):
        return []
    return [" ".join(f or w for f, w in zip(fixed, words, strict=True))]


__all__ = ["ParamError", "SearchContext", "SearchParams", "read_text", "search"]
