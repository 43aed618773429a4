"""Reads behind the HSDS API and the exporters: filters, pages, chunks, explicit loading.

Every query says what it loads. A fully nested record walks a few dozen relationships; they
are loaded with one query per relationship path (`load_nested`, or `hsds.rows` for
pages and exports), so the number of queries depends on the shape of HSDS and never on the
number of records (a test counts them).
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from sqlalchemy import Select, and_, exists, func, or_, select
from sqlalchemy.orm import Session, selectinload
from sqlalchemy.orm.attributes import set_committed_value
from sqlalchemy.orm.strategy_options import _AbstractLoad

from catalog.models import (
    Address,
    Attribute,
    Catalog,
    Location,
    Metadata,
    Organization,
    Service,
    ServiceArea,
    ServiceAtLocation,
    Taxonomy,
    TaxonomyTerm,
)
from geo import bbox, distance_km, service_area_from_hsds
from hsds.mapping import NEST, NO_ATTRIBUTES

T = TypeVar("T", bound=Catalog)
# Fills relationships of a batch of records after they are read.
Loader = Callable[[Session, Sequence[Any]], None]

# Rows per chunk when streaming (NDJSON, export): bounded memory, few round trips.
CHUNK = 200


def load_relationship(session: Session, parents: Sequence[Any], model: type[Catalog], rel: str) -> list[Any]:
    """Fill `rel` on every parent with one query per 500 parents; returns the children.

    What selectinload does, without carrying a loader-option tree: nested option trees as
    deep as a full HSDS service cost more to key for the statement cache than the queries.
    """
    prop = model.__mapper__.relationships[rel]
    local_col, remote_col = prop.local_remote_pairs[0]
    local_key = model.__mapper__.get_property_by_column(local_col).key
    target = prop.mapper.class_
    remote_key = prop.mapper.get_property_by_column(remote_col).key
    keys = sorted({k for p in parents if (k := getattr(p, local_key)) is not None}, key=str)
    groups: dict[Any, list[Any]] = {}
    order = [remote_col, target.id] if prop.uselist else [target.id]
    if target is Metadata:
        order = [Metadata.last_action_date, Metadata.id]
    for start in range(0, len(keys), 500):
        stmt = select(target).where(remote_col.in_(keys[start : start + 500])).order_by(*order)
        for child in session.scalars(stmt):
            groups.setdefault(getattr(child, remote_key), []).append(child)
    children: dict[int, Any] = {}
    for parent in parents:
        found = groups.get(getattr(parent, local_key), [])
        for child in found:
            children[id(child)] = child
        set_committed_value(parent, rel, list(found) if prop.uselist else (found[0] if found else None))
    return list(children.values())


def load_nested(session: Session, parents: Sequence[Any], model: type[Catalog]) -> None:
    """Load everything `to_hsds(obj, full=True)` walks under these records, level by level.

    One query per relationship path (a few dozen for a service), however many records.
    """
    if not parents:
        return
    table = model.__tablename__
    for rel in NEST.get(table, {}).values():
        target = model.__mapper__.relationships[rel].mapper.class_
        load_nested(session, load_relationship(session, parents, model, rel), target)
    if table not in NO_ATTRIBUTES:
        load_nested(session, load_relationship(session, parents, model, "attributes"), Attribute)
    load_relationship(session, parents, model, "change_log")


def list_service_options() -> list[_AbstractLoad]:
    """A service list item carries its organization and program (one-to-one fields only)."""
    return [selectinload(Service.organization), selectinload(Service.program)]


def list_sal_options() -> list[_AbstractLoad]:
    return [
        selectinload(ServiceAtLocation.location),
        selectinload(ServiceAtLocation.service).options(*list_service_options()),
    ]


def full_sals(session: Session, sals: Sequence[ServiceAtLocation]) -> None:
    """Nested service_at_locations, each with its service's one-to-one fields."""
    load_nested(session, sals, ServiceAtLocation)
    services = load_relationship(session, sals, ServiceAtLocation, "service")
    for rel in ("organization", "program"):
        load_relationship(session, services, Service, rel)


def full_organizations(full_service: bool) -> Loader:
    def load(session: Session, orgs: Sequence[Organization]) -> None:
        load_nested(session, orgs, Organization)
        services = load_relationship(session, orgs, Organization, "services")
        if full_service:
            load_nested(session, services, Service)

    return load


def full_records(model: type[Catalog]) -> Loader:
    def load(session: Session, rows: Sequence[Any]) -> None:
        load_nested(session, rows, model)

    return load


# ---------------------------------------------------------------- filters


@dataclass(frozen=True)
class Near:
    """A point and a radius: the centroid of a postcode and `proximity` in metres."""

    lat: float
    lon: float
    metres: float


@dataclass(frozen=True)
class ServiceFilters:
    """The HSDS API's service filters; every one given must hold (AND)."""

    search: str | None = None
    taxonomy_term_id: uuid.UUID | None = None
    taxonomy_id: uuid.UUID | None = None
    organization_id: uuid.UUID | None = None
    modified_after: dt.datetime | None = None


@dataclass(frozen=True)
class PlaceFilters:
    """Where a service at a location must be: a postcode, or a radius around its centroid."""

    postcode: str | None = None
    centroid: tuple[float, float] | None = None
    near: Near | None = None


def _words(text: str) -> list[str]:
    return [w for w in text.split() if w][:8]


def _like(column: Any, word: str) -> Any:
    escaped = word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return column.ilike(f"%{escaped}%", escape="\\")


def filter_services(stmt: Select[Any], f: ServiceFilters, service_id: Any = Service.id) -> Select[Any]:
    """Apply the filters to a statement over services (or over anything with a service id)."""
    if f.search:
        # Every word must appear in the name or the description (a plain text match).
        for word in _words(f.search):
            stmt = stmt.where(
                service_id.in_(
                    select(Service.id).where(or_(_like(Service.name, word), _like(Service.description, word)))
                )
            )
    if f.taxonomy_term_id is not None:
        stmt = stmt.where(
            exists().where(Attribute.link_id == service_id, Attribute.taxonomy_term_id == f.taxonomy_term_id)
        )
    if f.taxonomy_id is not None:
        stmt = stmt.where(
            exists().where(
                Attribute.link_id == service_id,
                Attribute.taxonomy_term_id == TaxonomyTerm.id,
                TaxonomyTerm.taxonomy_id == f.taxonomy_id,
            )
        )
    if f.organization_id is not None:
        stmt = stmt.where(
            service_id.in_(select(Service.id).where(Service.organization_id == f.organization_id))
        )
    if f.modified_after is not None:
        stmt = stmt.where(service_id.in_(select(Service.id).where(Service.last_modified >= f.modified_after)))
    return stmt


def services_stmt(f: ServiceFilters) -> Select[Any]:
    return filter_services(select(Service), f)


def sals_stmt(f: ServiceFilters, place: PlaceFilters, session: Session) -> Select[Any]:
    stmt = filter_services(select(ServiceAtLocation), f, ServiceAtLocation.service_id)
    if place.near is not None:
        ids = sal_ids_near(session, place.near)
        stmt = stmt.where(ServiceAtLocation.id.in_(ids))
    elif place.postcode:
        stmt = stmt.where(_postcode_condition(session, place.postcode, place.centroid))
    return stmt


def sal_ids_near(session: Session, near: Near) -> list[uuid.UUID]:
    """Services at locations within `near.metres` of the point (box in SQL, exact in Python)."""
    min_lat, min_lon, max_lat, max_lon = bbox(near.lat, near.lon, near.metres / 1000.0)
    rows = session.execute(
        select(ServiceAtLocation.id, Location.latitude, Location.longitude)
        .join(Location, ServiceAtLocation.location_id == Location.id)
        .where(
            Location.latitude.between(min_lat, max_lat),
            Location.longitude.between(min_lon, max_lon),
        )
    )
    return [
        sal_id
        for sal_id, lat, lon in rows
        if distance_km(near.lat, near.lon, lat, lon) * 1000.0 <= near.metres
    ]


def _postcode_condition(session: Session, postcode: str, centroid: tuple[float, float] | None) -> Any:
    """The spec: where a service area is known, the postcode must lie in it; else the address.

    An area we cannot read (free text no boundary resolves) counts as unknown, and the
    location's own address decides.
    """
    pc = postcode.strip()
    at_address = exists().where(
        Address.location_id == ServiceAtLocation.location_id,
        or_(func.upper(Address.postal_code) == pc.upper(), Address.postal_code.like(f"{pc}-%")),
    )
    if centroid is None:
        return at_address
    covered, known = _area_coverage(session, centroid)
    covered_cond = or_(
        ServiceAtLocation.id.in_(covered["sal"]), ServiceAtLocation.service_id.in_(covered["service"])
    )
    unknown = and_(
        ServiceAtLocation.id.not_in(known["sal"]), ServiceAtLocation.service_id.not_in(known["service"])
    )
    return or_(covered_cond, and_(unknown, at_address))


def _area_coverage(
    session: Session, point: tuple[float, float]
) -> tuple[dict[str, set[uuid.UUID]], dict[str, set[uuid.UUID]]]:
    covered: dict[str, set[uuid.UUID]] = {"sal": set(), "service": set()}
    known: dict[str, set[uuid.UUID]] = {"sal": set(), "service": set()}
    rows = session.execute(
        select(
            ServiceArea.service_id,
            ServiceArea.service_at_location_id,
            ServiceArea.name,
            ServiceArea.extent,
            ServiceArea.extent_type,
        )
    )
    for service_id, sal_id, name, extent, extent_type in rows:
        area = service_area_from_hsds({"name": name, "extent": extent, "extent_type": extent_type})
        answer = area.covers(*point)
        if answer is None:
            continue
        kind, key = ("sal", sal_id) if sal_id else ("service", service_id)
        if key is None:
            continue
        known[kind].add(key)
        if answer:
            covered[kind].add(key)
    return covered, known


def organizations_stmt(search: str | None) -> Select[Any]:
    stmt = select(Organization)
    for word in _words(search or ""):
        stmt = stmt.where(or_(_like(Organization.name, word), _like(Organization.description, word)))
    return stmt


def taxonomies_stmt(search: str | None) -> Select[Any]:
    stmt = select(Taxonomy)
    for word in _words(search or ""):
        stmt = stmt.where(or_(_like(Taxonomy.name, word), _like(Taxonomy.description, word)))
    return stmt


def terms_stmt(
    search: str | None,
    taxonomy_id: uuid.UUID | None = None,
    top_only: bool = False,
    parent_id: uuid.UUID | None = None,
) -> Select[Any]:
    stmt = select(TaxonomyTerm)
    for word in _words(search or ""):
        stmt = stmt.where(
            or_(
                _like(TaxonomyTerm.name, word),
                _like(TaxonomyTerm.description, word),
                _like(TaxonomyTerm.code, word),
            )
        )
    if taxonomy_id is not None:
        stmt = stmt.where(TaxonomyTerm.taxonomy_id == taxonomy_id)
    if top_only:
        stmt = stmt.where(TaxonomyTerm.parent_id.is_(None))
    if parent_id is not None:
        stmt = stmt.where(TaxonomyTerm.parent_id == parent_id)
    return stmt


# ---------------------------------------------------------------- pages and chunks


def _entity(stmt: Select[Any]) -> Any:
    return stmt.column_descriptions[0]["entity"]


def _ordered(stmt: Select[Any]) -> Select[Any]:
    model = _entity(stmt)
    name = getattr(model, "name", None)
    keys = [name, model.id] if name is not None else [model.id]
    return stmt.order_by(*keys)


def page(
    session: Session,
    stmt: Select[Any],
    number: int,
    size: int,
    options: Sequence[_AbstractLoad] = (),
    loader: Loader | None = None,
) -> tuple[int, list[Any]]:
    """(total, rows of page `number`, 1-based), ordered by name then id so pages never overlap."""
    total = session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery())) or 0
    rows = session.scalars(_ordered(stmt).options(*options).limit(size).offset((number - 1) * size)).all()
    if loader is not None:
        loader(session, rows)
    return total, list(rows)


def chunks(
    session: Session,
    stmt: Select[Any],
    options: Sequence[_AbstractLoad] = (),
    loader: Loader | None = None,
    size: int = CHUNK,
) -> Iterator[list[Any]]:
    """Every row, a chunk at a time in id order (keyset, so late chunks cost no more).

    Rows of a chunk are detached once handed over, so memory stays bounded on big catalogs.
    """
    model = _entity(stmt)
    last: uuid.UUID | None = None
    while True:
        q = stmt if last is None else stmt.where(model.id > last)
        rows = list(session.scalars(q.order_by(model.id).options(*options).limit(size)))
        if not rows:
            return
        last = rows[-1].id
        if loader is not None:
            loader(session, rows)
        yield rows
        session.expunge_all()
        if len(rows) < size:
            return


def get_one(session: Session, model: type[T], id_: uuid.UUID, loader: Loader | None = None) -> T | None:
    row = session.scalars(select(model).where(model.id == id_)).first()
    if row is not None and loader is not None:
        loader(session, [row])
    return row
