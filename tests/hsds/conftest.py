"""Strict validators built from the HSDS 3.0 and 3.1 spec files, and a small catalog to ask about.

Strict as the spec's own CI checks its examples: `additionalProperties: false` is forced on
every object schema, so a field the version does not define fails, as it does for a consumer
that builds closed models from the schemas.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from functools import cache
from pathlib import Path
from typing import Any

import jsonschema_rs
import pytest
from jsonschema import Draft202012Validator
from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, sessionmaker

from catalog.models import Service
from hsds.mapping import from_hsds
from kernel.db import catalog_sessions
from tests.conftest import migrate, shared_path

# Which schema each path's answer must meet (list paths: the schema of one item).
ITEM_SCHEMA = {
    "services": "compiled/service_list.json",
    "services_full": "service.json",
    "taxonomies": "taxonomy.json",
    "taxonomy_terms": "taxonomy_term.json",
    "organizations": "compiled/organization_list.json",
    "organizations_full": "organization.json",
    "service_at_locations": "compiled/service_at_location_list.json",
    "service_at_locations_full": "service_at_location.json",
}


SCHEMA_DIRS = {"3.0": ("hsds", "spec", "schema"), "3.1": ("hsds", "spec", "schema-3.1-dev")}
# Files of a schema folder that are not object schemas.
NOT_OBJECTS = {"datapackage.json", "openapi.json"}


def schema_dir(version: str = "3.0") -> Path:
    return shared_path(*SCHEMA_DIRS[version])


def closed(schema: Any) -> Any:
    """`schema` with `additionalProperties: false` on every object schema that lists properties."""
    if isinstance(schema, list):
        return [closed(s) for s in schema]
    if not isinstance(schema, dict):
        return schema
    out = {k: closed(v) for k, v in schema.items()}
    if "properties" in out and "additionalProperties" not in out:
        out["additionalProperties"] = False
    return out


@cache
def object_schemas(version: str) -> dict[str, dict[str, Any]]:
    """File name -> schema, as the spec publishes it, of every object schema of `version`."""
    folder = schema_dir(version)
    paths = [*folder.glob("*.json"), *folder.glob("compiled/*.json")]
    return {
        p.relative_to(folder).as_posix(): json.loads(p.read_text())
        for p in paths
        if p.name not in NOT_OBJECTS
    }


def tabular(schema: dict[str, Any]) -> dict[str, Any]:
    """The schema of one row of the object's table: its nested objects and lists are other
    tables, so they are not required, and the spec's `tabular_required` keys are."""
    nested = {
        k for k, v in schema["properties"].items() if "$ref" in v or v.get("type") in ("object", "array")
    }
    required = [k for k in schema.get("required", []) if k not in nested]
    return {**schema, "required": [*required, *schema.get("tabular_required", [])]}


@cache
def _validator(version: str, schema_name: str, row: bool = False) -> jsonschema_rs.Validator:
    """A compiled Draft 2020-12 validator with formats checked; the schemas' references are bare
    file names of the same folder, found by name as a consumer holding the folder would.

    jsonschema-rs, not jsonschema: the same verdicts on the whole demo and on broken copies
    of its records, checked when this was chosen, in a hundredth of the time (the strict
    checks of every demo record took most of a minute)."""
    schemas = {name: closed(schema) for name, schema in object_schemas(version).items()}

    def by_name(uri: str) -> Any:
        return schemas[uri.rsplit("/", 1)[-1]]

    schema = tabular(schemas[schema_name]) if row else schemas[schema_name]
    base = f"https://hsds.invalid/{version}/{schema_name}"
    return jsonschema_rs.validator_for(schema, retriever=by_name, validate_formats=True, base_uri=base)


def schema_errors(instance: Any, schema_name: str, version: str = "3.0", *, row: bool = False) -> list[str]:
    """Every way `instance` breaks the named schema of `version`, strictly (formats checked);
    with `row`, as a row of the object's table in the tabular datapackage."""
    return [
        f"{'/'.join(map(str, e.instance_path))}: {e.message}"
        for e in _validator(version, schema_name, row).iter_errors(instance)
    ]


# What the API nests beyond an object schema, as the spec's compiled organization and
# service_at_location schemas (too large to be kept beside the others) allow: key -> schema.
NESTED_SERVICES = {"organization.json": "services", "service_at_location.json": "service"}


def validate(instance: Any, schema_name: str, version: str = "3.0") -> None:
    """Fail with the errors when `instance` breaks the named schema of HSDS `version`, strictly.

    3.1 has no compiled list schemas: a list item is checked against its object's schema,
    which names every field of the list form. A full organization's services and a full
    service_at_location's service are checked as services.
    """
    if version != "3.0" and schema_name.startswith("compiled/"):
        schema_name = schema_name.removeprefix("compiled/").replace("_list.json", ".json")
    key = NESTED_SERVICES.get(schema_name)
    if key and isinstance(instance, dict) and key in instance:
        instance = dict(instance)
        nested = instance.pop(key)
        for service in nested if isinstance(nested, list) else [nested]:
            validate(service, "service.json", version)
    errors = schema_errors(instance, schema_name, version)
    assert not errors, f"{version} {schema_name}: " + "; ".join(errors[:10])


@cache
def _page_schema() -> dict[str, Any]:
    spec = json.loads(shared_path("hsds", "spec", "openapi", "openapi.json").read_text())
    return spec["components"]["schemas"]["Page"]


def validate_page(body: dict[str, Any], item_schema: str, version: str = "3.0") -> None:
    """The spec's Page envelope, all of its fields present and consistent, and each item."""
    page = _page_schema()
    Draft202012Validator(page, format_checker=Draft202012Validator.FORMAT_CHECKER).validate(body)
    assert set(body) == {*page["properties"], "contents"}
    assert body["size"] == len(body["contents"])
    assert body["first_page"] == (body["page_number"] == 1)
    assert body["last_page"] == (body["page_number"] >= body["total_pages"])
    assert body["empty"] == (not body["contents"])
    for item in body["contents"]:
        validate(item, item_schema, version)


@pytest.fixture
def example_service(db: Session) -> Service:
    """The spec's own service_full.json example, loaded as a catalog record."""
    data = json.loads(shared_path("hsds", "spec-examples-3.0", "json", "service_full.json").read_text())
    svc = from_hsds(db, "service", data)
    db.flush()
    assert isinstance(svc, Service)
    return svc


@pytest.fixture
def catalog(db: Session, example_service: Service, make_service: Any, make_term: Any) -> dict[str, Any]:
    """The spec example plus three Columbus services, two sharing a term and one organization."""
    food = make_term("1102", "Food")
    pantry = make_term("1102-1", "Food Pantry", parent=food)
    shelter = make_term("1103", "Housing")
    a = make_service(
        "Eastside Food Pantry", terms=(("1102-1", "Food Pantry", "service"),), postal_code="43205"
    )
    b = make_service(
        "Westside Soup Kitchen",
        organization=a.organization,
        terms=(("1102", "Food", "service"),),
        lat=39.95,
        lon=-83.10,
        postal_code="43204",
    )
    c = make_service(
        "Harbor Night Shelter", terms=(("1103", "Housing", "service"),), beds=4, lat=40.10, lon=-82.80
    )
    db.flush()
    return {
        "example": example_service,
        "pantry": a,
        "kitchen": b,
        "shelter": c,
        "food": food,
        "pantry_term": pantry,
        "housing": shelter,
    }


class QueryCounter:
    """Counts statements sent to the database while active."""

    def __init__(self, engine: Any) -> None:
        self.engine = engine
        self.count = 0

    def _on(self, *_args: Any) -> None:
        self.count += 1

    def __enter__(self) -> QueryCounter:
        event.listen(self.engine, "before_cursor_execute", self._on)
        return self

    def __exit__(self, *_exc: Any) -> None:
        event.remove(self.engine, "before_cursor_execute", self._on)


def new_id() -> str:
    return str(uuid.uuid4())


@pytest.fixture
def empty_db(tmp_path: Path) -> Iterator[sessionmaker[Session]]:
    """A second, empty catalog built by the migrations: where an export is read back."""
    engine: Engine = migrate(f"sqlite:///{tmp_path / 'empty.db'}")
    yield catalog_sessions(engine)
    engine.dispose()
