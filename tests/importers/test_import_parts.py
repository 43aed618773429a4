"""The pieces of an import: row checks, cleaning, eligibility text, duplicates, progress."""

from __future__ import annotations

import io
import json
import uuid
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from catalog.models import Service, ServiceStatus
from importers import run_import
from importers.duplicates import keep_apart, list_candidates, merge, provenance
from importers.eligibility_text import ages, situations
from importers.hsds_csv import detect_version
from importers.models import DuplicateStatus
from importers.normalize import clean_phone, clean_postal_code, clean_state, clean_text, clock
from importers.progress import ProgressBar
from importers.validate import problems, schema_problems

UUID = "ac148810-d857-441c-9679-408f346de14b"


@pytest.mark.parametrize(
    ("table", "record"),
    [
        ("service", {"id": "x", "name": "a", "status": "active", "email": "bad"}),
        ("service", {"id": UUID, "name": "a", "status": "active", "email": "a@b.org", "url": "http://x.org"}),
        ("service", {"id": UUID, "name": "a", "status": "sometimes", "minimum_age": "ten"}),
        ("address", {"id": UUID, "address_1": "1 Main St"}),
        ("location", {"id": UUID, "location_type": "physical", "latitude": True, "longitude": "x"}),
        ("service_capacity", {"id": UUID, "available": "x"}),
        ("phone", {"id": UUID, "number": 5}),
    ],
)
def test_compiled_check_agrees_with_the_json_schema_validator(table: str, record: dict[str, Any]) -> None:
    ours = {f for f, _ in problems(table, record)}
    theirs = {f for f, _ in schema_problems(table, record)}
    assert ours - {"name", "number"} == theirs - {"name", "number"}


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        ("Line one\\nLine two", "Line one\nLine two"),
        ("Food.\\n\\n###MON###\\n###COL###", "Food."),
        ("<p>Hot <b>meals</b></p><br>daily &amp; free", "Hot meals\n\ndaily & free"),
        ("   ", None),
    ],
)
def test_text_is_cleaned(raw: str, clean: str | None) -> None:
    assert clean_text(raw) == clean


def test_values_are_normalized() -> None:
    assert clean_state("FL ") == "FL"
    assert clean_state("Florida") == "FL"
    assert clean_postal_code("6708") == "06708"
    assert clean_postal_code(2134) == "02134"
    assert clean_postal_code("33101-1234") == "33101-1234"
    assert clean_phone("(305) 555-0100 ext. 12") == ("305-555-0100", 12)
    assert clean_phone("+44 20 7946 0000") == ("+44 20 7946 0000", None)


@pytest.mark.parametrize(
    ("text", "codes", "age_range"),
    [
        ("Homeless women, 18 and older", {"20036", "20058"}, (18, None)),
        ("Veterans only", {"20010"}, (None, None)),
        ("Youth ages 16-24", set(), (16, 24)),
        ("Men and women welcome", set(), (None, None)),
        ("Children under 5", set(), (None, 4)),
        ("Open to the public", set(), (None, None)),
    ],
)
def test_eligibility_text_is_read_conservatively(
    text: str, codes: set[str], age_range: tuple[Any, Any]
) -> None:
    assert set(situations(text)) == codes
    assert ages(text) == age_range


@pytest.mark.parametrize(
    ("names", "version"),
    [
        ({"services.csv", "regular_schedules.csv", "services_taxonomy.csv"}, "1.1"),
        ({"services.csv", "regular_schedules.csv", "taxonomy.csv"}, "1.0"),
        ({"services.csv", "service_attributes.csv", "schedules.csv"}, "2.0"),
        ({"services.csv", "attributes.csv", "addresses.csv", "taxonomies.csv"}, "3.0"),
        ({"service.csv", "service_at_location.csv"}, "3.0"),
    ],
)
def test_tabular_version_comes_from_file_names(names: set[str], version: str) -> None:
    assert detect_version(names) == version


def test_clock_reads_twelve_hour_times() -> None:
    assert [clock(t) for t in ("9:00am", "5:00 PM", "12:00pm", "12am", "17:30", "0900", "noon", "soon")] == [
        "09:00",
        "17:00",
        "12:00",
        "00:00",
        "17:30",
        "09:00",
        "12:00",
        None,
    ]


def test_progress_is_quiet_when_not_a_terminal() -> None:
    out = io.StringIO()
    bar = ProgressBar(stream=out)
    bar(5, 10)
    bar(10, 10)
    assert out.getvalue() == ""


def test_progress_draws_on_a_terminal() -> None:
    class Tty(io.StringIO):
        def isatty(self) -> bool:
            return True

    out = Tty()
    ProgressBar(stream=out)(10, 10)
    assert "10/10" in out.getvalue()


def _pantry(tmp_path: Path, name: str, sid: str, phone: str) -> Path:
    f = tmp_path / f"{name}.json"
    f.write_text(
        json.dumps(
            {
                "id": sid,
                "name": "Eastside Food Pantry",
                "status": "active",
                "phones": [{"id": str(uuid.uuid4()), "number": phone}],
                "service_at_locations": [
                    {
                        "id": str(uuid.uuid4()),
                        "location": {
                            "id": str(uuid.uuid4()),
                            "location_type": "physical",
                            "latitude": 39.961,
                            "longitude": -82.999,
                            "addresses": [
                                {
                                    "id": str(uuid.uuid4()),
                                    "address_1": "12 Oak St",
                                    "city": "Columbus",
                                    "state_province": "OH",
                                    "postal_code": "43215",
                                    "country": "US",
                                    "address_type": "physical",
                                }
                            ],
                        },
                    }
                ],
            }
        )
    )
    return f


def test_duplicates_across_sources_are_listed_then_merged(db: Session, tmp_path: Path) -> None:
    a, b = str(uuid.uuid4()), str(uuid.uuid4())
    run_import(db, str(_pantry(tmp_path, "county", a, "(614) 555-0100")), source="county")
    report = run_import(db, str(_pantry(tmp_path, "211", b, "614.555.0100")), source="211")
    assert len(report.duplicates) == 1
    assert report.duplicates[0]["score"] >= 90
    [cand] = list_candidates(db)
    assert {cand["source_a"], cand["source_b"]} == {"county", "211"}
    merged = merge(db, uuid.UUID(cand["id"]), keep=uuid.UUID(a))
    assert merged.status == DuplicateStatus.merged
    assert db.get(Service, uuid.UUID(b)).status == ServiceStatus.inactive
    assert db.get(Service, uuid.UUID(a)).status == ServiceStatus.active
    assert {p.source for p in provenance(db, uuid.UUID(a))} == {"county", "211"}
    assert list_candidates(db) == []
    # Importing again proposes nothing new: the pair was decided.
    assert run_import(db, str(_pantry(tmp_path, "211", b, "614.555.0100")), source="211").duplicates == []


def test_keep_apart_is_not_proposed_again(db: Session, tmp_path: Path) -> None:
    a, b = str(uuid.uuid4()), str(uuid.uuid4())
    run_import(db, str(_pantry(tmp_path, "county", a, "614-555-0100")), source="county")
    report = run_import(db, str(_pantry(tmp_path, "211", b, "614-555-0100")), source="211")
    keep_apart(db, uuid.UUID(report.duplicates[0]["id"]))
    assert list_candidates(db) == []
    assert list_candidates(db, include_decided=True)[0]["status"] == "kept_apart"


def test_cli_duplicates_list_and_merge(app: Any, db: Session, tmp_path: Path) -> None:
    a, b = str(uuid.uuid4()), str(uuid.uuid4())
    run_import(db, str(_pantry(tmp_path, "county", a, "614-555-0100")), source="county")
    report = run_import(db, str(_pantry(tmp_path, "211", b, "614-555-0100")), source="211")
    db.commit()
    runner = app.test_cli_runner()
    listed = runner.invoke(args=["duplicates", "list"])
    assert report.duplicates[0]["id"] in listed.output
    done = runner.invoke(args=["duplicates", "merge", report.duplicates[0]["id"]])
    assert done.exit_code == 0, done.output
    again = runner.invoke(args=["duplicates", "merge", report.duplicates[0]["id"]])
    assert again.exit_code != 0
    assert "already decided" in again.output


def test_xlsx_through_a_mapping(db: Session, tmp_path: Path) -> None:
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.append(["Site", "Street", "Town", "State", "ZIP", "Open"])
    ws.append(["Harbor Kitchen", "5 Pier Rd", "Boston", "MA", 2110, "Mon-Fri 11am-1pm"])
    f = tmp_path / "sites.xlsx"
    wb.save(f)
    m = tmp_path / "m.yaml"
    m.write_text(
        "id: Site\nservice: {name: Site}\n"
        "address: {address_1: Street, city: Town, state_province: State, postal_code: ZIP}\nhours: Open\n"
    )
    report = run_import(db, str(f), source="sites", format="spreadsheet", mapping=str(m))
    assert report.balanced
    assert report.counts("service").created == 1
    assert report.fixes["address.postal_code: leading zero of the ZIP code restored"] == 1
    [svc] = [s for s in db.scalars(select(Service)) if s.name == "Harbor Kitchen"]
    assert [(s.byday, s.opens_at, s.closes_at) for s in svc.schedules] == [
        ("MO,TU,WE,TH,FR", "11:00", "13:00")
    ]


def test_web_address_without_scheme_is_completed() -> None:
    from importers.normalize import normalize_record

    rec = {"id": "1", "name": "YMCA", "url": "www.ymcamiami.org/locations"}
    changes = normalize_record("service", rec)
    assert rec["url"] == "http://www.ymcamiami.org/locations"
    assert [c[0] for c in changes] == ["url"]
    rec = {"id": "1", "url": "https://example.org", "website": "call us"}
    assert normalize_record("organization", rec) == []
