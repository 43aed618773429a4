"""Batch loaders: the facts of the chosen candidates, one query per kind of fact.

Hot path of every match. Ids travel as the database hands them over: on SQLite the 32-hex
text stored for a UUID, passed back as one JSON parameter (``IN (SELECT value FROM
json_each(?))``) instead of a hundred bound values; on PostgreSQL as native UUIDs in one
array parameter (``= ANY(?)``). This halves the time spent in the driver and in
SQLAlchemy's parameter expansion at 100 candidates; candidate ids are turned into
canonical UUID strings once, at the end.
"""

from __future__ import annotations

import json
import re
import uuid
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any

from sqlalchemy import (
    String,
    any_,
    bindparam,
    cast,
    func,
    literal,
    literal_column,
    null,
    or_,
    select,
    type_coerce,
    union_all,
)
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Session

import geo
from catalog import capacity, rules
from catalog.models import (
    Accessibility,
    Attribute,
    CostOption,
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
from hours import ScheduleRow, most_specific
from kernel.db import UTCDateTime
from matching import populations as pop
from matching.types import Area, Candidate, Capacity, ReferralStats

# Referral history per service: {service_id: (total, accepted, completed, mean hours to answer
# or None)}; the fields of ReferralStats, in order.
FollowThrough = Callable[[Session, list[uuid.UUID]], Mapping[uuid.UUID, tuple[int, int, int, float | None]]]

Run = Callable[[str, Callable[["Ids"], Any]], Any]  # executes a named statement with the ids
_SCHEDULE_FIELDS = tuple(c.key for c in Schedule.__table__.columns if c.key not in ("id",))


class Ids:
    """How ids are read and matched on this database (see the module docstring)."""

    def __init__(self, session: Session) -> None:
        self.sqlite = session.get_bind().dialect.name == "sqlite"

    def col(self, column: Any) -> Any:
        return type_coerce(column, String) if self.sqlite else column

    def in_(self, column: Any, name: str) -> Any:
        """``column IN :name``, where :name is bound with ``values()``: on PostgreSQL
        ``= ANY(:name)`` with one array, so the statement's text is the same for any number
        of ids (no expanded list to render and parse; the driver can prepare it once)."""
        if not self.sqlite:
            return column == any_(bindparam(name, type_=ARRAY(column.type)))
        values = select(literal_column("value")).select_from(func.json_each(bindparam(name)))
        return type_coerce(column, String).in_(values.scalar_subquery())

    def values(self, ids: Iterable[Any]) -> Any:
        if not self.sqlite:
            return list(ids)
        return json.dumps([i.hex if isinstance(i, uuid.UUID) else i for i in ids])

    @staticmethod
    def canon(value: Any) -> str:
        """The canonical hyphenated text; SQLite's 32 lowercase hex digits are cut into it
        directly (what ``str(uuid.UUID(value))`` gives, without making 120 UUIDs a match)."""
        if isinstance(value, str) and _HEX32.fullmatch(value):
            return f"{value[:8]}-{value[8:12]}-{value[12:16]}-{value[16:20]}-{value[20:]}"
        return str(value if isinstance(value, uuid.UUID) else uuid.UUID(value))


_HEX32 = re.compile(r"[0-9a-f]{32}")
_STATEMENTS: dict[tuple[str, bool], Any] = {}


def _statement(name: str, ids: Ids, build: Callable[[Ids], Any]) -> Any:
    """Each statement is built once per dialect: building one costs more than running it."""
    key = (name, ids.sqlite)
    stmt = _STATEMENTS.get(key)
    if stmt is None:
        stmt = _STATEMENTS[key] = build(ids)
    return stmt


def row_select(ids: Ids) -> Any:
    """The service, location and organization columns of each chosen service location."""
    return (
        select(
            ids.col(ServiceAtLocation.id).label("sal_id"),
            ids.col(Service.id).label("service_id"),
            ids.col(Location.id).label("location_id"),
            Service.name,
            Service.description,
            Service.status,
            Service.minimum_age,
            Service.maximum_age,
            Service.assured_date,
            Service.eligibility_description,
            Service.fees,
            Service.fees_description,
            Location.name.label("location_name"),
            Location.latitude.label("lat"),
            Location.longitude.label("lon"),
            Organization.name.label("org_name"),
        )
        .join(Service, Service.id == ServiceAtLocation.service_id)
        .join(Location, Location.id == ServiceAtLocation.location_id)
        .outerjoin(Organization, Organization.id == Service.organization_id)
    )


def rows_for(session: Session, sal_ids: list[Any]) -> list[Any]:
    """Rows for these service locations, in the order given."""
    ids = Ids(session)
    stmt = _statement("rows", ids, lambda i: row_select(i).where(i.in_(ServiceAtLocation.id, "sal_ids")))
    found = {r.sal_id: r for r in session.connection().execute(stmt, {"sal_ids": ids.values(sal_ids)}).all()}
    keys = [i.hex if ids.sqlite and isinstance(i, uuid.UUID) else i for i in sal_ids]
    return [found[k] for k in keys if k in found]


def candidates(
    session: Session,
    rows: list[Any],
    tz: str | None,
    follow_through: FollowThrough | None,
    now: datetime | None = None,
) -> list[Candidate]:
    ids = Ids(session)
    now = now or datetime.now(UTC)
    service_ids = list({r.service_id for r in rows})
    location_ids = list({r.location_id for r in rows})
    sal_ids = [r.sal_id for r in rows]
    params = {
        "service_ids": ids.values(service_ids),
        "location_ids": ids.values(location_ids),
        "sal_ids": ids.values(sal_ids),
        "now": now,
    }

    conn = session.connection()  # Core rows: plain columns, no ORM loading; .all() fetches at once

    def run(name: str, build: Callable[[Ids], Any]) -> Any:
        return conn.execute(_statement(name, ids, build), params)

    attrs = _attributes(run)
    langs, docs, costs, access = _small_facts(run)
    schedules = _schedules(run)
    caps = _capacity(run, now)
    areas = _areas(run)
    referrals = _referrals(session, service_ids, follow_through)
    out = []
    for r in rows:
        a = attrs.get(r.service_id) or _Attrs()
        name = r.name
        if r.location_name and r.location_name != r.name:
            name = f"{r.name} — {r.location_name}"
        text = " ".join(x for x in (r.name, r.description, *a.term_names.values()) if x).lower()
        # Who may come and what it costs, by the rules the page and search use.
        genders = rules.admitted_genders(a.restricting, r.eligibility_description)
        eligible = {c for c in a.eligibility if c not in rules.GENDER_CODES}
        eligible |= {rules.CODE_OF_GENDER[g] for g in genders}
        fee_text = " ".join(x for x in (r.fees, r.fees_description) if x)
        out.append(
            Candidate(
                service_id=ids.canon(r.service_id),
                location_id=ids.canon(r.location_id),
                name=name,
                status=str(getattr(r.status, "value", r.status)),
                lat=r.lat,
                lon=r.lon,
                term_ids=frozenset(a.term_names),
                term_names=a.term_names,
                text=text,
                minimum_age=r.minimum_age,
                maximum_age=r.maximum_age,
                eligibility=frozenset(eligible),
                audience=frozenset(a.audience),
                service_areas=tuple(areas.get(r.sal_id, ()) or areas.get(r.service_id, ())),
                required_documents=tuple(docs.get(r.service_id, ())),
                insurance=rules.plans_accepted(a.payment),
                cost=rules.cost(costs.get(r.service_id, ()), fee_text, a.all_names),
                schedules=_pick_schedules(schedules, r),
                tz=tz,
                capacity=tuple(caps.get(r.service_id, ())),
                languages=frozenset(langs.get(r.service_id, set()) | langs.get(r.location_id, set())),
                accessibility=rules.accessibility(access.get(r.location_id, ()), a.all_names),
                pets=rules.pets_allowed(a.pets),
                assured_date=r.assured_date,
                referrals=referrals.get(r.service_id),
            )
        )
    return out


class _Attrs:
    """A service's attributes as the rules in ``catalog.rules`` read them."""

    __slots__ = ("term_names", "eligibility", "audience", "restricting", "payment", "pets", "all_names")

    def __init__(self) -> None:
        self.term_names: dict[str, str] = {}
        self.eligibility: set[str] = set()
        self.audience: set[str] = set()
        self.restricting: list[tuple[str | None, str | None]] = []  # (code, name) of eligibility terms
        self.payment: list[tuple[str | None, str | None, str | None]] = []
        self.pets: list[str | None] = []
        self.all_names: list[str] = []


def _attributes_stmt(ids: Ids) -> Any:
    return (
        select(
            ids.col(Attribute.link_id),
            Attribute.link_type,
            Attribute.value,
            TaxonomyTerm.id,
            TaxonomyTerm.code,
            TaxonomyTerm.name,
        )
        .outerjoin(TaxonomyTerm, TaxonomyTerm.id == Attribute.taxonomy_term_id)
        .where(ids.in_(Attribute.link_id, "service_ids"))
        .where(or_(Attribute.link_entity.is_(None), Attribute.link_entity == "service"))
    )


def _attributes(run: Run) -> dict[Any, _Attrs]:
    out: dict[Any, _Attrs] = defaultdict(_Attrs)
    for link_id, link_type, value, term_id, code, name in run("attributes", _attributes_stmt).all():
        a = out[link_id]
        kind = (link_type or "").strip().lower()
        if name:
            a.all_names.append(name)
        if kind in ("eligibility", "audience"):
            if kind == "eligibility":
                a.restricting.append((code, name) if term_id is not None else (None, value))
            sit = pop.code_for_term(code, name)
            if sit:
                (a.eligibility if kind == "eligibility" else a.audience).add(sit)
            continue
        if kind in rules.PAYMENT_LINKS:
            a.payment.append((kind, value, name))
            continue
        if kind == "pets":
            a.pets.append(value)
            continue
        if term_id is not None:
            a.term_names[str(term_id)] = name or code or str(term_id)
    return out


def _small_facts_stmt(ids: Ids) -> Any:
    """Languages, required documents, cost options and accessibility in one statement (one
    round trip instead of four): each branch gives its kind, its key and up to three texts."""

    def branch(kind: str, key: Any, *texts: Any) -> Any:
        cols = [*texts, *([null()] * (3 - len(texts)))]
        return select(literal(kind), ids.col(key), *(c.label(f"t{i}") for i, c in enumerate(cols)))

    # One branch per key: an OR of two IN lists makes SQLite scan the table.
    return union_all(
        branch("lang", Language.service_id, Language.code, Language.name).where(
            ids.in_(Language.service_id, "service_ids")
        ),
        # a language of a service at one place counts for that service (as the page reads it)
        branch(
            "lang", func.coalesce(Language.service_id, Language.location_id), Language.code, Language.name
        ).where(ids.in_(Language.location_id, "location_ids")),
        branch("doc", RequiredDocument.service_id, RequiredDocument.document).where(
            ids.in_(RequiredDocument.service_id, "service_ids")
        ),
        branch(
            "cost",
            CostOption.service_id,
            CostOption.option,
            cast(CostOption.amount, String),
            CostOption.amount_description,
        ).where(ids.in_(CostOption.service_id, "service_ids")),
        branch("access", Accessibility.location_id, Accessibility.description, Accessibility.details).where(
            ids.in_(Accessibility.location_id, "location_ids")
        ),
    )


Small = tuple[
    dict[Any, set[str]], dict[Any, list[str]], dict[Any, list[tuple[Any, Any, Any]]], dict[Any, list[str]]
]


def _small_facts(run: Run) -> Small:
    """Per key: the languages (by ``rules.languages``), the required documents, the cost
    options (option, amount, description) for ``rules.cost`` and the accessibility lines."""
    langs: dict[Any, set[str]] = defaultdict(set)
    docs: dict[Any, list[str]] = defaultdict(list)
    costs: dict[Any, list[tuple[Any, Any, Any]]] = defaultdict(list)
    access: dict[Any, list[str]] = defaultdict(list)
    for kind, key, a, b, c in run("small", _small_facts_stmt).all():
        if kind == "lang":
            langs[key] |= rules.languages([(a, b)])
        elif kind == "doc":
            if a:
                docs[key].append(a)
        elif kind == "cost":
            costs[key].append((a, float(b) if b is not None else None, c))
        else:
            access[key].append(" ".join(x for x in (a, b) if x))
    return langs, docs, costs, access


def _schedules_stmt(ids: Ids) -> Any:
    cols = [
        ids.col(Schedule.id).label("id"),
        ids.col(Schedule.service_id).label("service_id"),
        ids.col(Schedule.location_id).label("location_id"),
        ids.col(Schedule.service_at_location_id).label("service_at_location_id"),
        *(getattr(Schedule, f) for f in _SCHEDULE_FIELDS if not f.endswith("_id")),
    ]
    # No "IS NULL" filters: on SQLite they walk the whole index of a mostly-NULL column.
    return union_all(
        select(*cols).where(ids.in_(Schedule.service_at_location_id, "sal_ids")),
        select(*cols).where(ids.in_(Schedule.service_id, "service_ids")),
        select(*cols).where(ids.in_(Schedule.location_id, "location_ids")),
    )


def _schedules(run: Run) -> dict[tuple[str, Any], list[ScheduleRow]]:
    out: dict[tuple[str, Any], list[ScheduleRow]] = defaultdict(list)
    seen: set[Any] = set()
    for row in run("schedules", _schedules_stmt).mappings().all():
        if row["id"] in seen:
            continue
        seen.add(row["id"])
        parsed = _schedule_row(tuple((k, v) for k, v in row.items() if not k.endswith("id")))
        if parsed is None:
            continue  # a malformed row is reported by the catalog checks, not guessed here
        if row["service_at_location_id"]:
            out[("sal", row["service_at_location_id"])].append(parsed)
        elif row["service_id"]:
            out[("service", row["service_id"])].append(parsed)
        elif row["location_id"]:
            out[("location", row["location_id"])].append(parsed)
    return out


@lru_cache(maxsize=20_000)
def _schedule_row(items: tuple[tuple[str, Any], ...]) -> ScheduleRow | None:
    """Parsed once per distinct content: most rows repeat (Mon-Fri 9-5) and parsing is not free."""
    try:
        return ScheduleRow.from_mapping(dict(items))
    except ValueError:
        return None


def _pick_schedules(schedules: dict[tuple[str, Any], list[ScheduleRow]], r: Any) -> tuple[ScheduleRow, ...]:
    """The most specific hours: this service here, else the service, else the location."""
    return tuple(
        most_specific(
            schedules.get(("sal", r.sal_id)),
            schedules.get(("service", r.service_id)),
            schedules.get(("location", r.location_id)),
        )
    )


def _capacity_stmt(ids: Ids) -> Any:
    # The holds counted against each figure (catalog.capacity), aggregated in the same query.
    held = capacity.held_subquery(bindparam("now", type_=UTCDateTime)).subquery()
    return (
        select(
            ids.col(ServiceCapacity.service_id),
            Unit.name,
            ServiceCapacity.available,
            ServiceCapacity.maximum,
            ServiceCapacity.updated,
            held.c.held,
        )
        .join(Unit, Unit.id == ServiceCapacity.unit_id)
        .outerjoin(held, held.c.capacity_id == ServiceCapacity.id)
        .where(ids.in_(ServiceCapacity.service_id, "service_ids"))
    )


def _capacity(run: Run, now: datetime) -> dict[Any, list[Capacity]]:
    """Each figure as free places now: the figure less its holds, by the catalog's one rule."""
    out: dict[Any, list[Capacity]] = defaultdict(list)
    for service_id, unit, available, maximum, updated, held in run("capacity", _capacity_stmt).all():
        free = rules.free_places(None, available, maximum, updated, now, 0, held or 0).available
        out[service_id].append(Capacity((unit or "").strip() or None, free, maximum, updated))
    return out


def _areas_stmt(ids: Ids) -> Any:
    cols = (
        ids.col(ServiceArea.service_id),
        ids.col(ServiceArea.service_at_location_id),
        ServiceArea.name,
        ServiceArea.description,
        ServiceArea.extent,
        ServiceArea.extent_type,
    )
    return union_all(
        select(*cols).where(ids.in_(ServiceArea.service_id, "service_ids")),
        select(*cols).where(ids.in_(ServiceArea.service_at_location_id, "sal_ids")),
    )


def _areas(run: Run) -> dict[Any, list[Area]]:
    out: dict[Any, list[Area]] = defaultdict(list)
    seen: set[tuple[Any, ...]] = set()
    for row in run("areas", _areas_stmt).all():
        if tuple(row) in seen:
            continue
        seen.add(tuple(row))
        service_id, sal_id, name, description, extent, extent_type = row
        record = {"name": name or description, "extent": extent, "extent_type": extent_type}
        out[sal_id or service_id].append(Area(name or description, _area(record)))
    return out


def _area(record: dict[str, Any]) -> Any:
    key = (record["name"], record["extent"], record["extent_type"])
    return _area_cached(*key)


@lru_cache(maxsize=5_000)
def _area_cached(name: str | None, extent: str | None, extent_type: str | None) -> Any:
    """Resolving a named area or parsing a polygon is slow; areas repeat across services."""
    return geo.service_area_from_hsds({"name": name, "extent": extent, "extent_type": extent_type})


def _referrals(
    session: Session, service_ids: list[Any], follow_through: FollowThrough | None
) -> dict[Any, ReferralStats]:
    """Past referrals per service, from the function the referral workflow supplies.

    Matching and referrals are sibling packages, so the app keeps that function in
    ``app.extensions["follow_through"]``; without one every provider gets the prior.
    """
    if follow_through is None:
        return {}
    by_uuid = {uuid.UUID(Ids.canon(s)): s for s in service_ids}
    counts = follow_through(session, list(by_uuid))
    return {by_uuid[k]: ReferralStats(*v) for k, v in counts.items() if k in by_uuid}
