"""The query layer: catalog rows -> Candidate facts for the ranking core.

A fixed number of queries per match, whatever the number of candidates: the nearby
service locations that fit a need (from the in-process index of ``matching.points``, or
in SQL from the bounding box of ``geo.bbox`` on the location index, the taxonomy term with
its descendants and words in names, descriptions and term names), then one batch per kind
of fact (``matching.facts``). Columns are selected explicitly; no relationship is walked,
so nothing lazy-loads.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable, Iterable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import and_, func, literal, or_, select
from sqlalchemy.orm import Session

import geo
from catalog.models import Attribute, Location, Service, ServiceAtLocation, TaxonomyTerm
from matching import facts
from matching.facts import FollowThrough
from matching.parse import InvalidField
from matching.points import Points
from matching.types import Candidate, ClientNeeds, Need
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


def _resolve_one(session: Session, text: str, index: int) -> Need:
    terms: list[tuple[uuid.UUID, uuid.UUID | None, str]] = []
    try:
        term_id = uuid.UUID(text)
    except ValueError:
        term_id = None
    if term_id is not None:
        terms = [tuple(r) for r in session.execute(select(*_COLS).where(TaxonomyTerm.id == term_id))]
        if not terms:
            raise InvalidField(f"needs[{index}]", f"needs[{index}]: no taxonomy term has id {text}")
    else:
        terms = [tuple(r) for r in session.execute(select(*_COLS).where(TaxonomyTerm.code == text))]
        if not terms:
            stmt = select(*_COLS).where(func.lower(TaxonomyTerm.name) == text.lower())
            terms = [tuple(r) for r in session.execute(stmt)]
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


def _descendants(session: Session, ids: set[uuid.UUID]) -> set[uuid.UUID]:
    tree = select(TaxonomyTerm.id).where(TaxonomyTerm.id.in_(ids)).cte("tree", recursive=True)
    tree = tree.union(select(TaxonomyTerm.id).where(TaxonomyTerm.parent_id == tree.c.id))
    return set(session.scalars(select(tree.c.id)))


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
    points: Points | None = None,
    now: datetime | None = None,
) -> list[Candidate]:
    """The candidates for one client: nearby service locations that fit at least one need.

    With ``points`` (an in-process index, see ``matching.points``) the nearby fitting
    service locations come from memory and only their facts from SQL; without it, from SQL.
    """
    if points is not None:
        order = points.near(needs, cap)
        if not order:
            return []
        rows = facts.rows_for(session, order)
    else:
        rows = _base_rows(session, needs)
        if needs.lat is not None and needs.lon is not None and rows:
            lats, lons = [r.lat for r in rows], [r.lon for r in rows]
            dist = geo.distances_km(needs.lat, needs.lon, lats, lons)
            radius = needs.radius_km or float("inf")
            near = sorted((d, i) for i, d in enumerate(dist.tolist()) if d <= radius)
            rows = [rows[i] for _, i in near[:cap]]
        else:
            rows = rows[:cap]
    if not rows:
        return []
    return facts.candidates(session, rows, tz, follow_through, now)


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
