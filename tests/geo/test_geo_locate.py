"""locate(): every kind of client location, the fallbacks, and errors that say what was tried."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pytest

import geo
from geo import online
from geo.census import USCensus


class FakeGeocoder:
    """A local stand-in for an online service, selected through the same configuration."""

    name = "fake"

    def __init__(self, config: Mapping[str, Any]) -> None:
        self.answers: Mapping[str, tuple[float, float]] = config.get("answers", {})
        self.fail = config.get("fail", False)
        self.queries: list[str] = []

    def geocode(self, query: str) -> geo.Place | None:
        self.queries.append(query)
        if self.fail:
            raise TimeoutError("service timed out")
        if query not in self.answers:
            return None
        lat, lon = self.answers[query]
        return geo.Place(lat, lon, "rooftop", self.name, label=query)


@pytest.fixture
def fake_provider(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(online.PROVIDERS, "fake", FakeGeocoder)


@pytest.mark.parametrize(
    ("text", "lat", "lon", "precision"),
    [
        ("25.7617,-80.1918", 25.7617, -80.1918, "coordinates"),
        ("  25.7617 , -80.1918 ", 25.7617, -80.1918, "coordinates"),
        ("25.7617 -80.1918", 25.7617, -80.1918, "coordinates"),
        ("geo:25.7617,-80.1918", 25.7617, -80.1918, "coordinates"),
        ("(41.8819, -87.6278)", 41.8819, -87.6278, "coordinates"),
        ("25.7617° N, 80.1918° W", 25.7617, -80.1918, "coordinates"),
        ("33101", 25.7791, -80.1978, "postcode"),
        ("60601-1234", 41.886, -87.623, "postcode"),
        ("Miami, FL", 25.77, -80.28, "city"),
        ("miami,fl", 25.77, -80.28, "city"),
        ("Miami FL", 25.77, -80.28, "city"),
        ("Chicago, Illinois, USA", 41.84, -87.68, "city"),
        ("St. Louis, Missouri", 38.64, -90.30, "city"),
        ("Ft Lauderdale, FL", 26.12, -80.23, "city"),
        ("San Francisco, CA", 37.77, -122.42, "city"),
    ],
)
def test_locate_accepts_each_input_form(text: str, lat: float, lon: float, precision: str) -> None:
    place = geo.locate(text)
    assert place.precision == precision
    assert geo.distance_km(place.lat, place.lon, lat, lon) < 5
    assert place.source in {"input", "zipcodes"}
    assert place.label


def test_zip_place_carries_its_postcode_and_city() -> None:
    place = geo.locate("33101")
    assert place.postcode == "33101"
    assert place.label == "33101 Miami, FL"
    assert place.point == (place.lat, place.lon)


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("", "empty"),
        ("   ", "empty"),
        ("91,10", "out of range"),
        ("45,-200", "out of range"),
        ("nan,-80", "not a finite number"),
        ("25.7617,nan", "not a finite number"),
        ("-80.1918,25.7617", "swapped"),
        ("25.7617,80.1918", "minus sign"),
        ("4689967.66,-8559199.80", "Web-Mercator"),
        ("0,0", "placeholder"),
        ("48.8566,2.3522", "outside the United States"),
        ("99999", "not a known US ZIP"),
        ("2134", "leading zero was lost, try 02134"),
        ("123456", "not a 5-digit ZIP"),
        ("Springfield, ZZ", "could not locate"),
        ("Nowhereville, FL", "no city called 'Nowhereville' in FL"),
        ("x" * 301, "too long"),
    ],
)
def test_bad_locations_are_rejected_with_the_reason(text: str, reason: str) -> None:
    with pytest.raises(geo.LocationError, match=reason):
        geo.locate(text)


def test_non_text_is_rejected() -> None:
    with pytest.raises(geo.LocationError, match="must be text"):
        geo.locate(33101)  # type: ignore[arg-type]


def test_points_outside_the_us_pass_when_no_country_is_required() -> None:
    assert geo.locate("48.8566,2.3522", country=None).lat == 48.8566


def test_street_address_without_geocoder_says_what_was_tried() -> None:
    with pytest.raises(geo.LocationError) as info:
        geo.locate("1600 Main Street")
    message = str(info.value)
    assert "online geocoder: none configured" in message
    assert "ZIP: none in the address" in message
    assert "city/state" in message
    assert info.value.tried == (
        "online geocoder: none configured",
        "ZIP: none in the address",
        "city/state: no 'City, ST' at the end of the address",
    )


def test_street_address_falls_back_to_its_zip_and_says_so() -> None:
    place = geo.locate("1601 NW 1st Ct, Miami, FL 33136")
    assert place.precision == "postcode"
    assert place.postcode == "33136"
    assert "ZIP centroid used" in place.note
    assert "none configured" in place.note


def test_street_address_falls_back_to_its_city() -> None:
    place = geo.locate("1601 NW 1st Ct, Miami FL")
    assert place.precision == "city"
    assert place.label == "Miami, FL"
    assert "city point used" in place.note


def test_unknown_zip_in_address_is_reported() -> None:
    with pytest.raises(geo.LocationError, match="ZIP 99999: not a known US ZIP"):
        geo.locate("1 Main St 99999")


@pytest.mark.usefixtures("fake_provider")
def test_configured_geocoder_answers_street_addresses() -> None:
    address = "1601 NW 1st Ct, Miami, FL 33136"
    config = {"provider": "fake", "answers": {address: (25.7905, -80.1993)}}
    place = geo.locate(address, geocoder=config)
    assert (place.lat, place.lon, place.precision, place.source) == (
        25.7905,
        -80.1993,
        "rooftop",
        "fake",
    )


@pytest.mark.usefixtures("fake_provider")
def test_offline_inputs_never_reach_the_geocoder() -> None:
    geocoder = geo.make_geocoder({"provider": "fake"})
    assert isinstance(geocoder, FakeGeocoder)
    geo.locate("33101", geocoder=geocoder)
    geo.locate("Miami, FL", geocoder=geocoder)
    geo.locate("25.7,-80.2", geocoder=geocoder)
    assert geocoder.queries == []


@pytest.mark.usefixtures("fake_provider")
def test_geocoder_without_match_falls_back_to_zip() -> None:
    place = geo.locate("1 Nowhere Rd, Miami, FL 33136", geocoder={"provider": "fake"})
    assert place.precision == "postcode"
    assert "fake: no match" in place.note


@pytest.mark.usefixtures("fake_provider")
def test_unavailable_geocoder_is_reported_and_offline_fallback_used() -> None:
    with pytest.raises(geo.LocationError, match=r"fake: unavailable \(TimeoutError"):
        geo.locate("1 Nowhere Rd", geocoder={"provider": "fake", "fail": True})
    place = geo.locate("1 Nowhere Rd, Chicago, IL", geocoder={"provider": "fake", "fail": True})
    assert place.precision == "city"


@pytest.mark.usefixtures("fake_provider")
def test_geocoder_answer_outside_the_us_is_not_trusted() -> None:
    address = "1 Rue de Rivoli, Paris"
    with pytest.raises(geo.LocationError, match="unusable point"):
        geo.locate(address, geocoder={"provider": "fake", "answers": {address: (48.85, 2.35)}})


def test_locate_address_from_fields() -> None:
    assert geo.locate_address(postcode="33101").precision == "postcode"
    assert geo.locate_address(city="Chicago", state="IL").precision == "city"
    place = geo.locate_address(street="1 Main St", city="Miami", state="FL", postcode="33136")
    assert place.postcode == "33136"
    with pytest.raises(geo.LocationError, match="no street, no ZIP"):
        geo.locate_address(city="Chicago")


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("33101", "33101"),
        ("33101-1234", "33101"),
        (" 02134 ", "02134"),
        (2134, "02134"),
        ("2134", "02134"),
        (2134.0, "02134"),
        ("abcde", None),
        (None, None),
        (True, None),
        (0, None),
    ],
)
def test_normalize_zip_restores_lost_leading_zeros(value: object, expected: str | None) -> None:
    assert geo.normalize_zip(value) == expected


def test_no_configuration_means_no_online_geocoder() -> None:
    assert geo.make_geocoder(None) is None
    assert geo.make_geocoder({}) is None
    assert geo.make_geocoder({"provider": ""}) is None


def test_unknown_provider_is_a_configuration_error() -> None:
    with pytest.raises(geo.GeocoderConfigError, match="unknown geocoder provider 'google'"):
        geo.make_geocoder({"provider": "google"})


@pytest.mark.parametrize("provider", ["nominatim", "arcgis", "census"])
def test_real_providers_need_a_user_agent(provider: str) -> None:
    with pytest.raises(geo.GeocoderConfigError, match="user_agent"):
        geo.make_geocoder({"provider": provider})


@pytest.mark.parametrize("provider", ["nominatim", "arcgis", "census"])
def test_real_providers_are_built_from_configuration_without_network(provider: str) -> None:
    geocoder = geo.make_geocoder(
        {"provider": provider, "user_agent": "linkage-tests", "timeout": 3, "max_retries": 1}
    )
    assert isinstance(geocoder, online.GeopyGeocoder)
    assert isinstance(geocoder, geo.Geocoder)
    assert geocoder.name == provider


@pytest.mark.parametrize(
    ("raw", "precision"),
    [
        ({"class": "place", "type": "house", "addresstype": "place"}, "rooftop"),
        ({"class": "building", "type": "yes"}, "rooftop"),
        ({"class": "highway", "type": "residential", "addresstype": "road"}, "street"),
        ({"class": "place", "type": "postcode", "addresstype": "postcode"}, "postcode"),
        ({"class": "boundary", "type": "administrative", "addresstype": "city"}, "city"),
    ],
)
def test_nominatim_precision(raw: dict[str, str], precision: str) -> None:
    assert online.nominatim_precision(raw) == precision


@pytest.mark.parametrize(
    ("addr_type", "precision"),
    [("PointAddress", "rooftop"), ("StreetAddress", "street"), ("Postal", "postcode"), ("Locality", "city")],
)
def test_arcgis_precision(addr_type: str, precision: str) -> None:
    assert online.arcgis_precision({"attributes": {"Addr_type": addr_type}}) == precision


def test_census_answer_is_parsed() -> None:
    # The documented shape of the Census one-line address answer.
    doc = {
        "result": {
            "input": {"address": {"address": "4600 Silver Hill Rd, Washington, DC 20233"}},
            "addressMatches": [
                {
                    "matchedAddress": "4600 SILVER HILL RD, WASHINGTON, DC, 20233",
                    "coordinates": {"x": -76.92744, "y": 38.845985},
                }
            ],
        }
    }
    location = USCensus.parse(doc)
    assert (location.latitude, location.longitude) == (38.845985, -76.92744)
    assert USCensus.parse({"result": {"addressMatches": []}}) is None
    url = USCensus(user_agent="linkage-tests").url("4600 Silver Hill Rd")
    assert url.startswith("https://geocoding.geo.census.gov/geocoder/locations/onelineaddress?")
    assert "benchmark=Public_AR_Current" in url


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            '{"provider": "nominatim", "user_agent": "x", "timeout": 5}',
            {"provider": "nominatim", "user_agent": "x", "timeout": 5},
        ),
        ("census", {"provider": "census"}),
        (
            "nominatim; user_agent=linkage (ops@example.org) ;timeout=5",
            {"provider": "nominatim", "user_agent": "linkage (ops@example.org)", "timeout": "5"},
        ),
    ],
)
def test_configuration_from_environment_text(text: str, expected: dict[str, object]) -> None:
    assert online.parse_config(text) == expected


@pytest.mark.parametrize(
    ("text", "reason"),
    [("{oops", "not valid JSON"), ("[1]", "must be an object"), ("nominatim;timeout", "key=value")],
)
def test_bad_configuration_text(text: str, reason: str) -> None:
    with pytest.raises(geo.GeocoderConfigError, match=reason):
        geo.make_geocoder(text)


@pytest.mark.usefixtures("fake_provider")
def test_text_configuration_selects_the_provider() -> None:
    assert isinstance(geo.make_geocoder("fake"), FakeGeocoder)
    assert geo.make_geocoder("  ") is None
    with pytest.raises(geo.LocationError, match="fake: no match"):
        geo.locate("1 Nowhere Rd", geocoder="fake")
