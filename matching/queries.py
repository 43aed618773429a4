"""The query layer: catalog rows -> Candidate facts for the ranking core.

A fixed number of queries per match, whatever the number of candidates: the nearby
service locations that fit a need, in SQL from the bounding box of ``geo.bbox`` over the
search documents (one row per service location with its point, its terms and its text,
written in the catalog's own transaction, so the next match in any process sees a write
once it commits, and a new process has nothing to build), then the facts of the nearest
(``matching.facts``). Columns are selected explicitly; no relationship is walked, so
nothing lazy-loads.
"""

from __future__ import annotations

import math
import re
import uuid
from collections.abc import Callable, Iterable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import and_, bindparam, func, literal, literal_column, or_, select
from sqlalchemy.orm import Session

import geo
from catalog.models import Attribute, Location, Service, ServiceAtLocation, TaxonomyTerm
from matching import facts
from matching.facts import FollowThrough
from matching.parse import InvalidField
from matching.types import Candidate, ClientNeeds, Need
from search.models import search_document, search_document_term
from search.query import read_text
from search.text import words_of

__all__ = ["MAX_CANDIDATES", "FollowThrough", "gather", "gather_services", "resolve_needs"]

MAX_CANDIDATES = 60  # the nearest this many fitting service locations are ranked
_WORD = re.compile(r"[\w'-]+")


def resolve_needs(session: Session, raw: Sequence[str]) -> tuple[Need, ...]:
    """Each need as a taxonomy term id, code or name (with descendants), else as words read
    the way search reads them (synonyms, typo correction): see ``_as_words``."""
    return tuple(_resolve_one(session, text, i) for i, text in enumerate(raw))


_COLS = (TaxonomyTerm.id, TaxonomyTerm.parent_id, TaxonomyTerm.name)
# Built once: building and keying a statement costs more than running it on 30 terms.
_BY_ID = select(*_COLS).where(TaxonomyTerm.id == bindparam("term_id"))
_BY_CODE = select(*_COLS).where(TaxonomyTerm.code == bindparam("code"))
_BY_NAME = select(*_COLS).where(func.lower(TaxonomyTerm.name) == bindparam("name"))


def _resolve_one(session: Session, text: str, index: int) -> Need:
    terms: list[tuple[uuid.UUID, uuid.UUID | None, str]] = []
    try:
        term_id = uuid.UUID(text)
    except ValueError:
        term_id = None
    conn = session.connection()
    if term_id is not None:
        terms = [tuple(r) for r in conn.execute(_BY_ID, {"term_id": term_id})]
        if not terms:
            raise InvalidField(f"needs[{index}]", f"needs[{index}]: no taxonomy term has id {text}")
    else:
        terms = [tuple(r) for r in conn.execute(_BY_CODE, {"code": text})]
        if not terms:
            terms = [tuple(r) for r in conn.execute(_BY_NAME, {"name": text.lower()})]
    words = tuple(w.lower() for w in _WORD.findall(text) if not w.isdigit() or not terms)
    if not terms:
        if not words:
            raise InvalidField(f"needs[{index}]", f"needs[{index}] is empty")
        return _as_words(session, text, words)
    label = terms[0][2]
    return _as_terms(session, label, terms, tuple(w.lower() for w in _WORD.findall(label)))


def _as_terms(
    session: Session,
    label: str,
    terms: Sequence[tuple[uuid.UUID, uuid.UUID | None, str]],
    words: tuple[str, ...],
    groups: tuple[tuple[tuple[str, ...], ...], ...] = (),
) -> Need:
    ids = {t[0] for t in terms}
    found = _descendants(session, ids)
    parents = {t[1] for t in terms if t[1] is not None} - found
    return Need(label, frozenset(str(i) for i in found), frozenset(str(i) for i in parents), words, groups)


def _as_words(session: Session, text: str, words: tuple[str, ...]) -> Need:
    """Words as search reads them: stop words out, an unknown word corrected to the closest
    index term ("shleter" -> "shelter"), each word or phrase widened by its synonyms ("rehab"
    ~ "residential treatment"). A need of one word or phrase one of whose synonyms names a
    taxonomy term, word for word, is that term ("soup kitchen" ~ "free meals": Free Meals)."""
    parsed = read_text(session, text)
    if parsed.query is None:
        return Need(text, words=words)
    groups = tuple(tuple(tuple(alt.split()) for alt in group) for group in parsed.query.groups)
    if len(groups) == 1:
        named = _terms_named(session, [" ".join(alt) for alt in groups[0]])
        if named:
            return _as_terms(session, text, named, words, groups)
    return Need(text, words=words, groups=groups)


def _terms_named(session: Session, phrases: Sequence[str]) -> list[tuple[uuid.UUID, uuid.UUID | None, str]]:
    """Terms whose name is one of these phrases word for word ("addiction recovery" names
    "Addiction & Recovery"), in the order of the phrases (the typed words first)."""
    firsts = {p.split()[0] for p in phrases if p}
    if not firsts:
        return []
    stmt = select(*_COLS).where(or_(*(func.lower(TaxonomyTerm.name).like(f"{w}%") for w in sorted(firsts))))
    rank = {p: i for i, p in reversed(list(enumerate(phrases)))}
    found = [(rank.get(" ".join(words_of(r.name))), tuple(r)) for r in session.execute(stmt)]
    return [t for i, t in sorted((x for x in found if x[0] is not None), key=lambda x: (x[0], x[1][2]))]


def _descendants_stmt() -> Any:
    seeds = TaxonomyTerm.id.in_(bindparam("ids", expanding=True))
    tree = select(TaxonomyTerm.id).where(seeds).cte("tree", recursive=True)
    tree = tree.union(select(TaxonomyTerm.id).where(TaxonomyTerm.parent_id == tree.c.id))
    return select(tree.c.id)


_DESCENDANTS = _descendants_stmt()


def _descendants(session: Session, ids: set[uuid.UUID]) -> set[uuid.UUID]:
    return set(session.connection().scalars(_DESCENDANTS, {"ids": list(ids)}))


def _mentions(has: Callable[[str], Any], groups: Sequence[Sequence[Sequence[str]]]) -> Any:
    """Every group mentioned: one of its phrases, with all the phrase's words."""
    return and_(*(or_(*(and_(*(has(w) for w in phrase)) for phrase in group)) for group in groups))


def _word_terms(session: Session, needs: Iterable[Need]) -> set[uuid.UUID]:
    """Terms whose names hold a word need, so "detox" finds services filed under Detox."""
    conds = [
        _mentions(lambda w: func.lower(TaxonomyTerm.name).like(f"%{w}%"), n.word_groups())
        for n in needs
        if not n.term_ids and n.word_groups()
    ]
    if not conds:
        return set()
    return set(session.scalars(select(TaxonomyTerm.id).where(or_(*conds)).limit(500)))


def gather(
    session: Session,
    needs: ClientNeeds,
    *,
    tz: str | None = None,
    cap: int = MAX_CANDIDATES,
    follow_through: FollowThrough | None = None,
    now: datetime | None = None,
) -> list[Candidate]:
    """The candidates for one client: the nearest ``cap`` service locations within the radius
    that fit at least one need (the first ``cap`` by name without a location)."""
    if needs.lat is not None and needs.lon is not None:
        order = near(session, needs, cap)
        rows = facts.rows_for(session, order) if order else []
    else:
        rows = _base_rows(session, needs)
    if not rows:
        return []
    return facts.candidates(session, rows, tz, follow_through, now)


# The 0.1-degree latitude band as SQLite's index ix_search_document_match is built on
# (migration 0025): a box is one range scan of longitudes per band, not a whole strip.
BAND_SQL = "CAST(latitude * 10 AS INTEGER)"
_TERMS_BY_TEXT = 24  # up to this many terms are looked for in the document's own term list


def near(session: Session, needs: ClientNeeds, cap: int = MAX_CANDIDATES) -> list[Any]:
    """Service-location ids within the radius that fit a need, nearest first.

    One statement on the search documents: the bounding box over the point, the fit by the
    document's terms (a need's term, its descendants and its parent) or its text (name,
    description, term names), then the exact distance here for the few left.

    Where the same needs found many more than ``cap`` last time, a smaller circle is asked
    first (about twice ``cap`` expected in it; half the radius for needs not asked in full
    yet in this process): when it holds ``cap`` or more, they are the
    nearest ``cap`` of the whole radius (every document outside is farther than each of
    them), so the answer is the same, from a box of a fraction of the area; else the whole
    radius is asked as before."""
    assert needs.lat is not None
    assert needs.lon is not None
    ids = facts.Ids(session)
    radius = needs.radius_km or 25
    fit = _document_fit(session, ids, needs.needs)
    hint = tuple(sorted(n.label for n in needs.needs))
    seen = _FOUND.get(hint)
    if seen is None or seen > 2 * cap:
        # needs not asked in full yet: half the radius (a quarter of the box) is tried first
        small = radius / 2 if seen is None else radius * math.sqrt(2 * cap / seen)
        if small < 0.8 * radius:
            close = _within(session, ids, needs.lat, needs.lon, small, fit)
            if len(close) >= cap:
                _remember(hint, int(len(close) * (radius / small) ** 2))  # as if evenly spread
                return [key for _, key in close[:cap]]
    close = _within(session, ids, needs.lat, needs.lon, radius, fit)
    _remember(hint, len(close))
    return [key for _, key in close[:cap]]


def _remember(hint: tuple[str, ...], found: int) -> None:
    if len(_FOUND) >= _HINTS:
        _FOUND.clear()
    _FOUND[hint] = found


# How many documents fitting these needs (by label) the whole radius held at the last match
# of them in this process (counted, or scaled up from a smaller circle's count): a hint for
# the size of the smaller circle, never an answer.
_FOUND: dict[tuple[str, ...], int] = {}
_HINTS = 1024


def _within(session: Session, ids: facts.Ids, lat: float, lon: float, radius: float, fit: Any) -> list[Any]:
    """(km, key) of the fitting documents within ``radius`` km, nearest first."""
    d = search_document.c
    min_lat, min_lon, max_lat, max_lon = geo.bbox(lat, lon, radius)
    stmt = select(ids.col(d.key), d.latitude, d.longitude).where(
        d.latitude.between(min_lat, max_lat), d.longitude.between(min_lon, max_lon)
    )
    if ids.sqlite:
        bands = range(int(min_lat * 10), int(max_lat * 10) + 1)  # int() truncates as CAST does
        stmt = stmt.where(literal_column(BAND_SQL).in_(list(bands)))
    if fit is not None:
        stmt = stmt.where(fit)
    found = session.connection().execute(stmt).all()
    if not found:
        return []
    dist = geo.distances_km(lat, lon, [r[1] for r in found], [r[2] for r in found]).tolist()
    return sorted((km, r[0]) for km, r in zip(dist, found, strict=True) if km <= radius)


def _document_fit(session: Session, ids: facts.Ids, needs: Sequence[Need]) -> Any:
    """Filed under a need's term, its descendants or its parent; or mentioning one phrase of
    each of its word groups in the name, description or term names."""
    if not needs:
        return None
    d = search_document.c
    term_ids = {uuid.UUID(t) for n in needs for t in n.term_ids | n.parent_ids}
    term_ids |= _word_terms(session, needs)
    conds = []
    if len(term_ids) <= _TERMS_BY_TEXT:  # the document's term ids are a text of hyphenated ids
        conds.extend(_holds(ids, d.term_ids, str(t)) for t in sorted(term_ids))
    else:
        t = search_document_term.c
        filed = select(literal(1)).where(t.doc_key == d.key, t.term_id.in_(sorted(term_ids)))
        conds.append(filed.exists())
    for n in needs:
        if n.word_groups():
            conds.append(_mentions(lambda w: _document_has(ids, w), n.word_groups()))
    return or_(*conds) if conds else literal(False)


def _holds(ids: facts.Ids, column: Any, part: str) -> Any:
    """The text holds ``part`` (a hyphenated id): ``LIKE '%part%'`` on SQLite; ``strpos`` on
    PostgreSQL, the same answer for a part without LIKE's wildcards at a third of the cost
    over the few thousand documents of a box."""
    if ids.sqlite:
        return column.contains(part, autoescape=False)
    return func.strpos(column, part) > 0


_WILDCARDS = frozenset("%_\\")


def _document_has(ids: facts.Ids, word: str) -> Any:
    """The word in the name, description or term names: each column apart, which costs
    SQLite half of one LIKE over their concatenation. SQLite's LIKE ignores ASCII case.
    PostgreSQL's ILIKE lowers text and pattern (in a UTF-8 database) and matches; for a word
    without wildcards ``strpos(lower(text), lower(word))`` is that same test, cheaper."""
    d = search_document.c
    pattern = f"%{word}%"
    columns = (d.name, d.description, d.taxonomy)
    if ids.sqlite:
        return or_(*(c.like(pattern) for c in columns))
    if _WILDCARDS & set(word):
        return or_(*(c.ilike(pattern) for c in columns))
    lowered = func.lower(literal(word))
    return or_(*(func.strpos(func.lower(c), lowered) > 0 for c in columns))


def gather_services(
    session: Session,
    service_ids: Sequence[str],
    *,
    tz: str | None = None,
    follow_through: FollowThrough | None = None,
    now: datetime | None = None,
) -> list[Candidate]:
    """The candidates of these services, at each of their locations, whatever the needs and
    the distance (a worker checking named services for one client)."""
    wanted = [uuid.UUID(s) for s in service_ids]
    stmt = select(ServiceAtLocation.id).where(ServiceAtLocation.service_id.in_(wanted))
    sal_ids = list(session.scalars(stmt.order_by(ServiceAtLocation.id)))
    rows = facts.rows_for(session, sal_ids) if sal_ids else []
    return facts.candidates(session, rows, tz, follow_through, now) if rows else []


def _base_rows(session: Session, needs: ClientNeeds) -> list[Any]:
    """Without the in-process index: the bounding box, the terms and the words in SQL."""
    stmt = facts.row_select(facts.Ids(session))
    if needs.lat is not None and needs.lon is not None:
        min_lat, min_lon, max_lat, max_lon = geo.bbox(needs.lat, needs.lon, needs.radius_km or 25)
        stmt = stmt.where(
            Location.latitude.between(min_lat, max_lat),
            Location.longitude.between(min_lon, max_lon),
        )
    if needs.needs:
        term_ids = {uuid.UUID(t) for n in needs.needs for t in n.term_ids | n.parent_ids}
        term_ids |= _word_terms(session, needs.needs)
        conds = []
        if term_ids:
            tagged = select(Attribute.link_id).where(Attribute.taxonomy_term_id.in_(term_ids))
            conds.append(Service.id.in_(tagged))
        for n in needs.needs:
            if n.word_groups():
                conds.append(_mentions(_text_has, n.word_groups()))
        stmt = stmt.where(or_(*conds) if conds else literal(False))
    if needs.lat is None or needs.lon is None:
        stmt = stmt.order_by(Service.name, ServiceAtLocation.id).limit(MAX_CANDIDATES)
    return list(session.execute(stmt))


def _text_has(word: str) -> Any:
    like = f"%{word}%"
    return or_(func.lower(Service.name).like(like), func.lower(Service.description).like(like))
