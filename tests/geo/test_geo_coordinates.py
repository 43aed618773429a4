"""Coordinate checks: each kind of bad pair is named, with the point that was likely meant."""

from __future__ import annotations

import csv
import gzip
import json
import math

import pytest

import geo
from geo.zipdata import zip_index
from tests.geo.conftest import shared_file


@pytest.mark.parametrize(
    ("lat", "lon"),
    [
        (25.7617, -80.1918),  # Miami
        ("41.8819", " -87.6278 "),  # CSV text with spaces
        (61.2181, -149.9003),  # Anchorage
        (21.3069, -157.8583),  # Honolulu
        (18.4655, -66.1057),  # San Juan
        (13.4443, 144.7937),  # Guam
        (52.9, 173.2),  # Attu, west of the antimeridian
        (-14.2756, -170.702),  # Pago Pago
    ],
)
def test_real_us_points_pass(lat: object, lon: object) -> None:
    assert geo.check_coordinates(lat, lon) is None


@pytest.mark.parametrize(
    ("lat", "lon", "code", "suggestion"),
    [
        (None, -80.19, "missing", None),
        ("", -80.19, "missing", None),
        (25.76, "  ", "missing", None),
        ("abc", -80.19, "not_a_number", None),
        (True, -80.19, "not_a_number", None),
        (float("nan"), -80.19, "not_finite", None),
        (25.76, float("inf"), "not_finite", None),
        ("NaN", "NaN", "not_finite", None),
        (95.0, 200.0, "out_of_range", None),
        (-91.0, 10.0, "out_of_range", None),
        (0, 0, "null_island", None),
        (-95.64145, 37.0402928, "swapped", (37.0402928, -95.64145)),  # |lat| > 90
        (-80.1918, 25.7617, "swapped", (25.7617, -80.1918)),  # both in range
        (25.7617, 80.1918, "longitude_sign", (25.7617, -80.1918)),
        (48.8566, 2.3522, "outside_country", None),  # Paris
    ],
)
def test_bad_pairs_are_named(lat: object, lon: object, code: str, suggestion: object) -> None:
    issue = geo.check_coordinates(lat, lon)
    assert issue is not None
    assert issue.code == code
    assert issue.suggestion == suggestion
    assert str(issue) == issue.message


def test_web_mercator_metres_are_recognised_and_converted() -> None:
    # Clinton, MD as the Capital Area Food Bank publishes it: latitude=y, longitude=x metres.
    issue = geo.check_coordinates(4689967.661406691, -8559199.799807694)
    assert issue is not None
    assert issue.code == "projected_metres"
    assert "Web-Mercator" in issue.message
    assert issue.suggestion is not None
    assert issue.suggestion == pytest.approx((38.7783, -76.8886), abs=1e-3)


def test_small_out_of_range_numbers_are_not_taken_for_metres() -> None:
    issue = geo.check_coordinates(100, 200)
    assert issue is not None
    assert issue.code == "out_of_range"


def test_outside_country_is_fine_without_a_country() -> None:
    assert geo.check_coordinates(48.8566, 2.3522, country=None) is None
    issue = geo.check_coordinates(95, 100, country=None)
    assert issue is not None
    assert issue.code == "out_of_range"
    issue = geo.check_coordinates(120, 45, country=None)
    assert issue is not None
    assert issue.code == "swapped"


def test_validate_point_returns_floats_or_raises_the_reason() -> None:
    assert geo.validate_point("25.5", "-80.25") == (25.5, -80.25)
    with pytest.raises(geo.LocationError, match="swapped"):
        geo.validate_point(-80.19, 25.76)


def test_mercator_conversion_round_trip() -> None:
    lat, lon = geo.mercator_to_lat_lon(0.0, 0.0)
    assert (lat, lon) == (0.0, 0.0)
    r = 6378137.0
    y = r * math.log(math.tan(math.pi / 4 + math.radians(40.0) / 2))
    assert geo.mercator_to_lat_lon(r * math.radians(-75.0), y) == pytest.approx((40.0, -75.0))


def test_every_capital_area_food_bank_point_is_metres_near_its_zip() -> None:
    """Real file: all 338 DC-area pantry points are EPSG:3857 metres stored as lat/lon."""
    path = shared_file("food-pantries-raw", "raw_scraped_records.jsonl")
    far = checked = 0
    with path.open(encoding="utf-8") as fh:
        for line in fh:
            row = json.loads(line)
            if row["scraper"] != "capital_area_food_bank_dc":
                continue
            rec = row["record"]
            if rec.get("latitude") is None:
                continue
            issue = geo.check_coordinates(rec["latitude"], rec["longitude"])
            assert issue is not None
            assert issue.code == "projected_metres", rec
            assert issue.suggestion is not None
            zip_code = geo.normalize_zip(rec["zip"])
            record = zip_index().get(zip_code) if zip_code else None
            if record is not None:
                checked += 1
                far += geo.distance_km(*issue.suggestion, record.lat, record.lon) > 25
    assert checked > 300
    assert far / checked < 0.02


def test_moud_file_with_shifted_header_is_flagged_as_swapped() -> None:
    """Real file whose "Longitude" column holds latitudes and "Latitude" longitudes."""
    path = shared_file("federal-facilities", "samhsa_moud_us_wide_2021-11-16_HEADER_SHIFTED.csv.gz")
    codes: dict[str, int] = {}
    with gzip.open(path, "rt", encoding="utf-8", newline="") as fh:
        for row in csv.DictReader(fh):
            if row["Latitude"] in ("", "NA"):
                continue
            issue = geo.check_coordinates(row["Latitude"], row["Longitude"])
            code = issue.code if issue else "ok"
            codes[code] = codes.get(code, 0) + 1
    total = sum(codes.values())
    assert total > 14000
    assert codes.get("swapped", 0) / total > 0.99, codes
