"""The API's contract: response shape, problem documents naming the parameter, the page."""

from __future__ import annotations

import re

import pytest


def test_response_shape(api, make_service):
    make_service("Harbor Night Shelter", beds=3, beds_max=20, opens="19:00", closes="07:00")
    body = api(q="shelter", lat=39.96, lon=-83.0)
    assert set(body) >= {"total", "page", "per_page", "results", "facets", "suggestions"}
    result = body["results"][0]
    assert set(result) >= {
        "service_id", "location_id", "name", "organization",
        "distance_km", "distance_mi", "open_now", "capacity",
    }  # fmt: skip
    assert set(result["capacity"][0]) >= {"unit", "available", "maximum", "updated", "stale"}
    assert result["phone"] == "614-555-0100"
    assert result["address"] == "100 Main St, Columbus, OH"


@pytest.mark.parametrize(
    ("query", "param"),
    [
        ({"lat": "40"}, "lon"),
        ({"lat": "north", "lon": "-83"}, "lat"),
        ({"lat": "95", "lon": "-83"}, "lat"),
        ({"radius_km": "5"}, "radius_km"),
        ({"lat": "40", "lon": "-83", "radius_km": "-1"}, "radius_km"),
        ({"near": "Atlantis, ZZ"}, "near"),
        ({"open_now": "maybe"}, "open_now"),
        ({"at": "friday night"}, "at"),
        ({"age": "old"}, "age"),
        ({"gender": "x"}, "gender"),
        ({"sort": "price"}, "sort"),
        ({"sort": "distance"}, "sort"),
        ({"page": "0"}, "page"),
        ({"per_page": "1000"}, "per_page"),
        ({"language": "3$"}, "language"),
        ({"taxonomy": "no-such-code"}, "taxonomy"),
        ({"covering": "true"}, "covering"),
        ({"free": "perhaps"}, "free"),
        ({"status": "gone"}, "status"),
    ],
)
def test_invalid_parameters_are_400_problems_naming_the_parameter(client, query, param):
    resp = client.get("/api/v1/search", query_string=query)
    assert resp.status_code == 400
    assert resp.mimetype == "application/problem+json"
    body = resp.get_json()
    assert body["param"] == param
    assert body["invalid_params"][0]["name"] == param
    assert param in body["detail"]


def test_the_page_shows_open_beds_distance_and_a_call_link(client, make_service):
    make_service("Harbor Night Shelter", beds=3, beds_max=20, opens="00:00", closes="23:59")
    resp = client.get("/search", query_string={"q": "shleter", "near": "43215"})
    assert resp.status_code == 200
    html = resp.get_data(as_text=True)
    assert "Harbor Night Shelter" in html
    assert "Open now" in html
    assert "3 of 20 beds free" in html
    assert re.search(r"updated (just now|\d+ min ago)", html)
    assert 'href="tel:+16145550100"' in html
    assert " mi (" in html
    assert "Did you mean" in html
    assert 'name="viewport"' in html


def test_the_page_keeps_what_was_typed_on_a_bad_parameter(client):
    resp = client.get("/search", query_string={"q": "food", "age": "old"})
    assert resp.status_code == 400
    html = resp.get_data(as_text=True)
    assert 'value="food"' in html
    assert "age must be a number" in html
