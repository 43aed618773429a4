"""From a source row to the values of one HSDS record: ids, references, types, checks.

Every value is cleaned (importers.normalize), references are mapped to our ids and checked
against what this source and the catalog hold, values are parsed into column types, and the
record is checked against the HSDS 3.0 schema and our rules (importers.validate). A row that
cannot be used is rejected in the report with its file, row, field and reason; a value that
cannot be used is left out and flagged.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any, Protocol

from sqlalchemy import String

from catalog.models import HSDS_MODELS
from hsds.mapping import HSDSError, format_value, parse_value
from importers.locations import Geocoding
from importers.normalize import normalize_record
from importers.report import ImportReport
from importers.rows import Row
from importers.validate import REQUIRED_TEXT, problems, validator

# References a record is still whole without (a location without its organization).
DROPPABLE_REFS = {"organization_id", "program_id", "taxonomy_id", "parent_id", "contact_id"}
# Values HSDS requires that a source may leave out, and what leaving them out means.
DEFAULTS = {
    "location": {"location_type": "physical"},
    "address": {"address_type": "physical"},
    "service": {"status": "active"},
}
# Deterministic ids for records whose source has no UUIDs: uuid5(NAMESPACE, source/table/id).
NAMESPACE = uuid.UUID("6f1c5b9e-3f1d-5a3e-9a43-4c1d1e0b8a11")
# References that are not foreign keys in the schema but still name a record of a table.
SOFT_REFS = {
    ("organization", "parent_organization_id"): "organization",
    ("taxonomy_term", "parent_id"): "taxonomy_term",
}


def entity_id(source: str, table: str, source_id: Any) -> uuid.UUID:
    """A source's UUID is kept (other systems refer to it); anything else gets a UUIDv5."""
    if isinstance(source_id, uuid.UUID):
        return source_id
    text = str(source_id).strip()
    try:
        return uuid.UUID(text)
    except ValueError:
        return uuid.uuid5(NAMESPACE, f"{source}\x1f{table}\x1f{text}")


class TableFacts:
    """Per-table facts computed once: columns, foreign keys, required fields."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.model = HSDS_MODELS[name]
        self.cols = {c.key: c for c in self.model.__table__.columns}
        self.refs: dict[str, str] = {}
        for c in self.model.__table__.columns:
            for fk in c.foreign_keys:
                self.refs[c.key] = fk.column.table.name
        for (t, key), target in SOFT_REFS.items():
            if t == name:
                self.refs[key] = target
        v = validator(name)
        self.required = set(v.schema.get("required", [])) if v is not None else {"id"}
        # Plain text columns: a non-empty string is already the value parse_value would give.
        self.text = {
            k
            for k, c in self.cols.items()
            if isinstance(c.type, String)
            and getattr(c.type, "enum_class", None) is None
            and k not in self.refs
        }


class Target(Protocol):
    """What mapping a row reads of the import it is part of (an `importers.operations.Importer`)."""

    source: str
    report: ImportReport
    tables: dict[str, TableFacts]
    known: dict[str, set[uuid.UUID]]
    geocoding: Geocoding


def map_row(imp: Target, row: Row, eid: uuid.UUID) -> dict[str, Any] | None:
    """Normalize, map ids, parse and check one row; None when it is rejected (and reported)."""
    t = imp.tables[row.table]
    data = row.data
    rep = imp.report
    for fld, what, _old in normalize_record(row.table, data):
        rep.fix(row.table, fld, what)
    out: dict[str, Any] = {"id": eid}
    for key, value in data.items():
        if key == "id" or key not in t.cols:
            continue
        target = t.refs.get(key)
        if row.table == "attribute" and key == "link_id" and value not in (None, ""):
            target = data.get("link_entity") or "service"
        if target is not None:
            if value is None or value == "":
                out[key] = None
                continue
            ref = entity_id(imp.source, target, value)
            if target in HSDS_MODELS and ref not in imp.known.get(target, ()):
                if (row.table, key) in SOFT_REFS:
                    out[key] = ref
                    continue
                if key in DROPPABLE_REFS:
                    why = f"no {target} with id {value} in this source: reference left out"
                    rep.flag(row.source_table, row.file, row.row, key, why, value)
                    out[key] = None
                    continue
                rep.reject(
                    row.source_table,
                    row.file,
                    row.row,
                    key,
                    f"no {target} with id {value} in this source",
                    value,
                )
                return None
            out[key] = ref
            continue
        if key in t.text and value.__class__ is str and value:
            out[key] = value
            continue
        try:
            out[key] = parse_value(row.table, t.cols[key], value)
        except HSDSError as exc:
            if key in t.required:
                rep.reject(row.source_table, row.file, row.row, key, exc.reason, value)
                return None
            rep.flag(row.source_table, row.file, row.row, key, f"value left out: {exc.reason}", value)
    if "description" in t.required and out.get("description") is None:
        out["description"] = ""
    for key, value in DEFAULTS.get(row.table, {}).items():
        if out.get(key) is None:
            out[key] = parse_value(row.table, t.cols[key], value)
    if row.table == "location":
        imp.geocoding.check(row, out)
    elif row.table == "address":
        imp.geocoding.remember_address(out)
    check = {k: v if v.__class__ is str else format_value(v) for k, v in out.items()}
    trusted = {k for k, v in out.items() if isinstance(v, (uuid.UUID, dt.date))}
    for fld, reason in problems(row.table, check, trusted):
        if fld in t.required or fld in ("(record)",) or fld in validate_required(row.table):
            rep.reject(row.source_table, row.file, row.row, fld, reason, check.get(fld, ""))
            return None
        rep.flag(row.source_table, row.file, row.row, fld, f"value left out: {reason}", check.get(fld))
        out.pop(fld.split(".")[0], None)
    return out


def validate_required(table: str) -> tuple[str, ...]:
    return REQUIRED_TEXT.get(table, ())
