"""Validators built from the HSDS 3.0 spec files, and a small catalog to ask about."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from functools import cache
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft202012Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012
from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, sessionmaker

from catalog import changelog
from catalog.models import Service
from hsds.mapping import from_hsds
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


def _schema_dir() -> Path:
    return shared_path("hsds", "spec", "schema")


@cache
def _registry(schema_dir: Path) -> Registry:
    pairs = []
    for path in [*schema_dir.glob("*.json"), *schema_dir.glob("compiled/*.json")]:
        name = path.relative_to(schema_dir).as_posix()
        pairs.append(
            (name, Resource.from_contents(json.loads(path.read_text()), default_specification=DRAFT202012))
        )
    return Registry().with_resources(pairs)


def validate(instance: Any, schema_name: str) -> None:
    """Fail with every error when `instance` breaks the named spec schema (formats checked)."""
    schema_dir = _schema_dir()
    schema = json.loads((schema_dir / schema_name).read_text())
    validator = Draft202012Validator(
        schema, registry=_registry(schema_dir), format_checker=Draft202012Validator.FORMAT_CHECKER
    )
    errors = [f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in validator.iter_errors(instance)]
    assert not errors, f"{schema_name}: " + "; ".join(errors[:10])


@cache
def _page_schema() -> dict[str, Any]:
    spec = json.loads(shared_path("hsds", "spec", "openapi", "openapi.json").read_text())
    return spec["components"]["schemas"]["Page"]


def validate_page(body: dict[str, Any], item_schema: str) -> None:
    """The spec's Page envelope, all of its fields present and consistent, and each item."""
    page = _page_schema()
    Draft202012Validator(page, format_checker=Draft202012Validator.FORMAT_CHECKER).validate(body)
    assert set(body) == {*page["properties"], "contents"}
    assert body["size"] == len(body["contents"])
    assert body["first_page"] == (body["page_number"] == 1)
    assert body["last_page"] == (body["page_number"] >= body["total_pages"])
    assert body["empty"] == (not body["contents"])
    for item in body["contents"]:
        validate(item, item_schema)


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
    changelog.install()
    engine: Engine = migrate(f"sqlite:///{tmp_path / 'empty.db'}")
    yield sessionmaker(engine, expire_on_commit=False)
    engine.dispose()
