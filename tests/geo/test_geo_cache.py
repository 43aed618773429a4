"""The app layer's geocode cache: an address answered online is looked up once."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import func, select
from sqlalchemy.orm import Session

import geo
from geo import online
from kernel.geocoding import GeocodeCache, app_geocoder, cache_key, cached_locate

ADDRESS = "1601 NW 1st Ct, Miami, FL 33136"


class CountingGeocoder:
    """A local stand-in for an online service that counts the questions it gets."""

    name = "counting"

    def __init__(self, config: Mapping[str, Any]) -> None:
        self.fail = bool(config.get("fail"))
        self.calls = 0

    def geocode(self, query: str) -> geo.Place | None:
        self.calls += 1
        if self.fail:
            raise ConnectionError("service down")
        if "Nowhere" in query:
            return None
        return geo.Place(25.7905, -80.1993, "rooftop", self.name, label=query.upper())


@pytest.fixture
def geocoder(monkeypatch: pytest.MonkeyPatch) -> CountingGeocoder:
    monkeypatch.setitem(online.PROVIDERS, "counting", CountingGeocoder)
    made = geo.make_geocoder({"provider": "counting"})
    assert isinstance(made, CountingGeocoder)
    return made


def _rows(db: Session) -> int:
    return db.scalar(select(func.count()).select_from(GeocodeCache)) or 0


def test_an_address_is_geocoded_once(db: Session, geocoder: CountingGeocoder) -> None:
    first = cached_locate(db, ADDRESS, geocoder=geocoder)
    second = cached_locate(db, "  1601 nw 1st ct,   MIAMI, fl 33136 ", geocoder=geocoder)
    assert geocoder.calls == 1
    assert first == second
    assert second.precision == "rooftop"
    assert second.source == "counting"
    row = db.get(GeocodeCache, cache_key(ADDRESS))
    assert row is not None
    assert (row.lat, row.lon, row.label) == (25.7905, -80.1993, ADDRESS.upper())


def test_offline_answers_are_not_cached(db: Session, geocoder: CountingGeocoder) -> None:
    assert cached_locate(db, "33101", geocoder=geocoder).precision == "postcode"
    assert cached_locate(db, "Miami, FL", geocoder=geocoder).precision == "city"
    assert cached_locate(db, "25.76,-80.19").precision == "coordinates"
    assert geocoder.calls == 0
    assert _rows(db) == 0


def test_fallbacks_and_failures_are_not_cached(db: Session, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(online.PROVIDERS, "counting", CountingGeocoder)
    down = geo.make_geocoder({"provider": "counting", "fail": True})
    place = cached_locate(db, ADDRESS, geocoder=down)
    assert place.precision == "postcode"
    assert "service down" in place.note
    with pytest.raises(geo.LocationError, match="counting: no match"):
        cached_locate(db, "1 Nowhere Rd", geocoder={"provider": "counting"})
    assert _rows(db) == 0
    up = geo.make_geocoder({"provider": "counting"})
    assert cached_locate(db, ADDRESS, geocoder=up).precision == "rooftop"


def test_a_row_cached_by_another_request_is_kept(db: Session, geocoder: CountingGeocoder) -> None:
    db.add(
        GeocodeCache(
            query=cache_key(ADDRESS),
            lat=25.79,
            lon=-80.2,
            precision="street",
            source="nominatim",
            label="earlier",
            note="",
        )
    )
    db.flush()
    assert cached_locate(db, ADDRESS, geocoder=geocoder).label == "earlier"
    assert geocoder.calls == 0


def test_app_builds_its_geocoder_once_from_configuration(app: Flask, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(online.PROVIDERS, "counting", CountingGeocoder)
    app.extensions.pop("linkage.geocoder", None)
    app.config["GEOCODER"] = "counting"
    first = app_geocoder(app)
    assert isinstance(first, CountingGeocoder)
    assert app_geocoder(app) is first
    app.extensions.pop("linkage.geocoder", None)
    app.config["GEOCODER"] = None
    assert app_geocoder(app) is None


def test_match_api_geocodes_a_street_address_once(
    app: Flask, db: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(online.PROVIDERS, "counting", CountingGeocoder)
    app.config["GEOCODER"] = {"provider": "counting"}
    client = app.test_client()
    body = {"needs": ["shelter"], "location": "200 Harbor Street, Columbus, OH 43215"}
    for _ in range(2):
        resp = client.post("/api/v1/match", json=body)
        assert resp.status_code == 200, resp.get_json()
    made = app_geocoder(app)
    assert isinstance(made, CountingGeocoder)
    assert made.calls == 1
    assert db.get(GeocodeCache, cache_key(body["location"])) is not None


def test_search_near_is_placed_by_the_same_cached_geocoder(
    app: Flask, db: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`near=` on the search API and page goes through the configured geocoder and its
    cache, as a match's location does: one online question for one address."""
    monkeypatch.setitem(online.PROVIDERS, "counting", CountingGeocoder)
    app.config["GEOCODER"] = {"provider": "counting"}
    client = app.test_client()
    for _ in range(2):
        resp = client.get("/api/v1/search", query_string={"q": "shelter", "near": ADDRESS})
        assert resp.status_code == 200, resp.get_json()
        assert resp.get_json()["query"]["point"] == {"lat": 25.7905, "lon": -80.1993}
    page = client.get("/", query_string={"q": "shelter", "near": ADDRESS.lower()})
    assert page.status_code == 200
    made = app_geocoder(app)
    assert isinstance(made, CountingGeocoder)
    assert made.calls == 1
    row = db.get(GeocodeCache, cache_key(ADDRESS))
    assert row is not None
    assert (row.lat, row.lon, row.source) == (25.7905, -80.1993, "counting")


def test_search_near_without_a_geocoder_stays_offline(app: Flask, db: Session) -> None:
    app.extensions.pop("linkage.geocoder", None)
    app.config["GEOCODER"] = None
    resp = app.test_client().get("/api/v1/search", query_string={"q": "shelter", "near": ADDRESS})
    assert resp.status_code == 200
    point = resp.get_json()["query"]["point"]
    assert point is not None
    assert point != {"lat": 25.7905, "lon": -80.1993}  # the ZIP's centroid, not the geocoder's
    assert _rows(db) == 0
