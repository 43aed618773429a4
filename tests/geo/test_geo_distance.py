"""Distances against geopy's exact geodesic, the vectorized path, and radius bounding boxes."""

from __future__ import annotations

import numpy as np
import pytest
from geopy.distance import geodesic

import geo
from geo.distance import PointSet

CITY_PAIRS = [
    # (from, to) real places, a few hundred metres to ~60 km apart
    ((25.7617, -80.1918), (25.7907, -80.1300)),  # Miami downtown - Miami Beach
    ((41.8819, -87.6278), (41.9742, -87.9073)),  # Chicago Loop - O'Hare
    ((37.7793, -122.4193), (37.4852, -122.2364)),  # SF City Hall - Redwood City
    ((39.2858, -76.6131), (39.4015, -76.6019)),  # Inner Harbor - Towson
    ((61.2181, -149.9003), (61.1743, -149.9963)),  # Anchorage - airport
    ((38.8977, -77.0365), (38.8899, -77.0091)),  # White House - Capitol
    ((24.5551, -81.7800), (24.5600, -81.7750)),  # Key West, a few hundred metres
]


@pytest.mark.parametrize(("a", "b"), CITY_PAIRS)
def test_city_scale_distance_matches_geodesic(a: tuple[float, float], b: tuple[float, float]) -> None:
    exact = geodesic(a, b).km
    assert geo.distance_km(*a, *b) == pytest.approx(exact, rel=0.005)
    # in fact far closer than the 0.5% the ranking needs
    assert geo.distance_km(*a, *b) == pytest.approx(exact, rel=1e-4)


def test_random_pairs_across_the_us_match_geodesic() -> None:
    rng = np.random.default_rng(20240601)
    lat = rng.uniform(18.0, 70.0, 400)
    lon = rng.uniform(-165.0, -66.0, 400)
    dist = 10 ** rng.uniform(-1.0, 3.5, 400)  # 100 m .. 3,000 km
    bearing = rng.uniform(0.0, 360.0, 400)
    for la, lo, d, b in zip(lat, lon, dist, bearing, strict=True):
        p = geodesic(kilometers=d).destination((la, lo), b)
        assert geo.distance_km(la, lo, p.latitude, p.longitude) == pytest.approx(d, rel=1e-4)


def test_vectorized_equals_one_by_one() -> None:
    rng = np.random.default_rng(7)
    lats = rng.uniform(25.0, 49.0, 1000)
    lons = rng.uniform(-124.0, -67.0, 1000)
    many = geo.distances_km(39.0, -77.0, lats, lons)
    single = [geo.distance_km(39.0, -77.0, a, b) for a, b in zip(lats, lons, strict=True)]
    assert many.shape == (1000,)
    assert np.allclose(many, single, rtol=1e-12)
    assert np.allclose(PointSet(lats, lons).distances_km(39.0, -77.0), many, rtol=1e-12)


def test_vectorized_accepts_lists_and_checks_shapes() -> None:
    assert geo.distances_km(0, 0, [0.0], [1.0])[0] == pytest.approx(111.3195, rel=1e-5)
    with pytest.raises(ValueError, match="differ in shape"):
        geo.distances_km(0, 0, [1.0, 2.0], [1.0])
    with pytest.raises(ValueError, match="differ in shape"):
        PointSet([1.0], [1.0, 2.0])
    with pytest.raises(ValueError, match="differ in shape"):
        geo.pairwise_km([1.0], [1.0], [1.0, 2.0], [1.0, 2.0])


def test_degenerate_pairs() -> None:
    assert geo.distance_km(25.0, -80.0, 25.0, -80.0) == 0.0
    assert geo.distance_km(90, 0, -90, 0) == pytest.approx(geodesic((90, 0), (-90, 0)).km, rel=1e-5)
    assert geo.distance_km(0, 0, 0, 180) == pytest.approx(20037.5, rel=0.01)


def test_miles() -> None:
    assert geo.km_to_miles(1.609344) == pytest.approx(1.0)
    assert geo.miles_to_km(10) == pytest.approx(16.09344)
    a, b = CITY_PAIRS[1]
    assert geo.distance_miles(*a, *b) == pytest.approx(geodesic(a, b).miles, rel=1e-4)


@pytest.mark.parametrize("lat", [0.0, 25.76, 41.88, 61.2, 71.0, -33.9])
@pytest.mark.parametrize("radius", [0.5, 10.0, 80.0, 500.0])
def test_bbox_holds_every_point_on_the_circle(lat: float, radius: float) -> None:
    lon = -80.0
    min_lat, min_lon, max_lat, max_lon = geo.bbox(lat, lon, radius)
    for bearing in range(0, 360, 5):
        p = geodesic(kilometers=radius).destination((lat, lon), bearing)
        assert min_lat <= p.latitude <= max_lat
        assert min_lon <= p.longitude <= max_lon
    # and is not wastefully large: within 2% of the circle's extent north-south
    north = geodesic(kilometers=radius).destination((lat, lon), 0).latitude
    assert max_lat - lat < (north - lat) * 1.02


def test_bbox_near_a_pole_or_the_antimeridian_spans_all_longitudes() -> None:
    assert geo.bbox(89.9, 10.0, 50.0)[1::2] == (-180.0, 180.0)
    assert geo.bbox(52.0, 179.9, 50.0)[1::2] == (-180.0, 180.0)
    with pytest.raises(ValueError, match="radius"):
        geo.bbox(0, 0, -1)
