"""`linkage export hsds`: HSDS 3.0 (or 3.1) JSON and the tabular datapackage, and back in unchanged."""

from __future__ import annotations

import csv
import json
import uuid
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from catalog.models import Service
from hsds.export import export_hsds
from hsds.export_tables import TABLES, tables_of
from hsds.mapping import from_hsds, to_hsds
from tests.conftest import shared_path
from tests.hsds.conftest import validate


@pytest.fixture
def filled(db: Session, make_service: Any, make_term: Any) -> list[uuid.UUID]:
    """The spec's service_full example plus factory services with capacity, hours, terms."""
    example = json.loads(shared_path("hsds", "spec-examples-3.0", "json", "service_full.json").read_text())
    # The example's coordinates are placeholders (latitude 100) that an import rightly refuses.
    for location in (example["service_at_locations"][0]["location"], *example["organization"]["locations"]):
        location["latitude"], location["longitude"] = 39.9612, -82.9988
    from_hsds(db, "service", example)
    make_term("1102", "Food")
    ids = [uuid.UUID(example["id"])]
    ids.append(make_service("Eastside Food Pantry", terms=(("1102", "Food", "service"),)).id)
    ids.append(
        make_service(
            "Harbor Night Shelter", beds=3, beds_max=20, opens="19:00", closes="07:00", languages=("en", "es")
        ).id
    )
    db.flush()
    return ids


def _comparable(value: Any) -> Any:
    """A service as HSDS, minus what an import writes itself: change log and last_modified."""
    if isinstance(value, dict):
        return {
            k: _comparable(v)
            for k, v in value.items()
            if k not in ("metadata", "last_modified") and v is not None and v != []
        }
    if isinstance(value, list):
        return sorted((_comparable(v) for v in value), key=lambda v: json.dumps(v, sort_keys=True))
    if isinstance(value, str):
        return value.strip()  # an import trims the ends of text
    return value


def catalog_of(session: Session) -> dict[str, Any]:
    services = session.scalars(select(Service).order_by(Service.id)).all()
    return {str(s.id): _comparable(to_hsds(s)) for s in services}


@pytest.mark.parametrize("version", ["3.0", "3.1"])
def test_json_export_is_schema_valid_nested_services(
    db: Session, filled: list[uuid.UUID], tmp_path: Path, version: str
) -> None:
    report = export_hsds(db, tmp_path / "out", format="json", version=version)
    services = json.loads((tmp_path / "out" / "services.json").read_text())
    assert report.files["services.json"] == len(services) == 3
    for svc in services:
        validate(svc, "service.json", version)
    for name, schema in (
        ("organizations", "organization.json"),
        ("taxonomies", "taxonomy.json"),
        ("taxonomy_terms", "taxonomy_term.json"),
    ):
        for record in json.loads((tmp_path / "out" / f"{name}.json").read_text()):
            validate(record, schema, version)
    shelter = next(s for s in services if s["name"] == "Harbor Night Shelter")
    if version == "3.1":
        assert shelter["capacities"][0]["maximum"] == 20
    else:
        assert "capacities" not in shelter
    assert not list((tmp_path / "out").glob("*.part"))


def test_ndjson_export_has_one_service_a_line(db: Session, filled: list[uuid.UUID], tmp_path: Path) -> None:
    export_hsds(db, tmp_path, format="json", ndjson=True)
    lines = (tmp_path / "services.ndjson").read_text().splitlines()
    assert len(lines) == 3
    assert {json.loads(line)["id"] for line in lines} == {str(i) for i in filled}


@pytest.mark.parametrize("version", ["3.0", "3.1"])
def test_csv_export_is_the_30_datapackage_with_its_headers(
    db: Session, filled: list[uuid.UUID], tmp_path: Path, version: str
) -> None:
    export_hsds(db, tmp_path, format="csv", version=version)
    spec = json.loads(shared_path("hsds", "spec", "datapackage", "datapackage-3.0.json").read_text())
    ours = json.loads((tmp_path / "datapackage.json").read_text())
    assert {k: v for k, v in ours.items() if k != "resources"} == {
        k: v for k, v in spec.items() if k != "resources"
    }
    by_name = {r["name"]: r for r in ours["resources"]}
    for resource in spec["resources"]:
        mine = by_name.pop(resource["name"])
        fields = [f["name"] for f in resource["schema"]["fields"]]
        assert mine["path"] == resource["path"]
        assert [f["name"] for f in mine["schema"]["fields"]] == fields
        assert [f["type"] for f in mine["schema"]["fields"]] == [
            f["type"] for f in resource["schema"]["fields"]
        ]
        with (tmp_path / resource["path"]).open(newline="", encoding="utf-8") as fh:
            assert next(csv.reader(fh)) == fields
    # 3.0 is the 3.0 datapackage exactly; 3.1 adds its capacity tables, and says so.
    assert set(by_name) == ({"service_capacity", "unit"} if version == "3.1" else set())
    assert all("3.1" in r["description"] for r in by_name.values())
    assert (tmp_path / "service_capacity.csv").exists() == (version == "3.1")
    with (tmp_path / "services.csv").open(newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    assert {r["id"] for r in rows} == {str(i) for i in filled}
    example = next(r for r in rows if r["name"] == "Community Counselling")
    assert (example["minimum_age"], example["assured_date"], example["status"]) == (
        "12",
        "2005-01-01",
        "active",
    )
    if version == "3.1":
        with (tmp_path / "service_capacity.csv").open(newline="", encoding="utf-8") as fh:
            caps = list(csv.DictReader(fh))
        assert [(c["available"], c["maximum"]) for c in caps] == [("3", "20")]


def test_csv_values_match_the_spec_example_csv(db: Session, filled: list[uuid.UUID], tmp_path: Path) -> None:
    """The spec example's service row, exported, reads the same as the spec's own CSV row."""
    export_hsds(db, tmp_path, format="csv")
    for table in ("services.csv", "phones.csv", "schedules.csv", "addresses.csv"):
        with shared_path("hsds", "spec-examples-3.0", "csv", table).open(newline="", encoding="utf-8") as fh:
            theirs = list(csv.DictReader(fh))
        with (tmp_path / table).open(newline="", encoding="utf-8") as fh:
            mine = {r["id"]: r for r in csv.DictReader(fh)}
        for row in theirs:
            assert row["id"] in mine, (table, row["id"])
            got = mine[row["id"]]
            for key, value in row.items():
                if key != "last_modified" and value:
                    assert got[key] == value, (table, key)


def test_no_linkage_only_columns_or_change_entries(
    db: Session, filled: list[uuid.UUID], tmp_path: Path
) -> None:
    svc = db.get(Service, filled[2])
    assert svc is not None
    svc.service_at_locations[0].location.geocode_source = "census"
    db.flush()
    export_hsds(db, tmp_path / "csv", format="csv")
    export_hsds(db, tmp_path / "json", format="json")
    for path in [*(tmp_path / "csv").iterdir(), *(tmp_path / "json").iterdir()]:
        assert "geocode_source" not in path.read_text(encoding="utf-8"), path.name


def test_json_round_trip_into_an_empty_database_gives_the_same_catalog(
    db: Session, filled: list[uuid.UUID], tmp_path: Path, empty_db: sessionmaker[Session]
) -> None:
    before = catalog_of(db)
    export_hsds(db, tmp_path, format="json", version="3.1")
    with empty_db() as target:
        for name, table in (
            ("taxonomies", "taxonomy"),
            ("taxonomy_terms", "taxonomy_term"),
            ("organizations", "organization"),
            ("services", "service"),
        ):
            for record in json.loads((tmp_path / f"{name}.json").read_text()):
                from_hsds(target, table, record)
            target.flush()
        target.commit()
        target.expunge_all()
        after = catalog_of(target)
    assert after == before


@pytest.mark.parametrize(("fmt", "reader"), [("json", "hsds-json"), ("csv", "hsds-csv")])
def test_export_then_import_gives_the_same_catalog(
    db: Session,
    filled: list[uuid.UUID],
    tmp_path: Path,
    empty_db: sessionmaker[Session],
    fmt: str,
    reader: str,
) -> None:
    from importers import run_import

    before = catalog_of(db)
    export_hsds(db, tmp_path, format=fmt, version="3.1")
    with empty_db() as target:
        target.info["actor"] = "import:test"
        report = run_import(target, str(tmp_path), source="roundtrip", format=reader)
        target.commit()
        target.expunge_all()
        after = catalog_of(target)
    assert sum(c.rejected for c in report.tables.values()) == 0, report.rejected
    assert after == before


def test_cli_exports_both_formats(app: Any, filled: list[uuid.UUID], tmp_path: Path, db: Session) -> None:
    db.commit()
    runner = app.test_cli_runner()
    result = runner.invoke(args=["export", "hsds", str(tmp_path / "j"), "--format", "json"])
    assert result.exit_code == 0, result.output
    assert "services.json: 3" in result.output
    assert "Exported HSDS 3.0 (json)" in result.output
    result = runner.invoke(args=["export", "hsds", str(tmp_path / "c"), "--format", "csv"])
    assert result.exit_code == 0, result.output
    assert {t.path for t in tables_of("3.0")} == {p.name for p in (tmp_path / "c").iterdir()} - {
        "datapackage.json"
    }
    result = runner.invoke(
        args=["export", "hsds", str(tmp_path / "c31"), "--format", "csv", "--version", "3.1"]
    )
    assert result.exit_code == 0, result.output
    assert "Exported HSDS 3.1 (csv)" in result.output
    assert {t.path for t in TABLES} <= {p.name for p in (tmp_path / "c31").iterdir()}
    result = runner.invoke(args=["export", "hsds", str(tmp_path / "x"), "--version", "2.0"])
    assert result.exit_code != 0
    result = runner.invoke(args=["export", "hsds", str(tmp_path / "c" / "services.csv")])
    assert result.exit_code != 0
    assert "is a file" in result.output
