"""POST /api/v1/match and the /match page, on a real database."""

from __future__ import annotations

import datetime as dt
import logging

import pytest

COLUMBUS = {"lat": 39.9612, "lon": -82.9988}


@pytest.fixture
def catalog(make_service, make_term):
    now = dt.datetime.now(dt.UTC)
    shelter = ("1135", "Emergency Shelter", "service_type")
    adults = make_service("Harbor Adult Shelter", beds=5, beds_max=40,
                          beds_updated=now - dt.timedelta(minutes=20), minimum_age=18,
                          terms=(shelter,), languages=("en",))  # fmt: skip
    youth = make_service("Bridge Youth Shelter", minimum_age=12, maximum_age=24,
                         lat=39.97, terms=(shelter,), languages=("en", "es"))  # fmt: skip
    vets = make_service("Liberty Veterans House", terms=(shelter, ("20010", "Veterans", "eligibility")))
    full = make_service("Full House", beds=0, beds_updated=now, terms=(shelter,))
    return {"adults": adults, "youth": youth, "vets": vets, "full": full}


def test_match_answers_ranked_matches_and_excluded_with_reasons(client, catalog):
    body = {"needs": ["Emergency Shelter"], "client": {"age": 17, "languages": ["es"]},
            "location": COLUMBUS, "radius_km": 25}  # fmt: skip
    resp = client.post("/api/v1/match", json=body)
    assert resp.status_code == 200, resp.get_data(as_text=True)
    data = resp.get_json()
    assert [m["name"] for m in data["matches"]] == ["Bridge Youth Shelter"]
    top = data["matches"][0]
    assert top["service_id"] == str(catalog["youth"].id)
    assert top["location_id"]
    assert set(top["components"]) >= {"need_fit", "distance", "capacity", "language"}
    assert "Spanish spoken" in top["reasons"]
    assert "serves ages 12-24" in top["reasons"]
    why = {e["name"]: e["reasons"] for e in data["excluded"]}
    assert why["Harbor Adult Shelter"] == ["serves ages 18 and over; client is 17"]
    assert why["Liberty Veterans House"] == ["only for veterans"]
    assert why["Full House"][0].startswith("full: 0")


def test_location_text_is_resolved_by_geo(client, catalog):
    resp = client.post("/api/v1/match", json={"needs": ["1135"], "location": "43215"})
    assert resp.status_code == 200
    assert resp.get_json()["location"]["label"]
    assert len(resp.get_json()["matches"]) == 2  # the veterans-only house needs "veterans"


def test_weights_override_per_request_changes_the_order(client, catalog):
    base = {"needs": ["1135"], "location": COLUMBUS, "client": {"age": 30}}
    names = [m["name"] for m in client.post("/api/v1/match", json=base).get_json()["matches"]]
    assert names[0] == "Harbor Adult Shelter"  # fresh free beds
    only_distance = {**base, "weights": {n: 0 for n in ("need_fit", "capacity", "open", "language",
                     "freshness", "follow_through", "audience", "stated")}}  # fmt: skip
    resp = client.post("/api/v1/match", json=only_distance)
    assert resp.status_code == 200
    assert [m["components"]["distance"] for m in resp.get_json()["matches"]] == sorted(
        (m["components"]["distance"] for m in resp.get_json()["matches"]), reverse=True
    )


@pytest.mark.parametrize(
    ("body", "param", "detail"),
    [
        ({"client": {"age": "old"}}, "client.age", "client.age must be a whole number 0-120"),
        ({"client": {"age": 130}}, "client.age", "client.age must be a whole number 0-120"),
        ({"client": {"gender": "x"}}, "client.gender", "client.gender must be one of"),
        ({"client": {"populations": ["martians"]}}, "client.populations[0]", "'martians'"),
        ({"client": {"languages": ["spanish"]}}, "client.languages[0]", "ISO 639-1"),
        ({"urgency": "soon"}, "urgency", "urgency must be one of now, tonight, this_week"),
        ({"radius_km": -1}, "radius_km", "radius_km must be a number above 0"),
        ({"location": {"lat": 99, "lon": 0}}, "location.lat", "between -90 and 90"),
        ({"location": "123"}, "location", "not a 5-digit ZIP"),
        ({"weights": {"luck": 2}}, "weights.luck", "not a score component"),
        ({"limit": 0}, "limit", "limit must be a whole number 1-200"),
        ({"at": "tomorrow"}, "at", "ISO 8601"),
    ],
)
def test_invalid_fields_answer_problem_documents_naming_the_field(client, body, param, detail):
    resp = client.post("/api/v1/match", json=body)
    assert resp.status_code == 400
    assert resp.mimetype == "application/problem+json"
    problem = resp.get_json()
    assert problem["param"] == param
    assert detail in problem["detail"]


def test_non_json_body_is_a_problem(client):
    resp = client.post("/api/v1/match", data="age=3")
    assert resp.status_code == 400
    assert resp.get_json()["param"] == "body"


def test_client_details_are_not_logged(client, catalog, caplog):
    caplog.set_level(logging.DEBUG)
    body = {"needs": ["1135"], "location": COLUMBUS,
            "client": {"age": 47, "populations": ["Pregnant"], "gender": "female"}}  # fmt: skip
    assert client.post("/api/v1/match", json=body).status_code == 200
    assert "Pregnant" not in caplog.text
    assert "47" not in caplog.text


def test_openapi_describes_match(client):
    doc = client.get("/api/v1/openapi.json").get_json()
    post = doc["paths"]["/api/v1/match"]["post"]
    assert post["requestBody"]["content"]["application/json"]["schema"]["$ref"].endswith("MatchRequest")
    assert "400" in post["responses"]
    assert "client" in doc["components"]["schemas"]["MatchRequest"]["properties"]


def test_page_preset_prefills_the_form(client):
    page = client.get("/match?preset=family_tonight").get_data(as_text=True)
    assert 'value="Emergency Shelter"' in page
    assert 'value="family_with_children" selected' in page
    assert 'value="tonight" checked' in page


def test_page_lists_matches_and_why_others_were_left_out(client, catalog):
    form = {"needs": "Emergency Shelter", "location": "39.9612, -82.9988", "age": "17",
            "languages": "es", "radius_km": "25"}  # fmt: skip
    resp = client.post("/match", data=form)
    page = resp.get_data(as_text=True)
    assert resp.status_code == 200
    assert "Bridge Youth Shelter" in page
    assert "Spanish spoken" in page
    assert "serves ages 18 and over; client is 17" in page


def test_page_keeps_what_was_typed_on_error(client):
    resp = client.post("/match", data={"needs": "detox", "age": "two hundred", "location": "43215"})
    page = resp.get_data(as_text=True)
    assert resp.status_code == 400
    assert "client.age must be a whole number 0-120" in page
    assert 'value="two hundred"' in page
    assert 'value="detox"' in page
    assert 'value="43215"' in page


def test_match_needs_given_as_words_use_the_synonyms(client, make_service):
    make_service("Harbor Adult Shelter", terms=(("1135", "Emergency Shelter", "service_type"),))
    make_service("Harbor Food Pantry", description="Groceries weekly.")
    body = {"needs": ["place to sleep"], "location": COLUMBUS, "radius_km": 25}
    data = client.post("/api/v1/match", json=body).get_json()
    assert [m["name"] for m in data["matches"]] == ["Harbor Adult Shelter"]
    assert "offers Emergency Shelter" in data["matches"][0]["reasons"]
    page = client.post("/match", data={"needs": "place to sleep", "location": "43215"})
    assert page.status_code == 200
    assert "Harbor Adult Shelter" in page.get_data(as_text=True)
    assert "Harbor Food Pantry" not in page.get_data(as_text=True)


def test_a_preset_alone_asks_only_for_the_place(client):
    page = client.get("/match?preset=family_tonight").get_data(as_text=True)
    assert 'class="search ask-place"' in page
    assert 'name="preset" value="family_tonight"' in page
    assert "Where is the person?" in page
    assert 'id="matches-h"' not in page


def test_a_preset_with_a_place_runs_the_match_at_once(client, catalog):
    resp = client.get("/match", query_string={"preset": "youth", "location": "39.9612, -82.9988"})
    page = resp.get_data(as_text=True)
    assert resp.status_code == 200
    assert 'id="matches-h"' in page
    assert "Bridge Youth Shelter" in page
    assert 'class="layout has-answer"' in page
    # The other presets keep the place, so trying another is one tap.
    assert "preset=family_tonight&amp;location=39.9612" in page


def test_a_preset_with_a_place_that_cannot_be_read_says_so_and_asks_again(client):
    resp = client.get("/match", query_string={"preset": "youth", "location": "nowhere at all 99999"})
    page = resp.get_data(as_text=True)
    assert resp.status_code == 400
    assert 'role="alert"' in page
    assert 'value="nowhere at all 99999"' in page
