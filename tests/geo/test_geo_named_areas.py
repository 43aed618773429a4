"""Service areas given as names, resolved with real Census boundaries and ZIP data."""

from __future__ import annotations

import csv
import json
import re

import pytest

import geo
from tests.geo.conftest import shared_file


@pytest.mark.parametrize(
    ("text", "lat", "lon", "inside"),
    [
        ("Miami-Dade County, FL", 25.7617, -80.1918, True),
        ("Miami-Dade County, FL", 24.5551, -81.7800, False),  # Key West is in Monroe
        ("Monroe County, Florida", 24.5551, -81.7800, True),
        ("Baltimore city, MD", 39.2858, -76.6131, True),
        ("Baltimore city, MD", 39.4015, -76.6019, False),  # Towson
        ("Baltimore County, MD", 39.4015, -76.6019, True),
        ("Baltimore County, MD", 39.2858, -76.6131, False),
        ("Cook County, IL", 41.8819, -87.6278, True),
        ("District of Columbia", 38.8977, -77.0365, True),
        ("Florida", 25.7617, -80.1918, True),
        ("Florida", 41.8819, -87.6278, False),
    ],
)
def test_county_and_state_names_resolve_to_polygons(
    county_boundaries: geo.Boundaries, text: str, lat: float, lon: float, inside: bool
) -> None:
    area = geo.resolve_area(text, boundaries=county_boundaries)
    assert area.resolved, area.note
    assert area.geometry is not None
    assert area.covers(lat, lon) is inside
    assert geo.covers(area, lat, lon) is inside


def test_county_without_state_is_ambiguous_and_kept_as_text(
    county_boundaries: geo.Boundaries,
) -> None:
    area = geo.resolve_area("Franklin County", boundaries=county_boundaries)
    assert area.kind == "text"
    assert area.unresolved == ("Franklin County",)
    assert "ambiguous" in area.note
    assert "OH" in area.note
    assert area.covers(39.9612, -82.9988) is None
    resolved = geo.resolve_area("Franklin County", state="OH", boundaries=county_boundaries)
    assert resolved.covers(39.9612, -82.9988) is True


def test_names_without_boundary_data_are_kept_as_text() -> None:
    area = geo.resolve_area("Miami-Dade County, FL")
    assert not area.resolved
    assert area.kind == "text"
    assert "no county boundaries given" in area.note
    assert area.covers(25.7617, -80.1918) is None
    assert geo.covers(area, 25.7617, -80.1918) is False


def test_city_resolves_to_its_zip_codes() -> None:
    area = geo.resolve_area("Chicago, IL")
    assert area.kind == "city"
    assert "60601" in area.zips
    assert area.covers(41.8819, -87.6278) is True  # the Loop
    assert area.covers(42.0451, -87.6877) is False  # Evanston


def test_zip_lists_in_any_layout() -> None:
    for text in ("33101, 33125, 33130", "33101 33125 33130", "33101\n\n    33125\n    33130"):
        area = geo.resolve_area(text)
        assert area.kind == "zips"
        assert area.zips == {"33101", "33125", "33130"}
    unknown = geo.resolve_area("33101; 00000")
    assert unknown.zips == {"33101"}
    assert unknown.unresolved == ("00000",)
    assert "not a known ZIP" in unknown.note


def test_nationwide_and_statewide() -> None:
    assert geo.resolve_area("Nationwide").covers(61.2181, -149.9003) is True
    assert geo.resolve_area("United States").nationwide
    assert geo.resolve_area("Nationwide").covers(48.85, 2.35) is False


def test_statewide_uses_the_default_state(county_boundaries: geo.Boundaries) -> None:
    area = geo.resolve_area("Statewide", state="FL", boundaries=county_boundaries)
    assert area.kind == "state"
    assert area.covers(25.7617, -80.1918) is True


def test_mixed_names_keep_what_cannot_be_resolved(county_boundaries: geo.Boundaries) -> None:
    area = geo.resolve_area("Miami-Dade County, FL; 33040; the Keys shelters", boundaries=county_boundaries)
    assert area.kind == "mixed"
    assert area.zips == {"33040"}
    assert area.unresolved == ("the Keys shelters",)
    assert area.covers(25.7617, -80.1918) is True
    assert area.covers(24.5551, -81.7800) is True  # Key West via ZIP 33040
    assert area.covers(41.8819, -87.6278) is None  # unknown, not "no"


def test_bad_default_state_is_an_error() -> None:
    with pytest.raises(geo.AreaError, match="not a US state"):
        geo.resolve_area("Cook", state="Illinoisy")


def test_every_county_named_by_illinois_legal_aid_resolves(
    county_boundaries: geo.Boundaries,
) -> None:
    """Real directory data: the "Counties" column of ILAO locations, state implied."""
    path = shared_file(
        "ilao-florida-legal-aid", "spec", "fixtures", "custom", "ilao", "input", "locations.csv"
    )
    with path.open(encoding="utf-8", newline="") as fh:
        rows = [r for r in csv.DictReader(fh) if r["Counties"].strip()]
    names = {n for r in rows for n in re.split(r"\s*\n\s*", r["Counties"].strip()) if n}
    assert len(names) == 102  # all of Illinois
    for row in rows:
        area = geo.resolve_area(row["Counties"], kind="county", state="IL", boundaries=county_boundaries)
        assert area.resolved, area.note
        assert area.kind == "county"
    everything = geo.resolve_area(
        "\n".join(sorted(names)), kind="county", state="IL", boundaries=county_boundaries
    )
    state = geo.resolve_area("Illinois", boundaries=county_boundaries)
    assert everything.geometry is not None
    assert state.geometry is not None
    overlap = everything.geometry.intersection(state.geometry).area
    assert overlap / state.geometry.area > 0.99


def test_illinois_legal_aid_city_and_zip_areas_resolve() -> None:
    path = shared_file(
        "ilao-florida-legal-aid", "spec", "fixtures", "custom", "ilao", "input", "locations.csv"
    )
    with path.open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    cities = [r["Cities"] for r in rows if r["Cities"].strip()]
    zips = [r["Zip codes"] for r in rows if r["Zip codes"].strip()]
    assert cities
    assert zips
    for text in cities:
        area = geo.resolve_area(text, kind="city", state="IL")
        assert area.resolved, area.note
    for text in zips:
        area = geo.resolve_area(text, kind="zip")
        assert area.kind == "zips"
        assert len(area.zips) == len(set(text.split())) - len(area.unresolved)


def test_hsds_service_area_records() -> None:
    square = json.dumps(
        {"type": "Polygon", "coordinates": [[[-80.3, 25.7], [-80.1, 25.7], [-80.1, 25.9], [-80.3, 25.7]]]}
    )
    polygon = geo.service_area_from_hsds({"name": "Downtown", "extent": square, "extent_type": "geojson"})
    assert polygon.kind == "polygon"
    broken = geo.service_area_from_hsds({"name": "33101", "extent": "{oops", "extent_type": "geojson"})
    assert broken.zips == {"33101"}
    assert "extent ignored: extent is not valid JSON" in broken.note
    topo = geo.service_area_from_hsds({"name": "Somewhere", "extent": "{}", "extent_type": "topojson"})
    assert not topo.resolved
    assert "'topojson' is not supported" in topo.note
    text = geo.service_area_from_hsds({"extent": "Chicago, IL", "extent_type": "text"})
    assert text.kind == "city"
    empty = geo.service_area_from_hsds({})
    assert not empty.resolved
