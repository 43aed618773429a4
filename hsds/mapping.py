"""HSDS 3.0 JSON <-> catalog records, one mapping used by import, export and the HSDS API.

`to_hsds` writes the nested ("full") form of the spec examples: a nested object replaces its
`*_id` field and a child omits the id of the parent it is nested in. `from_hsds` upserts by
id, replacing child collections so a re-import leaves exactly what the source says.
"""

from __future__ import annotations

import datetime as dt
import enum
import uuid
import weakref
from typing import Any

from sqlalchemy import Date, Float, Integer, Uuid
from sqlalchemy.orm import Session

from catalog.models import HSDS_MODELS, Attribute, Catalog, Metadata
from kernel.db import UTCDateTime, UUIDBytes

# What each object nests in its full form: json key -> relationship name.
NEST: dict[str, dict[str, str]] = {
    "service": {
        "phones": "phones", "schedules": "schedules", "service_areas": "service_areas",
        "service_at_locations": "service_at_locations", "languages": "languages",
        "organization": "organization", "funding": "funding", "cost_options": "cost_options",
        "program": "program", "required_documents": "required_documents", "contacts": "contacts",
        "capacities": "capacities",
    },
    "service_at_location": {
        "contacts": "contacts", "phones": "phones", "schedules": "schedules", "location": "location",
    },
    "location": {
        "languages": "languages", "addresses": "addresses", "contacts": "contacts",
        "accessibility": "accessibility", "phones": "phones", "schedules": "schedules",
    },
    "organization": {
        "funding": "funding", "contacts": "contacts", "phones": "phones", "locations": "locations",
        "programs": "programs", "organization_identifiers": "organization_identifiers",
    },
    "phone": {"languages": "languages"},
    "contact": {"phones": "phones"},
    "attribute": {"taxonomy_term": "taxonomy_term"},
    "taxonomy_term": {"taxonomy_detail": "taxonomy_detail"},
    "service_capacity": {"unit": "unit"},
}  # fmt: skip

# Keys that are not columns of the record itself and never nest further.
LINKED = ("attributes", "metadata")
# Linkage's own columns that are not part of HSDS.
PRIVATE = {"geocode_precision", "geocode_source"}
# Tables whose records carry no `attributes` in the 3.0 schema.
NO_ATTRIBUTES = {"taxonomy", "taxonomy_term", "attribute", "metadata"}


class HSDSError(ValueError):
    """A value that does not fit its field; says which field and why."""

    def __init__(self, table: str, field: str, value: Any, reason: str) -> None:
        super().__init__(f"{table}.{field}: {reason} (got {value!r})")
        self.table, self.field, self.value, self.reason = table, field, value, reason


def format_value(value: Any) -> Any:
    """Our Python values as HSDS JSON writes them."""
    if value is None:
        return None
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, dt.datetime):
        if value.tzinfo is None:
            value = value.replace(tzinfo=dt.UTC)
        return value.astimezone(dt.UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def columns(model: type[Catalog]) -> list[Any]:
    return [c for c in model.__table__.columns if c.key not in PRIVATE]


def _parent_keys(model: type[Catalog], nested: dict[str, str]) -> set[str]:
    """FK columns replaced by a nested object (organization -> organization_id)."""
    out = set()
    for key in nested:
        col = f"{key}_id" if key != "taxonomy_detail" else "taxonomy_id"
        if col in model.__table__.columns:
            out.add(col)
    return out


def _link_keys(model: type[Catalog]) -> set[str]:
    """The columns that only say where a record hangs (its foreign keys)."""
    return {c.key for c in model.__table__.columns if c.foreign_keys}


def to_hsds(
    obj: Catalog, *, full: bool = True, omit: frozenset[str] = frozenset(), nested_in: bool = False
) -> dict[str, Any]:
    """One record as HSDS JSON; `full` nests children as in the spec's *_full examples.

    Nested records leave out their foreign keys, as the spec's examples do: where they hang is
    said by where they are.
    """
    table = obj.__tablename__
    model = type(obj)
    nested = NEST.get(table, {}) if full else {}
    skip = set(omit) | _parent_keys(model, nested)
    if nested_in:
        skip |= _link_keys(model)
    if full and table in ("attribute",):
        skip |= {"link_id"}
    out: dict[str, Any] = {}
    for col in columns(model):
        if col.key in skip:
            continue
        out[col.key] = format_value(getattr(obj, col.key))
    for key, rel in nested.items():
        value = getattr(obj, rel)
        child_omit = frozenset(_back_fk(model, rel))
        if isinstance(value, list):
            out[key] = [to_hsds(v, full=True, omit=child_omit, nested_in=True) for v in value]
        else:
            out[key] = (
                to_hsds(value, full=True, omit=child_omit, nested_in=True) if value is not None else None
            )
    if full:
        if table not in NO_ATTRIBUTES:
            out["attributes"] = [
                to_hsds(a, full=True, omit=frozenset({"link_id"}), nested_in=True) for a in obj.attributes
            ]
        out["metadata"] = [metadata_to_hsds(m) for m in obj.change_log]
    return out


def metadata_to_hsds(m: Metadata, *, nested: bool = True) -> dict[str, Any]:
    cols = [c.key for c in Metadata.__table__.columns if not (nested and c.key == "resource_id")]
    return {k: format_value(getattr(m, k)) for k in cols}


def _back_fk(model: type[Catalog], rel: str) -> set[str]:
    """The child's FK column(s) that point back at this parent."""
    prop = model.__mapper__.relationships[rel]
    if prop.direction.name != "ONETOMANY":
        return set()
    return {c.key for c in prop.remote_side}


def parse_value(table: str, col: Any, value: Any) -> Any:
    """An HSDS JSON value as our column type, or HSDSError saying why not."""
    if value is None or (isinstance(value, str) and value == "" and col.key != "description"):
        return None
    t = col.type
    try:
        if isinstance(t, (Uuid, UUIDBytes)):
            return value if isinstance(value, uuid.UUID) else uuid.UUID(str(value))
        if isinstance(t, UTCDateTime):
            if isinstance(value, dt.datetime):
                return value
            text = str(value).replace("Z", "+00:00")
            parsed = dt.datetime.fromisoformat(text)
            return parsed if parsed.tzinfo else parsed.replace(tzinfo=dt.UTC)
        if isinstance(t, Date):
            if isinstance(value, dt.date):
                return value
            return dt.date.fromisoformat(str(value)[:10])
        if isinstance(t, Integer):
            if isinstance(value, bool):
                raise ValueError
            f = float(value)
            if not f.is_integer():
                raise ValueError
            return int(f)
        if isinstance(t, Float):
            if isinstance(value, bool):
                raise ValueError
            return float(value)
        if getattr(t, "enum_class", None) is not None:
            return t.enum_class(str(value).strip().lower())
    except (ValueError, TypeError):
        kind = getattr(t, "enum_class", None)
        reason = (
            f"must be one of {', '.join(m.value for m in kind)}"
            if kind
            else f"is not a valid {t.__class__.__name__.lower()}"
        )
        raise HSDSError(table, col.key, value, reason) from None
    return str(value) if not isinstance(value, str) else value


def from_hsds(
    session: Session, table: str, data: dict[str, Any], *, link_entity: str | None = None
) -> Catalog:
    """Upsert one record and everything nested in it; returns the record (not flushed)."""
    with session.no_autoflush:
        return _upsert(session, table, data, link_entity)


def _upsert(session: Session, table: str, data: dict[str, Any], link_entity: str | None) -> Catalog:
    model = HSDS_MODELS[table]
    if not isinstance(data, dict):
        raise HSDSError(table, "(record)", data, "must be a JSON object")
    raw_id = data.get("id")
    rid = parse_value(table, model.__table__.c.id, raw_id) if raw_id else uuid.uuid4()
    obj = _find(session, model, rid)
    if obj is None:
        obj = model(id=rid)
        session.add(obj)
        _pending(session)[(table, rid)] = obj
    for col in columns(model):
        if col.key in data and col.key != "id":
            setattr(obj, col.key, parse_value(table, col, data[col.key]))
    if table == "attribute" and link_entity and not obj.link_entity:
        obj.link_entity = link_entity
    for key, rel in NEST.get(table, {}).items():
        if key not in data:
            continue
        prop = model.__mapper__.relationships[rel]
        child_table = prop.mapper.class_.__tablename__
        value = data[key]
        if prop.uselist:
            if value is None:
                value = []
            if not isinstance(value, list):
                raise HSDSError(table, key, value, "must be an array")
            setattr(obj, rel, [_upsert(session, child_table, v, None) for v in value])
        elif value is not None:
            setattr(obj, rel, _upsert(session, child_table, value, None))
    if "attributes" in data and table not in NO_ATTRIBUTES:
        for item in data["attributes"] or []:
            attr = _upsert(session, "attribute", item, table)
            assert isinstance(attr, Attribute)
            attr.link_id = obj.id
    if "metadata" in data:
        for item in data["metadata"] or []:
            _metadata_from_hsds(session, table, obj.id, item)
    return obj


def _pending(session: Session) -> weakref.WeakValueDictionary[tuple[str, uuid.UUID], Any]:
    """Records added but not flushed yet: the identity map does not hold them."""
    reg = session.info.get("hsds_pending")
    if reg is None:
        reg = session.info["hsds_pending"] = weakref.WeakValueDictionary()
    return reg


def _find(session: Session, model: type[Any], rid: uuid.UUID) -> Any:
    obj = _pending(session).get((model.__tablename__, rid))
    if obj is not None and obj in session:
        return obj
    return session.get(model, rid)


def _metadata_from_hsds(session: Session, table: str, resource_id: uuid.UUID, item: dict[str, Any]) -> None:
    """A source's own change history is kept as given (it is provenance, not our edit)."""
    mid = parse_value("metadata", Metadata.__table__.c.id, item.get("id")) if item.get("id") else uuid.uuid4()
    m = _find(session, Metadata, mid)
    if m is None:
        m = Metadata(id=mid)
        _pending(session)[("metadata", mid)] = m
    m.resource_id = resource_id
    m.resource_type = item.get("resource_type") or table
    for key in (
        "last_action_date",
        "last_action_type",
        "field_name",
        "previous_value",
        "replacement_value",
        "updated_by",
    ):
        setattr(m, key, "" if item.get(key) is None else str(item.get(key)))
    session.add(m)
