"""The demo county: deterministic, varied enough to exercise every feature, valid HSDS 3.0."""

from __future__ import annotations

import csv
import datetime as dt
import json
import uuid
from functools import cache
from pathlib import Path
from typing import Any

from jsonschema import Draft202012Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from catalog.models import Service, ServiceCapacity, TaxonomyTerm
from demo import generate, load, term_id
from demo.data import OE_TERMS
from hours import is_open
from hsds.shapes import service_full
from tests.conftest import shared_path

NOW = dt.datetime(2026, 11, 20, 15, 30, tzinfo=dt.UTC)  # a Friday, 10:30 in Columbus


@cache
def _demo() -> list[dict[str, Any]]:
    """The default county, generated once for the read-only tests."""
    return generate(2026, now=NOW)


def _all(services: list[dict[str, Any]], key: str) -> list[dict[str, Any]]:
    return [item for s in services for item in s[key]]


def test_same_seed_and_now_give_byte_identical_json() -> None:
    first = json.dumps(generate(7, now=NOW), sort_keys=True)
    second = json.dumps(generate(7, now=NOW), sort_keys=True)
    assert first == second
    assert json.dumps(generate(8, now=NOW), sort_keys=True) != first


def test_ids_are_name_based_uuids_never_random() -> None:
    services = _demo()
    assert len(services) >= 300
    ids = [s["id"] for s in services]
    assert len(set(ids)) == len(ids)
    assert {uuid.UUID(i).version for i in ids} == {5}
    assert len({s["name"] for s in services}) == len(services)


def _types(service: dict[str, Any]) -> set[str]:
    return {a["taxonomy_term"]["code"] for a in service["attributes"] if a["link_type"] == "service_type"}


def _situations(service: dict[str, Any], link_type: str) -> set[str]:
    return {a["taxonomy_term"]["code"] for a in service["attributes"] if a["link_type"] == link_type}


def test_the_county_holds_every_kind_of_service() -> None:
    services = _demo()
    codes = ("1121", "1180", "1181", "1182", "1126", "1130", "1131", "1136", "1375", "1108", "1124")
    by_type = {code: [s for s in services if code in _types(s)] for code in codes}
    assert all(by_type.values()), {k for k, v in by_type.items() if not v}
    names = " ".join(s["name"] for s in services)
    for word in ("Men's", "Women's", "Family Shelter", "Teen", "Young Adult", "Domestic Violence",
                 "Withdrawal Management", "Crisis Line", "Food Pantry", "Legal", "Veterans"):  # fmt: skip
        assert word in names


def test_eligibility_is_data_ages_genders_families_and_veterans() -> None:
    services = _demo()
    teen = next(s for s in services if "Teen Crisis Shelter" in s["name"])
    assert (teen["minimum_age"], teen["maximum_age"]) == (12, 17)
    young = next(s for s in services if "Young Adult Shelter" in s["name"])
    assert (young["minimum_age"], young["maximum_age"]) == (18, 24)
    men = next(s for s in services if "Men's Overnight" in s["name"])
    assert "20037" in _situations(men, "eligibility")
    assert men["minimum_age"] == 18
    women = next(s for s in services if "Women's Shelter" in s["name"])
    assert "20036" in _situations(women, "eligibility")
    family = next(s for s in services if "Family Shelter" in s["name"])
    assert "20054" in _situations(family, "eligibility")
    dv = next(s for s in services if "Domestic Violence Shelter" in s["name"])
    assert "20083" in _situations(dv, "eligibility")
    assert {"20036", "20054"} <= _situations(dv, "audience")
    vets = [s for s in services if "20010" in _situations(s, "eligibility")]
    assert vets
    assert all(any("DD-214" in d["document"] for d in s["required_documents"]) for s in vets)
    assert any(d["document"].startswith("Photo ID") for d in _all(services, "required_documents"))
    plans = {a["value"] for a in _all(services, "attributes") if a["link_type"] == "insurance"}
    assert plans == {"medicaid", "medicare", "private"}
    options = {c["option"] for c in _all(services, "cost_options")}
    assert {"Free", "Sliding scale"} <= options
    term_ids = {a["taxonomy_term"]["code"]: a["taxonomy_term"]["id"] for a in _all(services, "attributes")
                if a.get("taxonomy_term")}  # fmt: skip
    assert term_ids["20010"] == term_id("20010")


def test_hours_cover_breaks_overnight_24h_closed_days_and_a_holiday() -> None:
    rows = _all(_demo(), "schedules")
    weekly = [r for r in rows if "valid_from" not in r]
    assert any(r["closes_at"] < r["opens_at"] for r in weekly)  # overnight
    assert any((r["opens_at"], r["closes_at"]) == ("00:00", "23:59") for r in weekly)
    assert any((r["opens_at"], r["closes_at"]) == ("13:00", "16:30") for r in weekly)  # after lunch
    assert any(r["byday"] == "TU,TH" for r in weekly)  # closed the other days
    closed = [r for r in rows if r.get("description") == "Closed for Thanksgiving"]
    assert closed
    assert all(r["valid_from"] == r["valid_to"] == "2026-11-26" for r in closed)
    # The exception wins over the weekly rows on that day (Thanksgiving 2026 is a Thursday).
    service = next(s for s in _demo() if any(r in closed for r in s["schedules"]))
    thursday_noon = dt.datetime(2026, 11, 26, 12, 0)
    assert is_open(service["schedules"], thursday_noon) is False


def test_beds_languages_and_areas_vary() -> None:
    services = _demo()
    caps = _all(services, "capacities")
    ages = [NOW - dt.datetime.fromisoformat(c["updated"].replace("Z", "+00:00")) for c in caps]
    assert any(a <= dt.timedelta(hours=1) for a in ages)
    assert any(a >= dt.timedelta(days=2) for a in ages)
    assert any(c["available"] == 0 for c in caps)
    assert {c["unit"]["name"] for c in caps} == {"bed"}
    shelters = [s for s in services if "1121" in _types(s)]
    assert any(not s["capacities"] for s in shelters)
    codes = {lang["code"] for lang in _all(services, "languages")}
    assert {"en", "es", "so", "ne", "ar", "fr"} <= codes
    areas = _all(services, "service_areas")
    assert all(a["extent_type"] == "geojson" and json.loads(a["extent"])["type"] == "Polygon" for a in areas)
    assert len({a["name"] for a in areas}) > 1
    assert "Harbor County" in {a["name"] for a in areas}
    zips = {
        a["postal_code"] for s in services for sal in s["service_at_locations"]
        for a in sal["location"].get("addresses", [])
    }  # fmt: skip
    assert zips
    assert all(z.startswith("43") for z in zips)
    assert all(s["assured_date"] < NOW.date().isoformat() for s in services)


def test_open_eligibility_codes_and_names_are_the_real_ones() -> None:
    path = shared_path("hsds", "taxonomies", "open-eligibility",
                       "DERIVED_openeligibility-v2.0-services-and-situations.csv")  # fmt: skip
    with path.open(newline="", encoding="utf-8") as fh:
        real = {(r["code"], r["name"], r["parent_code"] or None) for r in csv.DictReader(fh)}
    assert set(OE_TERMS) <= real, set(OE_TERMS) - real


def _registry(folder: Path) -> Registry:
    resources = [
        (p.name, Resource.from_contents(json.loads(p.read_text()), default_specification=DRAFT202012))
        for p in folder.glob("*.json")
    ]
    return Registry().with_resources(resources)


def _validator(folder: Path, name: str) -> Draft202012Validator:
    schema = json.loads((folder / name).read_text())
    return Draft202012Validator(
        schema, registry=_registry(folder), format_checker=Draft202012Validator.FORMAT_CHECKER
    )


def test_every_generated_service_is_valid_hsds() -> None:
    """All 300+ services as generated (what the loader writes): each unique organization
    against organization.json, the rest of the service against the 3.0 service.json, each
    capacity (3.1-only, unknown to 3.0) against schema-3.1-dev/service_capacity.json."""
    spec = shared_path("hsds", "spec")
    service_v = _validator(spec / "schema", "service.json")
    org_v = _validator(spec / "schema", "organization.json")
    capacity_v = _validator(spec / "schema-3.1-dev", "service_capacity.json")
    problems: list[str] = []
    orgs: dict[str, dict[str, Any]] = {}
    for service in _demo():
        doc = dict(service)
        for cap in doc.pop("capacities"):
            problems += [f"{doc['name']} capacity: {e.message}" for e in capacity_v.iter_errors(cap)]
        org = doc.pop("organization")
        orgs[org["id"]] = org
        problems += [f"{doc['name']}: {e.json_path}: {e.message}" for e in service_v.iter_errors(doc)]
    for org in orgs.values():
        problems += [f"{org['name']}: {e.json_path}: {e.message}" for e in org_v.iter_errors(org)]
    assert problems == []


def test_loaded_services_export_as_valid_hsds(db: Session) -> None:
    """Through the database and back: `service_full` (to_hsds without nulls, as the HSDS API
    serves it) of one service of each set of service types, 3.1 capacities checked as above.
    Exporting all 300+ this way takes a minute of lazy loads; the generated JSON of all of
    them is checked by the test above."""
    spec = shared_path("hsds", "spec")
    services = _demo()
    sample: dict[str, dict[str, Any]] = {}
    for s in services:
        sample.setdefault(",".join(sorted(_types(s))), s)
    assert load(db, list(sample.values())) == len(sample) > 12
    assert db.scalar(select(func.count()).select_from(TaxonomyTerm)) == len(OE_TERMS) + 3
    service_v = _validator(spec / "schema", "service.json")
    capacity_v = _validator(spec / "schema-3.1-dev", "service_capacity.json")
    ids = [uuid.UUID(s["id"]) for s in sample.values()]
    loaded = db.scalars(select(Service).where(Service.id.in_(ids))).all()
    assert len(loaded) == len(sample)
    problems: list[str] = []
    capacities = 0
    for service in loaded:
        doc = service_full(service)
        for cap in doc.pop("capacities"):
            capacities += 1
            problems += [f"{service.name} capacity: {e.message}" for e in capacity_v.iter_errors(cap)]
        problems += [f"{service.name}: {e.json_path}: {e.message}" for e in service_v.iter_errors(doc)]
    assert problems == []
    assert capacities == db.scalar(select(func.count()).select_from(ServiceCapacity)) > 0


def test_format_checking_is_on() -> None:
    """The validators above would catch a bad uuid or email, so their silence means something."""
    spec = shared_path("hsds", "spec")
    v = _validator(spec / "schema", "service.json")
    bad = {"id": "not-a-uuid", "name": "x", "status": "active", "email": "nobody"}
    messages = " ".join(e.message for e in v.iter_errors(bad))
    assert "uuid" in messages
    assert "email" in messages
