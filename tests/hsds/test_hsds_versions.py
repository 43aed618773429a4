"""HSDS output a strict consumer accepts: 3.0 unless 3.1 is asked for, checked on the whole demo.

A consumer that builds closed models from the spec's schemas (as the spec's CI checks its
examples) refuses any field the version does not define. Every service of the demo county, in
the JSON export, the CSV datapackage and the API's pages, is checked against the 3.0 schemas
and, asked for 3.1, against the 3.1 schemas, with additional properties forbidden.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import func, select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, sessionmaker

from app import create_app
from catalog.models import Service, ServiceCapacity
from hsds import versions
from hsds.export import export_hsds
from hsds.export_tables import tables_of
from tests.conftest import bound_sessions, demo_loaded, shared_path
from tests.hsds.conftest import object_schemas, schema_errors, tabular, validate, validate_page

NOW = dt.datetime(2026, 1, 14, 17, 0, tzinfo=dt.UTC)
VERSIONS = ["3.0", "3.1"]


@pytest.fixture(scope="module")
def demo_db(engine: Engine) -> Iterator[Session]:
    """The demo county loaded once for this module, in a transaction rolled back at its end."""
    with demo_loaded(engine, NOW) as session:
        yield session


@pytest.fixture(scope="module")
def demo_factory(demo_db: Session) -> sessionmaker[Session]:
    """Sessions for the app's requests, inside the demo's transaction."""
    return bound_sessions(demo_db.connection())


@pytest.fixture(scope="module")
def demo_client(
    demo_factory: sessionmaker[Session], database_url: str, tmp_path_factory: pytest.TempPathFactory
) -> Any:
    application: Flask = create_app(
        {
            "DATA_DIR": str(tmp_path_factory.mktemp("data")),
            "DATABASE_URL": database_url,
            "TESTING": True,
            "SECRET_KEY": "test-secret",
            # Every session here shares one connection: a background refresh of the match
            # index would use it from another thread mid-request (seen on a loaded machine).
            "MATCH_INDEX_TTL": 0,
        }
    )
    application.extensions["linkage_db"].sessionmaker = demo_factory
    return application.test_client()


@pytest.fixture(scope="module")
def service_count(demo_db: Session) -> int:
    count = demo_db.scalar(select(func.count()).select_from(Service)) or 0
    assert count > 300
    return count


def test_the_31_only_fields_left_out_of_30_are_exactly_those_the_31_schemas_add() -> None:
    added: dict[str, frozenset[str]] = {}
    for name, schema in object_schemas("3.1").items():
        old = object_schemas("3.0").get(name)
        if old is None:
            continue
        new_fields = frozenset(schema.get("properties", {})) - frozenset(old.get("properties", {}))
        if new_fields:
            added[name.removesuffix(".json")] = new_fields
    assert added == versions.ADDED_IN_31
    only_31 = {n.removesuffix(".json") for n in object_schemas("3.1")} - {
        n.removesuffix(".json") for n in object_schemas("3.0")
    }
    assert only_31 == versions.TABLES_31


@pytest.mark.parametrize("version", VERSIONS)
def test_every_demo_service_of_the_json_export_is_strictly_valid(
    demo_db: Session, service_count: int, tmp_path: Path, version: str
) -> None:
    export_hsds(demo_db, tmp_path, format="json", version=version)
    services = json.loads((tmp_path / "services.json").read_text())
    assert len(services) == service_count
    failing = {s["id"]: errors for s in services if (errors := schema_errors(s, "service.json", version))}
    assert not failing, (
        f"{len(failing)} of {len(services)} fail {version}: {next(iter(failing.values()))[:3]}"
    )
    with_capacity = [s for s in services if s.get("capacities")]
    if version == "3.0":
        assert not with_capacity
    else:
        assert len(with_capacity) == demo_db.scalar(
            select(func.count(func.distinct(ServiceCapacity.service_id)))
        )
        assert with_capacity
    for name, schema in (
        ("organizations", "organization.json"),
        ("taxonomies", "taxonomy.json"),
        ("taxonomy_terms", "taxonomy_term.json"),
    ):
        for record in json.loads((tmp_path / f"{name}.json").read_text()):
            validate(record, schema, version)


def _record(row: dict[str, str], kinds: dict[str, str], required: set[str]) -> dict[str, Any]:
    """A CSV row as the JSON record it stands for: empty cells are absent, except in required
    text fields, where CSV cannot tell an empty string (a change-log entry of a creation names
    no field) from none."""
    return {
        k: _typed(v, kinds[k]) if v != "" else ""
        for k, v in row.items()
        if v != "" or (k in required and kinds[k] == "string")
    }


def _typed(value: str, kind: str) -> Any:
    """A CSV cell as the JSON value its datapackage type names."""
    if kind in ("number", "integer"):
        number = float(value)
        return int(number) if number.is_integer() else number
    if kind == "boolean":
        return value.lower() == "true"
    return value


@pytest.mark.parametrize("version", VERSIONS)
def test_every_row_of_the_csv_datapackage_is_strictly_valid(
    demo_db: Session, service_count: int, tmp_path: Path, version: str
) -> None:
    export_hsds(demo_db, tmp_path, format="csv", version=version)
    descriptor = json.loads((tmp_path / "datapackage.json").read_text())
    spec = json.loads(shared_path("hsds", "spec", "datapackage", "datapackage-3.0.json").read_text())
    names = {r["name"] for r in descriptor["resources"]}
    expected = {r["name"] for r in spec["resources"]}
    assert names == (expected | {"service_capacity", "unit"} if version == "3.1" else expected)
    written = {p.name for p in tmp_path.iterdir()} - {"datapackage.json"}
    assert written == {t.path for t in tables_of(version)}
    rows_checked = 0
    termless: set[str] = set()
    for resource in descriptor["resources"]:
        kinds = {f["name"]: f["type"] for f in resource["schema"]["fields"]}
        schema = object_schemas(version)[f"{resource['name']}.json"]
        assert set(kinds) <= set(schema["properties"]), resource["name"]
        with (tmp_path / resource["path"]).open(newline="", encoding="utf-8") as fh:
            for row in csv.DictReader(fh):
                record = _record(row, kinds, set(tabular(schema)["required"]))
                errors = schema_errors(record, f"{resource['name']}.json", version, row=True)
                if resource["name"] == "attribute" and all(e.startswith("taxonomy_term_id:") for e in errors):
                    termless |= {row["link_type"]} if errors else set()
                    continue
                assert not errors, (resource["name"], row["id"], errors[:3])
                rows_checked += 1
        if resource["name"] == "service":
            assert rows_checked >= service_count
    assert rows_checked > 3 * service_count
    # The demo's pets attributes name no taxonomy term, which a table row must (the JSON form
    # need not): a gap of the demo data, not of the export; nothing else may lack one.
    assert termless <= {"pets"}


@pytest.mark.parametrize("version", VERSIONS)
def test_every_demo_service_page_of_the_api_is_strictly_valid(
    demo_client: Any, service_count: int, version: str
) -> None:
    ask = f"version={version}"
    root = demo_client.get(f"/hsds/?{ask}").get_json()
    assert root["version"] == version
    page = demo_client.get(f"/hsds/services?full=true&per_page=1000&{ask}").get_json()
    assert page["total_items"] == len(page["contents"]) == service_count
    validate_page(page, "service.json", version)
    assert any("capacities" in s for s in page["contents"]) == (version == "3.1")
    # By id, the same document: one service in sixteen, and some with capacities.
    sample = page["contents"][::16] + [s for s in page["contents"] if s.get("capacities")][:5]
    for svc in sample:
        by_id = demo_client.get(f"/hsds/services/{svc['id']}?{ask}")
        assert f"/en/{version}/" in by_id.headers["Link"]
        assert by_id.get_json() == svc
    for path, schema in (
        ("services", "compiled/service_list.json"),
        ("services?minimal=true", "compiled/service_list.json"),
        ("service_at_locations", "compiled/service_at_location_list.json"),
        ("service_at_locations?full=true", "service_at_location.json"),
        ("organizations?full_service=true", "organization.json"),
        ("taxonomy_terms", "taxonomy_term.json"),
    ):
        sep = "&" if "?" in path else "?"
        validate_page(demo_client.get(f"/hsds/{path}{sep}per_page=100&{ask}").get_json(), schema, version)
    lines = (
        demo_client.get(f"/hsds/services?format=ndjson&full=true&{ask}").get_data(as_text=True).splitlines()
    )
    # Every service in one stream: the documents of the page, validated above.
    streamed = {doc["id"]: doc for doc in map(json.loads, lines)}
    assert streamed == {doc["id"]: doc for doc in page["contents"]}
