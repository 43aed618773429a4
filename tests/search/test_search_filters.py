"""Each filter alone and together, sorting, distance units, paging and facets."""

from __future__ import annotations

import datetime as dt
import json
import uuid

import pytest

from catalog.models import Accessibility, CostOption, ServiceArea, ServiceStatus
from tests.search.conftest import names

DOWNTOWN = (39.9612, -82.9988)


def test_taxonomy_filter_includes_descendants_by_code_and_id(api, make_service, make_term, db):
    housing = make_term("housing", "Housing")
    shelter = make_term("housing-shelter", "Emergency Shelter", parent=housing)
    make_term("food", "Food")
    make_service("Harbor Night Shelter", terms=(("housing-shelter", "Emergency Shelter", "service"),))
    make_service("Eastside Pantry", terms=(("food", "Food", "service"),))
    assert names(api(taxonomy="housing")) == ["Harbor Night Shelter"]
    assert names(api(taxonomy=str(housing.id))) == ["Harbor Night Shelter"]
    assert names(api(taxonomy=str(shelter.id))) == ["Harbor Night Shelter"]
    assert sorted(names(api(taxonomy="housing,food"))) == ["Eastside Pantry", "Harbor Night Shelter"]


def test_ancestor_names_are_searchable(api, make_service, make_term):
    housing = make_term("housing", "Housing")
    make_term("housing-shelter", "Emergency Shelter", parent=housing)
    make_service("Harbor Night Place", terms=(("housing-shelter", "Emergency Shelter", "service"),))
    assert names(api(q="housing")) == ["Harbor Night Place"]


def test_language_filter(api, make_service):
    make_service("Latina Clinic", languages=("es",))
    make_service("Plain Clinic")
    assert names(api(q="clinic", language="es")) == ["Latina Clinic"]
    assert names(api(q="clinic", language="en")) == ["Plain Clinic"]


def test_age_filter(api, make_service):
    make_service("Youth Drop-in Center", minimum_age=12, maximum_age=24)
    make_service("Adult Drop-in Center", minimum_age=18)
    assert sorted(names(api(q="drop-in", age=20))) == ["Adult Drop-in Center", "Youth Drop-in Center"]
    assert names(api(q="drop-in", age=15)) == ["Youth Drop-in Center"]
    assert names(api(q="drop-in", age=40)) == ["Adult Drop-in Center"]


def test_gender_filter_leaves_out_the_other_gender(api, make_service):
    make_service("Women's Shelter", eligibility_description="Women only")
    make_service("Men's Shelter", eligibility_description="Single men 18+")
    make_service("Family Shelter")
    assert sorted(names(api(q="shelter", gender="female"))) == ["Family Shelter", "Women's Shelter"]
    assert sorted(names(api(q="shelter", gender="male"))) == ["Family Shelter", "Men's Shelter"]


def test_free_filter(api, make_service, db):
    paid = make_service("Sliding Scale Clinic")
    free = make_service("Street Clinic")
    free.cost_options.append(CostOption(id=uuid.uuid4(), option="Free", amount=0))
    paid.cost_options.append(CostOption(id=uuid.uuid4(), option="Sliding scale", amount=20))
    db.flush()
    assert names(api(q="clinic", free="true")) == ["Street Clinic"]


def test_accessible_filter(api, make_service, db):
    svc = make_service("Ramp Clinic")
    make_service("Stairs Clinic")
    loc = svc.service_at_locations[0].location
    loc.accessibility.append(Accessibility(id=uuid.uuid4(), description="Wheelchair accessible entrance"))
    db.flush()
    assert names(api(q="clinic", accessible="true")) == ["Ramp Clinic"]


def test_available_filter_reads_live_capacity(api, make_service, db):
    full = make_service("Full Shelter", beds=0)
    make_service("Open Shelter", beds=3, beds_max=20)
    assert names(api(q="shelter", available="true")) == ["Open Shelter"]
    full.capacities[0].available = 2
    db.flush()
    assert sorted(names(api(q="shelter", available="true"))) == ["Full Shelter", "Open Shelter"]


def test_capacity_is_live_with_its_age_and_stale_flag(api, make_service):
    old = dt.datetime.now(dt.UTC) - dt.timedelta(hours=30)
    make_service("Old Count Shelter", beds=4, beds_max=10, beds_updated=old)
    make_service("New Count Shelter", beds=2, beds_max=8)
    by_name = {r["name"]: r for r in api(q="shelter")["results"]}
    old_cap = by_name["Old Count Shelter"]["capacity"][0]
    assert (old_cap["unit"], old_cap["available"], old_cap["maximum"]) == ("bed", 4, 10)
    assert old_cap["stale"] is True
    assert old_cap["age_hours"] == pytest.approx(30, abs=0.1)
    assert by_name["New Count Shelter"]["capacity"][0]["stale"] is False


def test_radius_and_distance_sort_in_km_and_miles(api, make_service):
    make_service("Near Pantry", lat=39.9650, lon=-82.9990)
    make_service("Mid Pantry", lat=40.0000, lon=-83.0000)
    make_service("Far Pantry", lat=40.2000, lon=-83.0000)
    body = api(q="pantry", lat=DOWNTOWN[0], lon=DOWNTOWN[1], radius_km=10, sort="distance")
    assert names(body) == ["Near Pantry", "Mid Pantry"]
    first = body["results"][0]
    assert first["distance_km"] == pytest.approx(0.42, abs=0.02)
    assert first["distance_mi"] == pytest.approx(first["distance_km"] / 1.609344, abs=0.002)
    assert names(api(q="pantry", lat=DOWNTOWN[0], lon=DOWNTOWN[1], sort="distance"))[-1] == "Far Pantry"


def test_near_accepts_a_zip_code(api, make_service):
    make_service("Downtown Pantry", lat=39.9612, lon=-82.9988)
    make_service("Cleveland Pantry", lat=41.4993, lon=-81.6944)
    assert names(api(q="pantry", near="43215", radius_km=15)) == ["Downtown Pantry"]


def _box(west: float, south: float, east: float, north: float) -> str:
    ring = [[west, south], [east, south], [east, north], [west, north], [west, south]]
    return json.dumps({"type": "Polygon", "coordinates": [ring]})


def test_covering_keeps_services_whose_area_covers_the_point(api, make_service, db):
    square = _box(-83.1, 39.9, -82.9, 40.0)
    elsewhere = _box(-81.8, 41.4, -81.6, 41.6)
    inside = make_service("Columbus Outreach")
    outside = make_service("Cleveland Outreach")
    make_service("Walk-in Outreach")
    inside.service_areas.append(
        ServiceArea(id=uuid.uuid4(), name="Columbus", extent=square, extent_type="geojson")
    )
    outside.service_areas.append(
        ServiceArea(id=uuid.uuid4(), name="Cleveland", extent=elsewhere, extent_type="geojson")
    )
    db.flush()
    got = sorted(names(api(q="outreach", lat=DOWNTOWN[0], lon=DOWNTOWN[1], covering="true")))
    assert got == ["Columbus Outreach", "Walk-in Outreach"]


def test_only_active_services_by_default(api, make_service):
    make_service("Closed Pantry", status=ServiceStatus.inactive)
    make_service("Open Pantry")
    assert names(api(q="pantry")) == ["Open Pantry"]
    assert sorted(names(api(q="pantry", status="any"))) == ["Closed Pantry", "Open Pantry"]


def test_filters_are_cumulative(api, make_service, make_term):
    make_term("housing", "Housing")
    terms = (("housing", "Housing", "service"),)
    make_service(
        "Target Shelter",
        beds=3,
        languages=("es",),
        minimum_age=18,
        terms=terms,
        opens="00:00",
        closes="23:59",
    )
    make_service("No Beds Shelter", beds=0, languages=("es",), minimum_age=18, terms=terms)
    make_service("English Shelter", beds=3, minimum_age=18, terms=terms)
    make_service("Youth Shelter", beds=3, languages=("es",), maximum_age=17, terms=terms)
    make_service("Far Shelter", beds=3, languages=("es",), terms=terms, lat=41.0, lon=-81.0)
    body = api(
        q="shelter", taxonomy="housing", language="es", age=30, available="true",
        lat=DOWNTOWN[0], lon=DOWNTOWN[1], radius_km=5, open_now="true",
    )  # fmt: skip
    assert names(body) == ["Target Shelter"]


def test_paging_and_totals(api, make_service):
    for i in range(7):
        make_service(f"Pantry {i}", lat=39.96 + i * 0.01, lon=-83.0)
    first = api(q="pantry", per_page=3, page=1, lat=39.96, lon=-83.0, sort="distance")
    third = api(q="pantry", per_page=3, page=3, lat=39.96, lon=-83.0, sort="distance")
    assert (first["total"], third["total"]) == (7, 7)
    assert names(first) == ["Pantry 0", "Pantry 1", "Pantry 2"]
    assert names(third) == ["Pantry 6"]
    assert api(q="pantry", per_page=3, page=4)["results"] == []


def test_facets_count_taxonomy_and_languages(api, make_service, make_term):
    make_term("food", "Food")
    make_term("housing", "Housing")
    make_service("A Pantry", terms=(("food", "Food", "service"),), languages=("es", "en"))
    make_service("B Pantry", terms=(("food", "Food", "service"),), languages=("es",))
    make_service("C Pantry Shelter", terms=(("housing", "Housing", "service"),))
    facets = api(q="pantry")["facets"]
    tax = {f["code"]: f["count"] for f in facets["taxonomy"]}
    assert tax == {"food": 2, "housing": 1}
    assert {f["code"]: f["count"] for f in facets["languages"]} == {"es": 2, "en": 1}
