"""Fully nested HSDS records straight from table rows, for pages and exports of many records.

`hsds.mapping.to_hsds` walks ORM objects; for a page of 50 full services or an export of
100,000 that is tens of thousands of instrumented objects. This builds the same JSON from
plain rows: one query per relationship path per batch, no identity map, no lazy loads.
A test checks that both give the same document for the same record.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from catalog.models import HSDS_MODELS, Attribute, Metadata
from hsds.mapping import NEST, NO_ATTRIBUTES, _back_fk, _link_keys, _parent_keys, columns, format_value

# Ids per IN (...) list: under SQLite's and PostgreSQL's parameter limits.
BATCH = 500


def _rows(session: Session, table: Any, column: Any, keys: Sequence[Any], order: Sequence[Any]) -> list[Any]:
    out: list[Any] = []
    for start in range(0, len(keys), BATCH):
        stmt = select(table).where(column.in_(keys[start : start + BATCH])).order_by(*order)
        out.extend(session.execute(stmt).mappings())
    return out


def _skip(table: str, omit: set[str]) -> set[str]:
    """The columns `to_hsds(..., full=True, omit=omit, nested_in=True)` leaves out."""
    model = HSDS_MODELS[table]
    skip = set(omit) | _parent_keys(model, NEST.get(table, {})) | _link_keys(model)
    if table == "attribute":
        skip.add("link_id")
    return skip


def build(session: Session, table: str, rows: Sequence[Any], skip: set[str]) -> list[dict[str, Any]]:
    """One nested document per row, in the order given."""
    model = HSDS_MODELS[table]
    keys = [c.key for c in columns(model) if c.key not in skip]
    outs = [{k: format_value(row[k]) for k in keys} for row in rows]
    if not rows:
        return outs
    for key, rel in NEST.get(table, {}).items():
        prop = model.__mapper__.relationships[rel]
        local_col, remote_col = prop.local_remote_pairs[0]
        child = prop.mapper.class_
        wanted = list({row[local_col.key] for row in rows if row[local_col.key] is not None})
        order = [remote_col, child.id] if prop.uselist else [child.id]
        child_rows = _rows(session, child.__table__, remote_col, wanted, order)
        child_outs = build(
            session, child.__tablename__, child_rows, _skip(child.__tablename__, _back_fk(model, rel))
        )
        groups: dict[Any, list[dict[str, Any]]] = {}
        for crow, cout in zip(child_rows, child_outs, strict=True):
            groups.setdefault(crow[remote_col.key], []).append(cout)
        for row, out in zip(rows, outs, strict=True):
            found = groups.get(row[local_col.key], [])
            out[key] = found if prop.uselist else (found[0] if found else None)
    ids = [row["id"] for row in rows]
    if table not in NO_ATTRIBUTES:
        attr_rows = _rows(session, Attribute.__table__, Attribute.__table__.c.link_id, ids, [Attribute.id])
        attr_outs = build(session, "attribute", attr_rows, _skip("attribute", {"link_id"}))
        by_link: dict[uuid.UUID, list[dict[str, Any]]] = {}
        for arow, aout in zip(attr_rows, attr_outs, strict=True):
            by_link.setdefault(arow["link_id"], []).append(aout)
        for row, out in zip(rows, outs, strict=True):
            out["attributes"] = by_link.get(row["id"], [])
    meta_cols = [c.key for c in Metadata.__table__.columns if c.key != "resource_id"]
    meta_rows = _rows(
        session,
        Metadata.__table__,
        Metadata.__table__.c.resource_id,
        ids,
        [Metadata.last_action_date, Metadata.id],
    )
    by_resource: dict[uuid.UUID, list[dict[str, Any]]] = {}
    for mrow in meta_rows:
        by_resource.setdefault(mrow["resource_id"], []).append({k: format_value(mrow[k]) for k in meta_cols})
    for row, out in zip(rows, outs, strict=True):
        out["metadata"] = by_resource.get(row["id"], [])
    return outs


def full(session: Session, table: str, ids: Sequence[uuid.UUID]) -> list[dict[str, Any]]:
    """`to_hsds(record, full=True)` for each id, in the order given (unknown ids are left out)."""
    model = HSDS_MODELS[table]
    rows = _rows(session, model.__table__, model.__table__.c.id, list(ids), [model.id])
    top = _parent_keys(model, NEST.get(table, {})) | ({"link_id"} if table == "attribute" else set())
    docs = dict(zip((r["id"] for r in rows), build(session, table, rows, top), strict=True))
    return [docs[i] for i in ids if i in docs]
