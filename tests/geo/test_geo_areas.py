"""Service-area polygons: parsing GeoJSON extents, covers(), and the 10k-area index."""

from __future__ import annotations

import json

import numpy as np
import pytest
import shapely
from shapely.geometry import Point, box

import geo
from geo.zipdata import zip_index
from tests.geo.conftest import geo_file

LANDMARKS = [
    # (name, lat, lon, county GEOID) -- as checked against both county files
    ("San Francisco City Hall", 37.7793, -122.4193, "06075"),
    ("Redwood City", 37.4852, -122.2364, "06081"),
    ("Downtown Miami", 25.7617, -80.1918, "12086"),
    ("Key West", 24.5551, -81.7800, "12087"),
    ("Naples", 26.1420, -81.7948, "12021"),
    ("Baltimore Inner Harbor", 39.2858, -76.6131, "24510"),
    ("Towson", 39.4015, -76.6019, "24005"),
    ("Chicago Loop", 41.8819, -87.6278, "17031"),
    ("Columbus", 39.9612, -82.9988, "39049"),
    ("White House", 38.8977, -77.0365, "11001"),
]

SQUARE = {
    "type": "Polygon",
    "coordinates": [[[-80.3, 25.7], [-80.1, 25.7], [-80.1, 25.9], [-80.3, 25.9], [-80.3, 25.7]]],
}


def test_covers_accepts_geojson_mapping_text_feature_and_geometry() -> None:
    feature = {"type": "Feature", "properties": {}, "geometry": SQUARE}
    for area in (SQUARE, json.dumps(SQUARE), feature, shapely.geometry.shape(SQUARE)):
        assert geo.covers(area, 25.8, -80.2)
        assert not geo.covers(area, 26.5, -80.2)


def test_a_point_on_the_boundary_is_covered() -> None:
    assert geo.covers(SQUARE, 25.7, -80.2)
    assert geo.covers(SQUARE, 25.7, -80.3)


def test_multipolygon_and_feature_collection() -> None:
    other = {
        "type": "Polygon",
        "coordinates": [[[-81.8, 24.5], [-81.7, 24.5], [-81.7, 24.6], [-81.8, 24.5]]],
    }
    multi = {"type": "MultiPolygon", "coordinates": [SQUARE["coordinates"], other["coordinates"]]}
    collection = {
        "type": "FeatureCollection",
        "features": [{"type": "Feature", "geometry": g} for g in (SQUARE, other)],
    }
    for area in (multi, collection):
        assert geo.covers(area, 25.8, -80.2)
        assert geo.covers(area, 24.52, -81.75)
        assert not geo.covers(area, 25.0, -81.0)


def test_self_intersecting_polygon_is_repaired() -> None:
    bowtie = {
        "type": "Polygon",
        "coordinates": [[[-80.3, 25.7], [-80.1, 25.9], [-80.1, 25.7], [-80.3, 25.9], [-80.3, 25.7]]],
    }
    geom = geo.to_geometry(bowtie)
    assert geom.is_valid
    assert geo.covers(bowtie, 25.8, -80.28)


@pytest.mark.parametrize(
    ("extent", "reason"),
    [
        ("{not json", "not valid JSON"),
        ("[1, 2]", "must be an object"),
        ({"type": "Point", "coordinates": [-80.2, 25.8]}, "Polygon or MultiPolygon"),
        ({"type": "FeatureCollection", "features": []}, "empty FeatureCollection"),
        ({"type": "Feature", "geometry": None}, "without a geometry"),
        ({"type": "Polygon", "coordinates": [[[0, 0], [1, 1], [0, 0]]]}, "at least 4 positions"),
        ({"type": "Polygon", "coordinates": [[["x", 1], ["y", 2], ["z", 3], ["x", 1]]]}, "malformed"),
        (
            {
                "type": "Polygon",
                "coordinates": [[[-8.9e6, 2.9e6], [-8.8e6, 2.9e6], [-8.8e6, 3e6], [-8.9e6, 2.9e6]]],
            },
            "out of range",
        ),
        (
            {
                "type": "Polygon",
                "coordinates": [[[25.7, -80.3], [25.7, -80.1], [25.9, -80.1], [25.7, -80.3]]],
            },
            r"\[latitude, longitude\]",
        ),
        (Point(-80.2, 25.8), "must be polygonal"),
        (Point(-80.2, 25.8).buffer(0.1).difference(Point(-80.2, 25.8).buffer(1)), "empty"),
        (42, "GeoJSON or a shapely geometry"),
    ],
)
def test_bad_extents_are_rejected_with_the_reason(extent: object, reason: str) -> None:
    with pytest.raises(geo.AreaError, match=reason):
        geo.to_geometry(extent)  # type: ignore[arg-type]


@pytest.mark.parametrize(("name", "lat", "lon", "geoid"), LANDMARKS)
def test_landmarks_fall_in_their_county_at_1_500k(
    detailed_counties: geo.Boundaries, name: str, lat: float, lon: float, geoid: str
) -> None:
    path = geo_file("boundaries", "selected_counties_cb2016_500k.geojson")
    features = json.loads(path.read_text(encoding="utf-8"))["features"]
    index = geo.AreaIndex((f["properties"]["GEOID"], f) for f in features)
    assert index.covering(lat, lon) == [geoid], name


@pytest.mark.parametrize(("name", "lat", "lon", "geoid"), LANDMARKS)
def test_landmarks_fall_in_their_county_among_all_us_counties(
    name: str, lat: float, lon: float, geoid: str
) -> None:
    index = _all_counties_index()
    assert index.covering(lat, lon) == [geoid], name


_COUNTY_INDEX: list[geo.AreaIndex[str]] = []


def _all_counties_index() -> geo.AreaIndex[str]:
    if not _COUNTY_INDEX:
        path = geo_file("boundaries", "us_counties_10m.geojson")
        features = json.loads(path.read_text(encoding="utf-8"))["features"]
        items = []
        for f in features:
            try:
                items.append((f["properties"]["fips"], geo.to_geometry(f["geometry"])))
            except geo.AreaError:
                continue  # one county collapses to a sliver in the 1:10M file
        _COUNTY_INDEX.append(geo.AreaIndex(items))
    return _COUNTY_INDEX[0]


def test_index_of_10k_areas_agrees_with_brute_force() -> None:
    rng = np.random.default_rng(42)
    zips, lats, lons = zip_index()._points
    centres = rng.choice(len(zips), 10_000, replace=False)
    # discs of 3-60 km around real ZIP centroids (radius in degrees: shape does not matter)
    geoms = shapely.buffer(
        shapely.points(lons[centres], lats[centres]), rng.uniform(0.03, 0.55, 10_000), quad_segs=8
    )
    index = geo.AreaIndex(enumerate(geoms))
    assert len(index) == 10_000
    total = 0
    for i in rng.choice(len(zips), 80, replace=False):
        lat, lon = float(lats[i]), float(lons[i])
        expected = np.nonzero(shapely.covers(geoms, Point(lon, lat)))[0].tolist()
        assert index.covering(lat, lon) == expected
        total += len(expected)
    assert total > 80  # the check is not vacuous: points are covered by several areas


def test_index_mixes_polygons_zip_lists_nationwide_and_text() -> None:
    zips = geo.resolve_area("33101, 33125, 33130")
    index = geo.AreaIndex(
        [
            ("square", SQUARE),
            ("zips", zips),
            ("national", geo.resolve_area("Nationwide")),
            ("unknown", geo.resolve_area("Anywhere the bus goes")),
            ("box", box(-88.0, 41.6, -87.5, 42.1)),
        ]
    )
    assert index.covering(25.7791, -80.1978) == ["square", "zips", "national"]
    assert index.covering(41.8819, -87.6278) == ["national", "box"]
    assert index.covering(48.85, 2.35) == []
    assert index.unknown == ["unknown"]
