"""The query layer: catalog rows -> Candidate facts for the ranking core.

A fixed number of queries per match, whatever the number of candidates: one to gather
(bounding box from ``geo.bbox`` on the location index, taxonomy term with descendants, or
words in names, descriptions and term names), then one batch per kind of fact (attributes,
languages, schedules, capacity, service areas, documents, accessibility, referral history).
Columns are selected explicitly; no relationship is walked, so nothing lazy-loads.
"""

from __future__ import annotations

import re
import uuid
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

from sqlalchemy import and_, func, literal, or_, select
from sqlalchemy.orm import Session

import geo
from matching import populations as pop
from matching.core import Area, Candidate, Capacity, ClientNeeds, Need, ReferralStats
from matching.parse import InvalidField
from resources.hours import ScheduleRow
from resources.models import (
    Accessibility,
    Attribute,
    Language,
    Location,
    Organization,
    RequiredDocument,
    Schedule,
    Service,
    ServiceArea,
    ServiceAtLocation,
    ServiceCapacity,
    TaxonomyTerm,
    Unit,
)

MAX_CANDIDATES = 400  # the nearest this many fitting service locations are ranked
_WORD = re.compile(r"[\w'-]+")
_INSURANCE_WORDS = {
    "medicaid": "medicaid",
    "medicare": "medicare",
    "private": "private",
    "private insurance": "private",
    "commercial": "private",
    "none": "none",
    "uninsured": "none",
    "self-pay": "none",
    "self pay": "none",
    "sliding scale": "none",
    "free": "none",
}
_INSURANCE_LINKS = ("insurance", "payment_accepted", "insurance_accepted")

# Referral history per service: {service_id: (total, accepted, completed)}.
FollowThrough = Callable[[Session, list[uuid.UUID]], Mapping[uuid.UUID, tuple[int, int, int]]]


def resolve_needs(session: Session, raw: Sequence[str]) -> tuple[Need, ...]:
    """Each need as a taxonomy term id, code or name (with descendants), else as words."""
    return tuple(_resolve_one(session, text, i) for i, text in enumerate(raw))


def _resolve_one(session: Session, text: str, index: int) -> Need:
    terms: list[tuple[uuid.UUID, uuid.UUID | None, str]] = []
    cols = (TaxonomyTerm.id, TaxonomyTerm.parent_id, TaxonomyTerm.name)
    try:
        term_id = uuid.UUID(text)
    except ValueError:
        term_id = None
    if term_id is not None:
        terms = [tuple(r) for r in session.execute(select(*cols).where(TaxonomyTerm.id == term_id))]
        if not terms:
            raise InvalidField(f"needs[{index}]", f"needs[{index}]: no taxonomy term has id {text}")
    else:
        terms = [tuple(r) for r in session.execute(select(*cols).where(TaxonomyTerm.code == text))]
        if not terms:
            stmt = select(*cols).where(func.lower(TaxonomyTerm.name) == text.lower())
            terms = [tuple(r) for r in session.execute(stmt)]
    words = tuple(w.lower() for w in _WORD.findall(text) if not w.isdigit() or not terms)
    if not terms:
        if not words:
            raise InvalidField(f"needs[{index}]", f"needs[{index}] is empty")
        return Need(text, words=words)
    ids = {t[0] for t in terms}
    found = _descendants(session, ids)
    parents = {t[1] for t in terms if t[1] is not None} - found
    label = terms[0][2]
    return Need(
        label,
        frozenset(str(i) for i in found),
        frozenset(str(i) for i in parents),
        tuple(w.lower() for w in _WORD.findall(label)),
    )


def _descendants(session: Session, ids: set[uuid.UUID]) -> set[uuid.UUID]:
    tree = select(TaxonomyTerm.id).where(TaxonomyTerm.id.in_(ids)).cte("tree", recursive=True)
    tree = tree.union(select(TaxonomyTerm.id).where(TaxonomyTerm.parent_id == tree.c.id))
    return set(session.scalars(select(tree.c.id)))


def _word_terms(session: Session, needs: Iterable[Need]) -> set[uuid.UUID]:
    """Terms whose names hold a word need, so "detox" finds services filed under Detox."""
    conds = [
        and_(*(func.lower(TaxonomyTerm.name).like(f"%{w}%") for w in n.words))
        for n in needs
        if not n.term_ids and n.words
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
) -> list[Candidate]:
    """The candidates for one client: nearby service locations that fit at least one need."""
    rows = _base_rows(session, needs)
    if needs.lat is not None and needs.lon is not None and rows:
        dist = geo.distances_km(needs.lat, needs.lon, [r.lat for r in rows], [r.lon for r in rows])
        radius = needs.radius_km or float("inf")
        near = sorted((d, i) for i, d in enumerate(dist.tolist()) if d <= radius)
        rows = [rows[i] for _, i in near[:cap]]
    else:
        rows = rows[:cap]
    if not rows:
        return []
    return _facts(session, rows, tz, follow_through)


def _base_rows(session: Session, needs: ClientNeeds) -> list[Any]:
    stmt = (
        select(
            ServiceAtLocation.id.label("sal_id"),
            Service.id.label("service_id"),
            Location.id.label("location_id"),
            Service.name,
            Service.description,
            Service.status,
            Service.minimum_age,
            Service.maximum_age,
            Service.assured_date,
            Location.name.label("location_name"),
            Location.latitude.label("lat"),
            Location.longitude.label("lon"),
            Organization.name.label("org_name"),
        )
        .join(Service, Service.id == ServiceAtLocation.service_id)
        .join(Location, Location.id == ServiceAtLocation.location_id)
        .outerjoin(Organization, Organization.id == Service.organization_id)
    )
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
            if n.words:
                conds.append(and_(*(_text_has(w) for w in n.words)))
        stmt = stmt.where(or_(*conds) if conds else literal(False))
    if needs.lat is None or needs.lon is None:
        stmt = stmt.order_by(Service.name, ServiceAtLocation.id).limit(MAX_CANDIDATES)
    return list(session.execute(stmt))


def _text_has(word: str) -> Any:
    like = f"%{word}%"
    return or_(func.lower(Service.name).like(like), func.lower(Service.description).like(like))


def _facts(
    session: Session, rows: list[Any], tz: str | None, follow_through: FollowThrough | None
) -> list[Candidate]:
    service_ids = list({r.service_id for r in rows})
    location_ids = list({r.location_id for r in rows})
    sal_ids = [r.sal_id for r in rows]
    attrs = _attributes(session, service_ids)
    langs = _languages(session, service_ids, location_ids)
    schedules = _schedules(session, service_ids, location_ids, sal_ids)
    caps = _capacity(session, service_ids)
    areas = _areas(session, service_ids, sal_ids)
    docs = _documents(session, service_ids)
    access = _accessibility(session, location_ids)
    referrals = referral_stats(session, service_ids, follow_through)
    out = []
    for r in rows:
        a = attrs.get(r.service_id) or _Attrs()
        name = (
            r.name if not r.location_name or r.location_name == r.name else (f"{r.name} — {r.location_name}")
        )
        text = " ".join(x for x in (r.name, r.description, *a.term_names.values()) if x).lower()
        out.append(
            Candidate(
                service_id=str(r.service_id),
                location_id=str(r.location_id),
                name=name,
                status=str(r.status.value if hasattr(r.status, "value") else r.status),
                lat=r.lat,
                lon=r.lon,
                term_ids=frozenset(a.term_names),
                term_names=a.term_names,
                text=text,
                minimum_age=r.minimum_age,
                maximum_age=r.maximum_age,
                eligibility=frozenset(a.eligibility),
                audience=frozenset(a.audience),
                service_areas=tuple(areas.get(r.sal_id, ()) or areas.get(r.service_id, ())),
                required_documents=tuple(docs.get(r.service_id, ())),
                insurance=frozenset(a.insurance) if a.insurance else None,
                schedules=_pick_schedules(schedules, r),
                tz=tz,
                capacity=tuple(caps.get(r.service_id, ())),
                languages=frozenset(langs.get(r.service_id, set()) | langs.get(r.location_id, set())),
                accessibility=tuple(access.get(r.location_id, ())),
                pets=a.pets,
                assured_date=r.assured_date,
                referrals=referrals.get(r.service_id),
            )
        )
    return out


class _Attrs:
    __slots__ = ("term_names", "eligibility", "audience", "insurance", "pets")

    def __init__(self) -> None:
        self.term_names: dict[str, str] = {}
        self.eligibility: set[str] = set()
        self.audience: set[str] = set()
        self.insurance: set[str] = set()
        self.pets: bool | None = None


def _attributes(session: Session, service_ids: list[uuid.UUID]) -> dict[uuid.UUID, _Attrs]:
    stmt = (
        select(
            Attribute.link_id,
            Attribute.link_type,
            Attribute.value,
            TaxonomyTerm.id,
            TaxonomyTerm.code,
            TaxonomyTerm.name,
        )
        .outerjoin(TaxonomyTerm, TaxonomyTerm.id == Attribute.taxonomy_term_id)
        .where(Attribute.link_id.in_(service_ids))
        .where(or_(Attribute.link_entity.is_(None), Attribute.link_entity == "service"))
    )
    out: dict[uuid.UUID, _Attrs] = defaultdict(_Attrs)
    for link_id, link_type, value, term_id, code, name in session.execute(stmt):
        a = out[link_id]
        kind = (link_type or "").strip().lower()
        if kind in ("eligibility", "audience"):
            sit = pop.code_for_term(code, name)
            if sit:
                (a.eligibility if kind == "eligibility" else a.audience).add(sit)
            continue
        if kind in _INSURANCE_LINKS:
            plan = _INSURANCE_WORDS.get((value or name or "").strip().lower())
            if plan:
                a.insurance.add(plan)
            continue
        if kind == "pets":
            a.pets = (value or "yes").strip().lower() in ("yes", "true", "1", "allowed")
            continue
        if term_id is not None:
            a.term_names[str(term_id)] = name or code or str(term_id)
    return out


def _languages(
    session: Session, service_ids: list[uuid.UUID], location_ids: list[uuid.UUID]
) -> dict[uuid.UUID, set[str]]:
    stmt = select(Language.service_id, Language.location_id, Language.code, Language.name).where(
        or_(Language.service_id.in_(service_ids), Language.location_id.in_(location_ids))
    )
    out: dict[uuid.UUID, set[str]] = defaultdict(set)
    for service_id, location_id, code, name in session.execute(stmt):
        value = (code or "").strip().lower()[:2] or _language_code(name)
        if value:
            out[service_id or location_id].add(value)
    return out


def _language_code(name: str | None) -> str:
    from matching.reasons import LANGUAGES

    wanted = (name or "").strip().lower()
    return next((c for c, n in LANGUAGES.items() if n.lower() == wanted), "")


def _schedules(
    session: Session,
    service_ids: list[uuid.UUID],
    location_ids: list[uuid.UUID],
    sal_ids: list[uuid.UUID],
) -> dict[tuple[str, uuid.UUID], list[ScheduleRow]]:
    cols = [c for c in Schedule.__table__.columns]
    stmt = select(*cols).where(
        or_(
            Schedule.service_id.in_(service_ids),
            Schedule.location_id.in_(location_ids),
            Schedule.service_at_location_id.in_(sal_ids),
        )
    )
    out: dict[tuple[str, uuid.UUID], list[ScheduleRow]] = defaultdict(list)
    for row in session.execute(stmt).mappings():
        try:
            parsed = ScheduleRow.from_mapping(dict(row))
        except ValueError:
            continue  # a malformed row is reported by the catalog checks, not guessed here
        if row["service_at_location_id"]:
            out[("sal", row["service_at_location_id"])].append(parsed)
        elif row["service_id"]:
            out[("service", row["service_id"])].append(parsed)
        elif row["location_id"]:
            out[("location", row["location_id"])].append(parsed)
    return out


def _pick_schedules(
    schedules: dict[tuple[str, uuid.UUID], list[ScheduleRow]], r: Any
) -> tuple[ScheduleRow, ...]:
    """The most specific hours: this service here, else the service, else the location."""
    for key in (("sal", r.sal_id), ("service", r.service_id), ("location", r.location_id)):
        if schedules.get(key):
            return tuple(schedules[key])
    return ()


def _capacity(session: Session, service_ids: list[uuid.UUID]) -> dict[uuid.UUID, list[Capacity]]:
    stmt = (
        select(
            ServiceCapacity.service_id,
            Unit.name,
            ServiceCapacity.available,
            ServiceCapacity.maximum,
            ServiceCapacity.updated,
        )
        .join(Unit, Unit.id == ServiceCapacity.unit_id)
        .where(ServiceCapacity.service_id.in_(service_ids))
    )
    out: dict[uuid.UUID, list[Capacity]] = defaultdict(list)
    for service_id, unit, available, maximum, updated in session.execute(stmt):
        unit_name = (unit or "").strip()
        if unit_name and not unit_name.endswith("s"):
            unit_name += "s"
        out[service_id].append(Capacity(unit_name or None, available, maximum, updated))
    return out


def _areas(
    session: Session, service_ids: list[uuid.UUID], sal_ids: list[uuid.UUID]
) -> dict[uuid.UUID, list[Area]]:
    stmt = select(
        ServiceArea.service_id,
        ServiceArea.service_at_location_id,
        ServiceArea.name,
        ServiceArea.description,
        ServiceArea.extent,
        ServiceArea.extent_type,
    ).where(
        or_(
            ServiceArea.service_id.in_(service_ids),
            ServiceArea.service_at_location_id.in_(sal_ids),
        )
    )
    out: dict[uuid.UUID, list[Area]] = defaultdict(list)
    for service_id, sal_id, name, description, extent, extent_type in session.execute(stmt):
        record = {"name": name or description, "extent": extent, "extent_type": extent_type}
        area = geo.service_area_from_hsds(record)
        out[sal_id or service_id].append(Area(name or description, area))
    return out


def _documents(session: Session, service_ids: list[uuid.UUID]) -> dict[uuid.UUID, list[str]]:
    stmt = select(RequiredDocument.service_id, RequiredDocument.document).where(
        RequiredDocument.service_id.in_(service_ids)
    )
    out: dict[uuid.UUID, list[str]] = defaultdict(list)
    for service_id, document in session.execute(stmt):
        if document:
            out[service_id].append(document)
    return out


def _accessibility(session: Session, location_ids: list[uuid.UUID]) -> dict[uuid.UUID, list[str]]:
    stmt = select(Accessibility.location_id, Accessibility.description, Accessibility.details).where(
        Accessibility.location_id.in_(location_ids)
    )
    out: dict[uuid.UUID, list[str]] = defaultdict(list)
    for location_id, description, details in session.execute(stmt):
        out[location_id].append(" ".join(x for x in (description, details) if x))
    return out


def referral_stats(
    session: Session, service_ids: list[uuid.UUID], follow_through: FollowThrough | None
) -> dict[uuid.UUID, ReferralStats]:
    """Past referrals per service: ``{service_id: (total, accepted, completed)}``.

    Matching and referrals are sibling packages, so the referral workflow supplies the
    counts as a function (the app keeps it in ``app.extensions["follow_through"]``);
    without one, every provider gets the prior.
    """
    if follow_through is None:
        return {}
    return {sid: ReferralStats(*v) for sid, v in follow_through(session, service_ids).items()}
