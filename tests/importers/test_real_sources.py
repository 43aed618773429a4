"""Real directories: Miami 211 (HSDS 1.1 with its real defects), Ohana CSV, federal lists by mapping."""

from __future__ import annotations

import csv
import json
import uuid
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from catalog.models import Address, Attribute, Location, Service, ServiceCapacity
from importers import ImportFailed, run_import
from importers.eligibility_text import term_id
from importers.operations import entity_id
from tests.conftest import shared_path

MAPPINGS = Path(__file__).resolve().parents[2] / "importers" / "mappings"


def _count(db: Session, model: Any, *where: Any) -> int:
    return db.scalar(select(func.count()).select_from(model).where(*where)) or 0


@pytest.fixture(scope="module")
def miami_dir() -> Path:
    return shared_path("data", "miami-open211-hsds1.1")


def test_miami_211_defects_are_handled_and_reported(db: Session, miami_dir: Path) -> None:
    report = run_import(db, str(miami_dir), source="miami211")
    assert report.version == "1.1"
    assert report.balanced
    assert report.counts("services").read == 4089
    assert report.counts("services").created == 4089
    assert report.counts("organizations").created == 1074
    # Each language row reuses its service id as its own: all 9,364 are kept.
    assert report.counts("languages").created == 9364
    # Every eligibility row has an empty service_id: each is listed, none vanishes.
    elig = [i for i in report.rejected if i.table == "eligibility"]
    assert len(elig) == 2244
    assert all("service_id is empty" in i.reason for i in elig)
    # "FL " and a country of three spaces are cleaned, and said so.
    assert report.fixes["address.state_province: state spaces trimmed"] > 4000
    assert report.fixes["address.country: blank country set to US (the state is a US state)"] > 4000
    assert not _count(db, Address, Address.state_province == "FL ")
    # Literal \n and ###MON### markers are gone from the text.
    texts = db.scalars(select(Service.description).where(Service.description.is_not(None))).all()
    assert not any("\\n" in t or "###" in t for t in texts)
    # The descriptor's paths do not match the folder: flagged, the files are read anyway.
    assert any(i.field == "resources.path" for i in report.flags)
    # Locations without coordinates were geocoded offline, with the precision recorded.
    missing = _count(db, Location, Location.latitude.is_(None))
    geocoded = _count(db, Location, Location.geocode_precision.in_(("postcode", "city", "street", "rooftop")))
    assert geocoded > 1500
    assert missing < 100
    assert _count(db, Location, Location.geocode_precision == "coordinates") > 2000
    # The same export again changes nothing (one test: the import is the slow part).
    again = run_import(db, str(miami_dir), source="miami211")
    assert again.total("created") == 0
    assert again.total("updated") == 0
    assert again.balanced


def test_ohana_sample(db: Session) -> None:
    report = run_import(db, str(shared_path("data", "ohana-sample-csv")), source="ohana")
    assert report.format == "ohana-csv"
    assert report.balanced
    assert report.counts("services").created == 23
    assert report.counts("locations").created == 22
    assert report.total("rejected") == 0
    svc = db.get(Service, entity_id("ohana", "service", "1"))
    assert svc is not None
    # "Older adults age 55 or over" became an age and a situation the matcher reads.
    assert svc.minimum_age == 55
    assert _count(
        db, Attribute, Attribute.link_id == svc.id, Attribute.taxonomy_term_id == uuid.UUID(term_id("20006"))
    )


def test_ohana_maryland_icarol(db: Session) -> None:
    report = run_import(db, str(shared_path("data", "ohana-maryland-icarol", "icarol-csv")), source="icarol")
    assert report.balanced
    assert report.counts("services").read == 1876
    assert report.counts("services").created + report.counts("services").rejected == 1876
    assert report.counts("organizations").created > 700
    women = _count(
        db,
        Attribute,
        Attribute.link_type == "eligibility",
        Attribute.taxonomy_term_id == uuid.UUID(term_id("20036")),
    )
    assert women > 0


def _slice(src: Path, dest: Path, keep: Any, limit: int = 400) -> Path:
    """A few hundred rows of a national list, chosen to include its known quirks."""
    with src.open(newline="", encoding="utf-8") as fh, dest.open("w", newline="", encoding="utf-8") as out:
        reader = csv.reader(fh)
        writer = csv.writer(out)
        header = next(reader)
        writer.writerow(header)
        n = 0
        for i, row in enumerate(reader):
            if i < 100 or keep(dict(zip(header, row, strict=False))):
                writer.writerow(row)
                n += 1
            if n >= limit:
                break
    return dest


def test_samhsa_through_a_mapping_restores_lost_zip_zeros(db: Session, tmp_path: Path) -> None:
    src = shared_path("data", "federal-facilities", "samhsa_substance_use_treatment_geocoded.csv")
    f = _slice(src, tmp_path / "samhsa.csv", lambda r: r["state"] in ("CT", "MA", "NJ"))
    report = run_import(
        db, str(f), source="samhsa", format="spreadsheet", mapping=str(MAPPINGS / "samhsa-substance-use.yaml")
    )
    assert report.balanced
    assert report.counts("service").created + report.counts("service").rejected == 400
    assert report.fixes["address.postal_code: leading zero of the ZIP code restored"] > 10
    ct = db.scalars(select(Address.postal_code).where(Address.state_province == "CT")).all()
    assert ct
    assert all(len(z) == 5 and z.startswith("0") for z in ct)


def test_hud_beds_become_capacity(db: Session, tmp_path: Path) -> None:
    src = shared_path("data", "federal-facilities", "hud_hic_2018_geocoded_beds.csv")
    f = _slice(src, tmp_path / "hud.csv", lambda r: len(r["zip"].strip()) == 4, limit=300)
    report = run_import(
        db, str(f), source="hud", format="spreadsheet", mapping=str(MAPPINGS / "hud-hic-beds.yaml")
    )
    assert report.balanced
    assert _count(db, ServiceCapacity) == report.counts("service_capacity").created
    assert _count(db, ServiceCapacity) > 250
    again = run_import(
        db, str(f), source="hud", format="spreadsheet", mapping=str(MAPPINGS / "hud-hic-beds.yaml")
    )
    assert again.total("created") == 0
    assert again.total("updated") == 0


def test_spreadsheet_free_text_hours_and_swapped_coordinates(db: Session, tmp_path: Path) -> None:
    f = tmp_path / "pantries.csv"
    f.write_text(
        "code,name,street,city,state,zip,lat,lon,hours,who\n"
        "A1,East Pantry,12 Oak St,Columbus,OH,43215,39.96,-82.99,Mon-Fri 9am-5pm; Sat 10-2,Veterans only\n"
        "A2,Night Shelter,40 Elm St,Columbus,OH,43215,-82.99,39.96,24 hours,Women 18 and older\n"
        "A3,Mystery Hours,1 Main St,Columbus,OH,43215,39.95,-83.0,call for hours,\n"
        ",No Code,1 Main St,Columbus,OH,43215,39.95,-83.0,,\n"
    )
    m = tmp_path / "map.yaml"
    m.write_text(
        "id: code\nservice: {name: name}\nlocation: {latitude: lat, longitude: lon}\n"
        "address: {address_1: street, city: city, state_province: state, postal_code: zip}\n"
        "hours: hours\neligibility: who\ndefaults: {address.country: US}\n"
    )
    report = run_import(db, str(f), source="pantries", format="spreadsheet", mapping=str(m))
    assert report.balanced
    assert report.counts("service").created == 3
    assert [(i.row, i.reason) for i in report.rejected if i.table == "pantries"] == [
        (5, "the columns that identify the row are empty")
    ]
    swapped = [i for i in report.flags if i.field == "latitude,longitude"]
    assert len(swapped) == 1
    assert swapped[0].row == 3
    assert any(i.field == "hours" and i.row == 4 for i in report.flags)
    shelter = db.get(Service, entity_id("pantries", "service", _sid("A2")))
    assert shelter is not None
    assert shelter.minimum_age == 18
    assert [(s.byday, s.opens_at, s.closes_at, s.description) for s in shelter.schedules] == [
        ("MO,TU,WE,TH,FR,SA,SU", "00:00", "23:59", "24 hours")
    ]
    loc = shelter.service_at_locations[0].location
    assert loc.geocode_precision == "postcode"


def _sid(code: str) -> str:
    import hashlib

    return hashlib.sha1(code.lower().encode(), usedforsecurity=False).hexdigest()[:20]


def test_mapping_naming_a_missing_column_is_a_clear_error(db: Session, tmp_path: Path) -> None:
    f = tmp_path / "x.csv"
    f.write_text("a,b\n1,2\n")
    m = tmp_path / "m.yaml"
    m.write_text("id: a\nservice: {name: title}\n")
    with pytest.raises(ImportFailed, match="columns the file does not have: title"):
        run_import(db, str(f), source="x", format="spreadsheet", mapping=str(m))


def test_truncated_csv_is_a_clear_error(db: Session, tmp_path: Path) -> None:
    d = tmp_path / "pkg"
    d.mkdir()
    (d / "services.csv").write_text('id,name,status\n1,"Unclosed quote,active\n')
    (d / "regular_schedules.csv").write_text("id,service_id,weekday,opens_at,closes_at\n")
    with pytest.raises(ImportFailed) as info:
        run_import(db, str(d), source="x")
    assert "services.csv" in str(info.value)
    assert not _count(db, Service)


def test_cli_import_writes_report_and_commits_once(app: Any, db: Session, tmp_path: Path) -> None:
    out = tmp_path / "report.json"
    path = shared_path("hsds", "spec-examples-3.0", "json", "service_full.json")
    result = app.test_cli_runner().invoke(
        args=["import", str(path), "--source", "spec", "--report", str(out)]
    )
    assert result.exit_code == 0, result.output
    assert "service" in result.output
    data = json.loads(out.read_text())
    assert data["balanced"] is True
    assert data["tables"]["service"]["created"] == 1


def test_cli_bad_input_is_one_line_not_a_traceback(app: Any, tmp_path: Path) -> None:
    f = tmp_path / "broken.json"
    f.write_text('{"id": "x", "name": ')
    result = app.test_cli_runner().invoke(args=["import", str(f)])
    assert result.exit_code != 0
    assert "Traceback" not in result.output
    assert "broken.json" in result.output
    assert "nothing was written" in result.output
