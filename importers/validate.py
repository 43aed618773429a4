"""Check mapped records against the HSDS 3.0 JSON Schemas (formats on), then our own rules.

The schemas are vendored in importers/schemas/hsds-3.0 (CC BY-SA 4.0, see PROVENANCE.txt);
their `$ref`s are bare file names, so every file is registered under its name. Records are
checked flat (one table row, nested collections left out), which is how every reader hands
them over; a nested object is checked when its own row is.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

from jsonschema import Draft202012Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

SCHEMA_DIR = Path(__file__).resolve().parent / "schemas" / "hsds-3.0"

# Our own rules, after the schema: fields HSDS allows empty that the catalog cannot use.
REQUIRED_TEXT = {
    "service": ("name",),
    "organization": ("name",),
    "phone": ("number",),
    "taxonomy_term": ("name",),
    "unit": ("name",),
}


@cache
def _registry() -> Registry:
    resources = []
    for path in SCHEMA_DIR.glob("*.json"):
        resources.append(
            (
                path.name,
                Resource.from_contents(json.loads(path.read_text()), default_specification=DRAFT202012),
            )
        )
    return Registry().with_resources(resources)


@cache
def validator(table: str) -> Draft202012Validator | None:
    path = SCHEMA_DIR / f"{table}.json"
    if not path.exists():
        return None
    schema = json.loads(path.read_text())
    # Check the row itself: nested objects are separate rows with their own check.
    props = {
        k: v
        for k, v in schema.get("properties", {}).items()
        if v.get("type") not in ("array", "object") and "$ref" not in v
    }
    flat = {k: v for k, v in schema.items() if k not in ("properties", "$id")}
    flat["properties"] = props
    flat["required"] = [k for k in schema.get("required", []) if k in props]
    return Draft202012Validator(
        flat, registry=_registry(), format_checker=Draft202012Validator.FORMAT_CHECKER
    )


def problems(table: str, record: dict[str, Any]) -> list[tuple[str, str]]:
    """(field, reason) for each way the record breaks the schema or our rules; empty if fine."""
    out: list[tuple[str, str]] = []
    v = validator(table)
    if v is not None:
        # JSON Schema knows null only where the spec allows it: leave absent values out.
        present = {k: val for k, val in record.items() if val is not None}
        for err in v.iter_errors(present):
            where = ".".join(str(p) for p in err.absolute_path) or _missing(err.message)
            out.append((where, err.message))
    for key in REQUIRED_TEXT.get(table, ()):
        empty = key not in record or record[key] is None or not str(record[key]).strip()
        if empty and not any(f == key for f, _ in out):
            out.append((key, f"{key} is empty"))
    return out


def _missing(message: str) -> str:
    # "'name' is a required property" -> name
    if message.endswith("is a required property"):
        return message.split("'")[1]
    return "(record)"
