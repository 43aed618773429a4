"""The searchable document of one service at one location, built from the catalog in bulk.

Everything is read with a handful of set-based queries per batch of services (no ORM objects),
because importers write thousands of services per second and each flush rewrites the
documents of the services it touched. A service offered at no location gets one document
keyed by its own id, so phone lines and online services can be found too.

Schedule precedence (the hours a document carries): rows of the service_at_location (or rows
naming both the service and the location) win; else the service's own rows; else the
location's rows. The first level that has any row is used whole.
"""

from __future__ import annotations

import json
import uuid
from collections import defaultdict, namedtuple
from collections.abc import Iterable, Iterator, Sequence
from typing import Any

from sqlalchemy import delete, insert, select, true
from sqlalchemy.engine import Connection

from catalog import rules
from catalog.models import (
    Accessibility,
    Address,
    Attribute,
    CostOption,
    Language,
    Location,
    Organization,
    Program,
    Schedule,
    Service,
    ServiceArea,
    ServiceAtLocation,
    TaxonomyTerm,
)
from hours import most_specific
from search.models import search_document, search_document_term

CHUNK = 500
_SCHEDULE_FIELDS = (
    "opens_at", "closes_at", "byday", "freq", "interval", "bymonthday", "valid_from", "valid_to",
    "dtstart", "until", "wkst", "description", "timezone",
)  # fmt: skip


def status_token(status: str) -> str:
    """A token for the status inside the text, so FTS5 can leave inactive services out in the
    MATCH itself and keep its fast top-N plan ("xstatustemporarilyclosed")."""
    return "xstatus" + "".join(ch for ch in status.lower() if ch.isalpha())


def chunks(ids: Sequence[Any], size: int = CHUNK) -> Iterator[Sequence[Any]]:
    for i in range(0, len(ids), size):
        yield ids[i : i + size]


def _join(*parts: Any) -> str:
    return " ".join(str(p) for p in parts if p not in (None, ""))


class Terms:
    """Taxonomy terms by id with their ancestors (through parent_id), loaded once per write.

    `raw`: ids as the database stores them (SQLite's 32-digit hex), for a full rebuild that
    never turns ids into UUID objects."""

    def __init__(self, conn: Connection, raw: bool = False) -> None:
        t = TaxonomyTerm.__table__
        stmt = select(t.c.id, t.c.code, t.c.name, t.c.parent_id)
        found = _raw_rows(conn, stmt) if raw else conn.execute(stmt)
        self.rows: dict[Any, tuple[str | None, str, Any]] = {
            r.id: (r.code, r.name, r.parent_id) for r in found
        }
        self._lineage: dict[Any, list[tuple[str | None, str]]] = {}
        self._text: dict[Any, str] = {}

    def text_id(self, term_id: Any) -> str:
        """The id as the index shows it (hyphenated), whichever way it was read."""
        if isinstance(term_id, uuid.UUID):
            return str(term_id)
        found = self._text.get(term_id)
        if found is None:
            found = self._text[term_id] = str(uuid.UUID(hex=term_id))
        return found

    def cached_lineage(self, term_id: Any) -> list[tuple[str | None, str]]:
        found = self._lineage.get(term_id)
        if found is None:
            found = self._lineage[term_id] = self.lineage(term_id)
        return found

    def lineage(self, term_id: uuid.UUID) -> list[tuple[str | None, str]]:
        out: list[tuple[str | None, str]] = []
        seen: set[uuid.UUID] = set()
        current: uuid.UUID | None = term_id
        while current is not None and current in self.rows and current not in seen:
            seen.add(current)
            code, name, parent = self.rows[current]
            out.append((code, name))
            current = parent
        return out


def _tid(terms: Terms, term_id: Any) -> str:
    return terms.text_id(term_id) if term_id is not None else ""


def _schedule_json(rows: list[Any]) -> str | None:
    if not rows:
        return None
    out = []
    for r in rows:
        d = {f: getattr(r, f) for f in _SCHEDULE_FIELDS if getattr(r, f) is not None}
        for f in ("valid_from", "valid_to", "dtstart", "until"):
            if f in d and not isinstance(d[f], str):  # raw reads give ISO text already
                d[f] = d[f].isoformat()
        out.append(json.dumps(d, sort_keys=True, separators=(",", ":")))
    return "[" + ",".join(sorted(out)) + "]"  # one order, whichever way the rows were read


def build(
    conn: Connection, service_ids: Sequence[uuid.UUID], terms: Terms | None = None
) -> list[dict[str, Any]]:
    """Documents (as rows for search_document, plus `_terms`) of these services."""
    terms = terms or Terms(conn)
    docs: list[dict[str, Any]] = []
    for part in chunks(list(service_ids)):
        docs.extend(_build_chunk(conn, part, terms))
    return docs


def build_all(conn: Connection, terms: Terms | None = None) -> list[dict[str, Any]]:
    """Every document, reading each table once (a full rebuild; no IN lists). On SQLite ids
    stay as stored (hex text): decoding a million UUIDs cost more than building documents."""
    raw = conn.dialect.name == "sqlite"
    return _build_chunk(conn, None, terms or Terms(conn, raw=raw), raw=raw)


def _raw_rows(conn: Connection, stmt: Any) -> list[Any]:
    """Rows of a parameterless select as the driver gives them, with attribute access."""
    result = conn.exec_driver_sql(str(stmt.compile(dialect=conn.dialect)))
    Row = namedtuple("Row", [d[0] for d in result.cursor.description])  # type: ignore[misc]  # noqa: PYI024
    return list(map(Row._make, result.cursor.fetchall()))


def _build_chunk(
    conn: Connection, ids: Sequence[uuid.UUID] | None, terms: Terms, raw: bool = False
) -> list[dict[str, Any]]:
    """Documents of these services (None: of every service; `raw`: ids as stored)."""

    def run(stmt: Any) -> list[Any]:
        return _raw_rows(conn, stmt) if raw else list(conn.execute(stmt).all())

    s, o, p = Service.__table__, Organization.__table__, Program.__table__
    services = run(
        select(
            s.c.id, s.c.name, s.c.alternate_name, s.c.description, s.c.status, s.c.eligibility_description,
            s.c.minimum_age, s.c.maximum_age, s.c.fees, s.c.fees_description, s.c.organization_id,
            o.c.name.label("org_name"), o.c.alternate_name.label("org_alt"), p.c.name.label("program"),
        )
        .select_from(s.outerjoin(o, o.c.id == s.c.organization_id).outerjoin(p, p.c.id == s.c.program_id))
        .where(s.c.id.in_(ids) if ids is not None else true())
    )  # fmt: skip
    if not services:
        return []
    sal, loc = ServiceAtLocation.__table__, Location.__table__
    sals = run(
        select(
            sal.c.id, sal.c.service_id, sal.c.location_id, sal.c.description, loc.c.name,
            loc.c.alternate_name,
            loc.c.description.label("loc_description"), loc.c.latitude, loc.c.longitude,
        )
        .select_from(sal.outerjoin(loc, loc.c.id == sal.c.location_id))
        .where(sal.c.service_id.in_(ids) if ids is not None else true())
    )  # fmt: skip
    sal_ids = [r.id for r in sals]
    loc_ids = list({r.location_id for r in sals if r.location_id is not None})
    by_service: dict[uuid.UUID, list[Any]] = defaultdict(list)
    for r in sals:
        by_service[r.service_id].append(r)

    def rows_by(table: Any, cols: list[Any], *conds: Any) -> list[Any]:
        """Rows meeting any condition: one indexed query per condition (SQLite would scan
        the table for an OR of IN lists), or the whole table once for a full rebuild."""
        if ids is None:
            return run(select(*cols))
        seen: dict[Any, Any] = {}
        for c in conds:
            if c is not None:
                for r in conn.execute(select(table.c.id, *cols).where(c)):
                    seen.setdefault(r.id, r)
        return list(seen.values())

    def cond(col: Any, values: Sequence[Any] | None) -> Any:
        """The IN condition of a chunk (never built for a full rebuild, which reads whole
        tables: coercing 200,000 literals alone took half a second)."""
        return col.in_(values) if values and ids is not None else None

    a = Address.__table__
    cities: dict[uuid.UUID, list[str]] = defaultdict(list)
    for r in rows_by(
        a, [a.c.location_id, a.c.city, a.c.postal_code, a.c.region], cond(a.c.location_id, loc_ids)
    ):
        cities[r.location_id].append(_join(r.city, r.region, r.postal_code))
    lang = Language.__table__
    langs: dict[uuid.UUID, list[tuple[str, str]]] = defaultdict(list)
    for r in rows_by(
        lang,
        [lang.c.service_id, lang.c.location_id, lang.c.code, lang.c.name],
        cond(lang.c.service_id, ids),
        cond(lang.c.location_id, loc_ids),
    ):
        langs[r.service_id or r.location_id].append(((r.code or "").lower(), (r.name or "").lower()))
    acc = Accessibility.__table__
    access: dict[uuid.UUID, list[str]] = defaultdict(list)
    for r in rows_by(
        acc, [acc.c.location_id, acc.c.description, acc.c.details], cond(acc.c.location_id, loc_ids)
    ):
        access[r.location_id].append(_join(r.description, r.details))
    sa = ServiceArea.__table__
    areas: dict[uuid.UUID, list[str]] = defaultdict(list)
    for r in rows_by(
        sa,
        [sa.c.service_id, sa.c.service_at_location_id, sa.c.name, sa.c.description],
        cond(sa.c.service_id, ids),
        cond(sa.c.service_at_location_id, sal_ids),
    ):
        areas[r.service_at_location_id or r.service_id].append(_join(r.name, r.description))
    at = Attribute.__table__
    attrs: dict[uuid.UUID, list[Any]] = defaultdict(list)
    for r in rows_by(
        at,
        [at.c.link_id, at.c.link_type, at.c.taxonomy_term_id, at.c.value, at.c.label],
        cond(at.c.link_id, [*(ids or ()), *sal_ids, *loc_ids]),
    ):
        attrs[r.link_id].append(r)
    # One order whichever way the rows were read (whole tables or by id), so a rebuild writes
    # exactly the documents the incremental path wrote.
    for found in attrs.values():
        found.sort(
            key=lambda r: (r.link_type or "", _tid(terms, r.taxonomy_term_id), r.value or "", r.label or "")
        )
    for texts in (*cities.values(), *access.values(), *areas.values()):
        texts.sort()
    co = CostOption.__table__
    costs: dict[uuid.UUID, list[tuple[Any, Any, Any]]] = defaultdict(list)
    for r in rows_by(
        co, [co.c.service_id, co.c.option, co.c.amount, co.c.amount_description], cond(co.c.service_id, ids)
    ):
        costs[r.service_id].append((r.option, r.amount, r.amount_description))
    sc = Schedule.__table__
    sched_cols = [
        sc.c.service_id,
        sc.c.location_id,
        sc.c.service_at_location_id,
        *(sc.c[f] for f in _SCHEDULE_FIELDS),
    ]
    sched_sal: dict[Any, list[Any]] = defaultdict(list)
    sched_service: dict[uuid.UUID, list[Any]] = defaultdict(list)
    sched_loc: dict[uuid.UUID, list[Any]] = defaultdict(list)
    for r in rows_by(
        sc,
        sched_cols,
        cond(sc.c.service_id, ids),
        cond(sc.c.location_id, loc_ids),
        cond(sc.c.service_at_location_id, sal_ids),
    ):
        if r.service_at_location_id is not None:
            sched_sal[r.service_at_location_id].append(r)
        elif r.service_id is not None and r.location_id is not None:
            sched_sal[(r.service_id, r.location_id)].append(r)
        elif r.service_id is not None:
            sched_service[r.service_id].append(r)
        else:
            sched_loc[r.location_id].append(r)

    docs = []
    for svc in services:
        places = by_service.get(svc.id) or [None]
        for place in places:
            docs.append(
                _document(svc, place, terms, cities, langs, access, areas, attrs, costs,
                          sched_sal, sched_service, sched_loc)
            )  # fmt: skip
    return docs


def _document(
    svc: Any, place: Any, terms: Terms, cities: Any, langs: Any, access: Any, areas: Any,
    attrs: Any, costs: Any, sched_sal: Any, sched_service: Any, sched_loc: Any,
) -> dict[str, Any]:  # fmt: skip
    loc_id = place.location_id if place is not None else None
    links = [svc.id] + ([place.id] if place is not None else []) + ([loc_id] if loc_id else [])
    term_ids: list[uuid.UUID] = []
    tax_words: list[str] = []
    elig_words: list[str] = [svc.eligibility_description or ""]
    keywords: list[str] = [svc.program or ""]
    for link in links:
        for r in attrs.get(link, ()):
            if r.link_type == "keyword" or (r.taxonomy_term_id is None and r.value):
                keywords.append(_join(r.value, r.label))
            if r.taxonomy_term_id is None:
                continue
            if r.taxonomy_term_id not in term_ids:
                term_ids.append(r.taxonomy_term_id)
            lineage = terms.cached_lineage(r.taxonomy_term_id)
            words = " ".join(_join(code, name) for code, name in lineage)
            tax_words.append(words)
            if (r.link_type or "").lower() in ("eligibility", "requirement", "audience"):
                elig_words.append(lineage[0][1] if lineage else "")
    language_pairs = langs.get(svc.id, []) + (langs.get(loc_id, []) if loc_id else [])
    # The languages by the rule the page and matching use (ISO 639-1 codes), with the names
    # the record gives, so a filter by code or by name finds it.
    spoken = rules.languages(language_pairs)
    codes = sorted(spoken | {n for _c, n in language_pairs if n})
    lang_words = sorted(spoken | {c for pair in language_pairs for c in pair if c})
    elig_text = " ".join(elig_words)
    # Who may come and what it costs, by the rules the page and matching use: the service's
    # own attributes decide (an audience term restricts nobody).
    own = attrs.get(svc.id, ())
    restricting, term_names = [], []
    for r in own:
        lineage = terms.cached_lineage(r.taxonomy_term_id) if r.taxonomy_term_id is not None else []
        code, name = lineage[0] if lineage else (None, r.value)
        if lineage:
            term_names.append(name)
        if (r.link_type or "").lower() == "eligibility":
            restricting.append((code, name))
    gender = " ".join(sorted(rules.admitted_genders(restricting, svc.eligibility_description)))
    access_text = " ".join(access.get(loc_id, [])) if loc_id else ""
    access_lines = rules.accessibility(access.get(loc_id, []) if loc_id else [], term_names)
    tax_text = " ".join(tax_words)
    fee_text = _join(svc.fees, svc.fees_description)
    is_free = rules.cost(costs.get(svc.id, ()), fee_text, term_names) == "free"
    here = (sched_sal.get(place.id) or sched_sal.get((svc.id, loc_id))) if place is not None else None
    rows = most_specific(here, sched_service.get(svc.id), sched_loc.get(loc_id) if loc_id else None)
    area_text = areas.get(svc.id, []) + (areas.get(place.id, []) if place is not None else [])
    if loc_id:
        keywords.extend(cities.get(loc_id, []))
    status = svc.status.value if hasattr(svc.status, "value") else str(svc.status)
    return {
        "key": place.id if place is not None else svc.id,
        "service_id": svc.id,
        "location_id": loc_id,
        "organization_id": svc.organization_id,
        "status": status,
        "name": _join(svc.name, svc.alternate_name),
        "organization": _join(svc.org_name, svc.org_alt),
        "description": _join(
            svc.description, place.description if place else None, place.loc_description if place else None
        ),
        "taxonomy": tax_text,
        "eligibility": elig_text.strip(),
        "languages": " ".join(lang_words),
        "accessibility": access_text,
        "areas": " ".join(area_text),
        "keywords": _join(
            *keywords,
            place.name if place else None,
            place.alternate_name if place else None,
            status_token(status),
        ),
        "lang_codes": f" {' '.join(codes)} " if codes else "",
        "min_age": svc.minimum_age,
        "max_age": svc.maximum_age,
        "gender": gender,
        "free": is_free,
        "accessible": bool(access_lines),
        "latitude": place.latitude if place is not None else None,
        "longitude": place.longitude if place is not None else None,
        "hours": _schedule_json(rows),
        "term_ids": " ".join(terms.text_id(t) for t in term_ids),
        "_terms": term_ids,
    }


def write(conn: Connection, service_ids: Iterable[uuid.UUID], terms: Terms | None = None) -> int:
    """Replace the documents of these services with ones built from the catalog now."""
    ids = list(dict.fromkeys(service_ids))
    if not ids:
        return 0
    for part in chunks(ids, 900):
        conn.execute(delete(search_document).where(search_document.c.service_id.in_(part)))
    docs = build(conn, ids, terms)
    insert_documents(conn, docs)
    from search import facts, text  # they read through search.index, which reads these models
    from search.index import index_for

    facts.after_write(conn, index_for(conn).stem, text.words_of)
    return len(docs)


def insert_documents(conn: Connection, docs: list[dict[str, Any]]) -> None:
    """Plain executemany (no RETURNING): term links point at the document's key."""
    if not docs:
        return
    if isinstance(docs[0]["key"], str):  # built from raw reads: ids are already stored text
        _insert_raw(conn, docs)
        return
    rows = [{k: v for k, v in d.items() if k != "_terms"} for d in docs]
    conn.execute(insert(search_document), rows)
    links = [{"doc_key": d["key"], "term_id": term} for d in docs for term in d["_terms"]]
    if links:
        conn.execute(insert(search_document_term), links)


def _insert_raw(conn: Connection, docs: list[dict[str, Any]]) -> None:
    names = [k for k in docs[0] if k != "_terms"]
    marks = ", ".join("?" for _ in names)
    conn.exec_driver_sql(
        f"INSERT INTO search_document ({', '.join(names)}) VALUES ({marks})",
        [tuple(d[k] for k in names) for d in docs],
    )
    links = [(d["key"], term) for d in docs for term in d["_terms"]]
    if links:
        conn.exec_driver_sql("INSERT INTO search_document_term (doc_key, term_id) VALUES (?, ?)", links)
