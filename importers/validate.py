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


_TYPES: dict[str, tuple[type, ...]] = {
    "string": (str,),
    "number": (int, float),
    "integer": (int,),
    "boolean": (bool,),
}


@cache
def _checks(
    table: str,
) -> tuple[frozenset[str], tuple[tuple[str, tuple[str, ...], str | None, tuple[Any, ...]], ...]]:
    """The flat schema as (required, [(field, types, format, enum)]), compiled once per table.

    A flat row only meets `type`, `format`, `enum` and `required` (the keywords the HSDS
    3.0 object schemas use on scalar properties), so checking them directly gives the same
    answer as the full validator at a fraction of the cost; a test holds the two together.
    """
    v = validator(table)
    if v is None:
        return frozenset(), ()
    out = []
    for name, prop in v.schema["properties"].items():
        types = prop.get("type", ())
        types = (types,) if isinstance(types, str) else tuple(types)
        out.append((name, types, prop.get("format"), tuple(prop.get("enum", ()))))
    return frozenset(v.schema.get("required", ())), tuple(out)


@cache
def _python_types(types: tuple[str, ...]) -> tuple[tuple[type, ...], bool]:
    """The Python types a JSON Schema type list admits, and whether bool is one of them (bool
    is an int to Python, never a number to JSON Schema)."""
    py = tuple(t for name in types for t in _TYPES.get(name, (object,)))
    return py, "boolean" in types


def _admits(types: tuple[str, ...], value: Any) -> bool:
    py, bool_ok = _python_types(types)
    return isinstance(value, py) and (bool_ok or value.__class__ is not bool)


def problems(
    table: str, record: dict[str, Any], trusted: frozenset[str] | set[str] = frozenset()
) -> list[tuple[str, str]]:
    """(field, reason) for each way the record breaks the schema or our rules; empty if fine.

    `trusted` names fields whose format holds by construction (ids we made as UUIDs, dates
    we parsed), so their format check is skipped.
    """
    out: list[tuple[str, str]] = []
    required, checks = _checks(table)
    fmt = Draft202012Validator.FORMAT_CHECKER
    for key in required:
        if record.get(key) is None:
            out.append((key, f"'{key}' is a required property"))
    for name, types, form, enum in checks:
        value = record.get(name)
        if value is None:
            continue
        if types and not _admits(types, value):
            out.append((name, f"{value!r} is not of type {', '.join(repr(t) for t in types)}"))
        elif form and name not in trusted and not fmt.conforms(value, form):
            out.append((name, f"{value!r} is not a {form!r}"))
        elif enum and value not in enum:
            out.append((name, f"{value!r} is not one of {list(enum)}"))
    for key in REQUIRED_TEXT.get(table, ()):
        empty = key not in record or record[key] is None or not str(record[key]).strip()
        if empty and not any(f == key for f, _ in out):
            out.append((key, f"{key} is empty"))
    return out


def schema_problems(table: str, record: dict[str, Any]) -> list[tuple[str, str]]:
    """The full JSON Schema validator's answer (the reference `problems` is tested against)."""
    v = validator(table)
    if v is None:
        return []
    present = {k: val for k, val in record.items() if val is not None}
    return [
        (".".join(str(p) for p in err.absolute_path) or _missing(err.message), err.message)
        for err in v.iter_errors(present)
    ]


def _missing(message: str) -> str:
    # "'name' is a required property" -> name
    if message.endswith("is a required property"):
        return message.split("'")[1]
    return "(record)"
