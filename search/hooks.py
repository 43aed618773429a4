"""Keeps the search documents in step with the catalog, in the same transaction.

An `after_flush` listener on every Session: the objects a flush wrote are mapped to the
services whose documents they feed, and those documents are rewritten with a few bulk
statements on the flush's own connection. The change log hangs on `before_flush`; running
after the flush means the rows read here are the ones just written, whatever order the two
listeners were installed in. A session with `info["search_index"] = False` skips this (bulk
loads then call `linkage index rebuild` or `documents.write`).
"""

from __future__ import annotations

import uuid
from itertools import chain
from typing import Any

from sqlalchemy import event, select
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session

from catalog.models import (
    Accessibility,
    Address,
    Attribute,
    CostOption,
    Language,
    Location,
    Organization,
    Phone,
    Program,
    RequiredDocument,
    Schedule,
    Service,
    ServiceArea,
    ServiceAtLocation,
    TaxonomyTerm,
)
from kernel.db import CatalogSession
from search import documents
from search.models import search_document, search_document_term

# Children whose rows feed a document through service_id / location_id / service_at_location_id.
_CHILDREN = (Schedule, Language, ServiceArea, CostOption, Accessibility, Address, Phone, RequiredDocument)


class Touched:
    """Ids written by one flush, by the kind of record that leads to the affected services."""

    def __init__(self) -> None:
        self.services: set[uuid.UUID] = set()
        self.sals: set[uuid.UUID] = set()
        self.locations: set[uuid.UUID] = set()
        self.organizations: set[uuid.UUID] = set()
        self.programs: set[uuid.UUID] = set()
        self.links: set[uuid.UUID] = set()
        self.terms: set[uuid.UUID] = set()

    def __bool__(self) -> bool:
        return any(
            (
                self.services,
                self.sals,
                self.locations,
                self.organizations,
                self.programs,
                self.links,
                self.terms,
            )
        )

    def add(self, obj: Any) -> None:
        if isinstance(obj, Service):
            self.services.add(obj.id)
        elif isinstance(obj, ServiceAtLocation):
            self.sals.add(obj.id)
            if obj.service_id:
                self.services.add(obj.service_id)
        elif isinstance(obj, Location):
            self.locations.add(obj.id)
        elif isinstance(obj, Organization):
            self.organizations.add(obj.id)
        elif isinstance(obj, Program):
            self.programs.add(obj.id)
        elif isinstance(obj, Attribute):
            if obj.link_id:
                self.links.add(obj.link_id)
        elif isinstance(obj, TaxonomyTerm):
            self.terms.add(obj.id)
        elif isinstance(obj, _CHILDREN):
            for attr, target in (
                ("service_id", self.services),
                ("location_id", self.locations),
                ("service_at_location_id", self.sals),
            ):
                value = getattr(obj, attr, None)
                if value is not None:
                    target.add(value)


_CHILD_TABLES = {m.__tablename__ for m in _CHILDREN}


def touched_row(touched: Touched, table: str, values: dict[str, Any]) -> None:
    """`Touched.add` for a record written without the ORM (a bulk insert), given its values."""
    rid = values.get("id")
    if table == "service":
        touched.services.add(rid)
    elif table == "service_at_location":
        touched.sals.add(rid)
        if values.get("service_id"):
            touched.services.add(values["service_id"])
    elif table == "location":
        touched.locations.add(rid)
    elif table == "organization":
        touched.organizations.add(rid)
    elif table == "program":
        touched.programs.add(rid)
    elif table == "attribute":
        if values.get("link_id"):
            touched.links.add(values["link_id"])
    elif table == "taxonomy_term":
        touched.terms.add(rid)
    elif table in _CHILD_TABLES:
        for key, target in (
            ("service_id", touched.services),
            ("location_id", touched.locations),
            ("service_at_location_id", touched.sals),
        ):
            if values.get(key) is not None:
                target.add(values[key])


def affected_services(conn: Connection, touched: Touched) -> set[uuid.UUID]:
    """The services whose documents may have changed (including ones just deleted)."""
    out = set(touched.services)
    sal, svc, d = ServiceAtLocation.__table__, Service.__table__, search_document
    queries = []
    for part in documents.chunks(list(touched.sals | touched.links), 900):
        queries.append(select(sal.c.service_id).where(sal.c.id.in_(part)))
        queries.append(select(d.c.service_id).where(d.c.key.in_(part)))
    for part in documents.chunks(list(touched.locations | touched.links), 900):
        queries.append(select(sal.c.service_id).where(sal.c.location_id.in_(part)))
        queries.append(select(d.c.service_id).where(d.c.location_id.in_(part)))
    for part in documents.chunks(list(touched.organizations), 900):
        queries.append(select(svc.c.id).where(svc.c.organization_id.in_(part)))
    for part in documents.chunks(list(touched.programs), 900):
        queries.append(select(svc.c.id).where(svc.c.program_id.in_(part)))
    if touched.links:
        out |= touched.links  # an attribute may point at a service directly
    if touched.terms:
        terms = documents.Terms(conn)
        wanted = descendants(terms, touched.terms)
        for part in documents.chunks(list(wanted), 900):
            queries.append(
                select(d.c.service_id)
                .select_from(d.join(search_document_term, search_document_term.c.doc_key == d.c.key))
                .where(search_document_term.c.term_id.in_(part))
            )
    for q in queries:
        out.update(conn.execute(q).scalars())
    out.discard(None)  # type: ignore[arg-type]
    if touched.links:
        # Link ids that are not services (locations, organizations) must not get documents.
        existing = set()
        for part in documents.chunks(list(out), 900):
            existing.update(conn.execute(select(svc.c.id).where(svc.c.id.in_(part))).scalars())
        gone = set()
        for part in documents.chunks(list(out - existing), 900):
            gone.update(conn.execute(select(d.c.service_id).where(d.c.service_id.in_(part))).scalars())
        out = existing | gone
    return out


def descendants(terms: documents.Terms, roots: set[uuid.UUID]) -> set[uuid.UUID]:
    children: dict[uuid.UUID, list[uuid.UUID]] = {}
    for term_id, (_code, _name, parent) in terms.rows.items():
        if parent is not None:
            children.setdefault(parent, []).append(term_id)
    out, stack = set(), list(roots)
    while stack:
        current = stack.pop()
        if current in out:
            continue
        out.add(current)
        stack.extend(children.get(current, ()))
    return out


def _after_flush(session: Session, _ctx: Any) -> None:
    if session.info.get("search_index") is False:
        return
    touched = Touched()
    for obj in chain(session.new, session.dirty, session.deleted):
        touched.add(obj)
    if not touched:
        return
    conn = session.connection()
    services = affected_services(conn, touched)
    if services:
        documents.write(conn, services)


def install(session_class: type[Session] = CatalogSession) -> None:
    """Keep the index in step for every session of this class (idempotent)."""
    if not event.contains(session_class, "after_flush", _after_flush):
        event.listen(session_class, "after_flush", _after_flush)


__all__ = ["Touched", "affected_services", "descendants", "install"]
