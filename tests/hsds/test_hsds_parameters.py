"""Every query parameter of the HSDS API, alone and combined (AND), and its 400s."""

from __future__ import annotations

import datetime as dt
import json
import uuid
from typing import Any

import pytest
from sqlalchemy.orm import Session

from catalog.models import ServiceArea
from tests.hsds.conftest import ITEM_SCHEMA, QueryCounter, validate, validate_page


def names(client: Any, path: str) -> list[str]:
    resp = client.get(path)
    assert resp.status_code == 200, resp.get_data(as_text=True)
    body = resp.get_json()
    schema = ITEM_SCHEMA["service_at_locations" if "service_at_locations" in path else "services"]
    validate_page(body, schema)
    return sorted(item.get("service", item)["name"] for item in body["contents"])


def test_search_matches_name_or_description_every_word(client: Any, catalog: dict[str, Any]) -> None:
    assert names(client, "/hsds/services?search=pantry") == ["Eastside Food Pantry"]
    assert names(client, "/hsds/services?search=SOUP+westside") == ["Westside Soup Kitchen"]
    assert names(client, "/hsds/services?search=counselling") == ["Community Counselling"]
    assert names(client, "/hsds/services?search=soup+shelter") == []


def test_taxonomy_term_and_taxonomy_filters(client: Any, catalog: dict[str, Any]) -> None:
    pantry_term, food = catalog["pantry_term"], catalog["food"]
    assert names(client, f"/hsds/services?taxonomy_term_id={pantry_term.id}") == ["Eastside Food Pantry"]
    assert names(client, f"/hsds/services?taxonomy_term_id={food.id}") == ["Westside Soup Kitchen"]
    ours = names(client, f"/hsds/services?taxonomy_id={food.taxonomy_id}")
    assert ours == ["Eastside Food Pantry", "Harbor Night Shelter", "Westside Soup Kitchen"]


def test_organization_filter_and_combination_is_and(client: Any, catalog: dict[str, Any]) -> None:
    org = catalog["pantry"].organization_id
    both = ["Eastside Food Pantry", "Westside Soup Kitchen"]
    assert names(client, f"/hsds/services?organization_id={org}") == both
    assert names(client, f"/hsds/services?organization_id={org}&search=soup") == ["Westside Soup Kitchen"]
    food = catalog["food"].id
    assert names(client, f"/hsds/services?organization_id={org}&taxonomy_term_id={food}&search=pantry") == []
    assert names(client, f"/hsds/service_at_locations?organization_id={org}&search=soup") == [
        "Westside Soup Kitchen"
    ]


def test_modified_after_uses_last_modified(client: Any, catalog: dict[str, Any], db: Session) -> None:
    catalog["shelter"].last_modified = dt.datetime(2030, 1, 1, tzinfo=dt.UTC)
    db.flush()
    assert names(client, "/hsds/services?modified_after=2029-12-31T23:59:59Z") == ["Harbor Night Shelter"]
    assert names(client, "/hsds/services?modified_after=2030-01-01T00:00:00%2B00:00") == [
        "Harbor Night Shelter"
    ]
    assert names(client, "/hsds/services?modified_after=2030-01-01T00:00:01Z") == []
    assert "Community Counselling" in names(client, "/hsds/services?modified_after=2023-03-15T10:30:45Z")


def test_minimal_lists_ids_and_last_modified_in_one_page(client: Any, catalog: dict[str, Any]) -> None:
    body = client.get("/hsds/services?minimal=true").get_json()
    validate_page(body, ITEM_SCHEMA["services"])
    assert body["total_pages"] == 1
    assert all(set(item) <= {"id", "name", "status", "last_modified"} for item in body["contents"])
    example = next(i for i in body["contents"] if i["id"] == str(catalog["example"].id))
    assert example["last_modified"] == "2023-03-15T10:30:45.123Z"


def test_pages_walk_the_whole_list_without_overlap(client: Any, catalog: dict[str, Any]) -> None:
    seen: list[str] = []
    first = client.get("/hsds/services?per_page=3").get_json()
    assert (first["total_items"], first["total_pages"], first["size"]) == (4, 2, 3)
    assert first["first_page"]
    assert not first["last_page"]
    seen += [i["id"] for i in first["contents"]]
    second = client.get("/hsds/services?per_page=3&page=2").get_json()
    validate_page(second, ITEM_SCHEMA["services"])
    assert (second["size"], second["last_page"], second["first_page"]) == (1, True, False)
    seen += [i["id"] for i in second["contents"]]
    assert len(set(seen)) == 4
    beyond = client.get("/hsds/services?per_page=3&page=9").get_json()
    validate_page(beyond, ITEM_SCHEMA["services"])
    assert beyond["empty"]
    assert (beyond["size"], beyond["total_items"]) == (0, 4)


def test_empty_result_is_an_empty_page(client: Any, catalog: dict[str, Any]) -> None:
    body = client.get("/hsds/services?search=zzzznothing").get_json()
    validate_page(body, ITEM_SCHEMA["services"])
    assert body == {
        "total_items": 0,
        "total_pages": 0,
        "page_number": 1,
        "size": 0,
        "first_page": True,
        "last_page": True,
        "empty": True,
        "contents": [],
    }


@pytest.mark.parametrize(
    "path",
    [
        "services",
        "services?full=true",
        "taxonomies",
        "taxonomy_terms",
        "organizations",
        "service_at_locations",
    ],
)
def test_ndjson_streams_every_match_one_object_a_line(
    client: Any, catalog: dict[str, Any], path: str
) -> None:
    sep = "&" if "?" in path else "?"
    resp = client.get(f"/hsds/{path}{sep}format=ndjson&per_page=1")
    assert resp.status_code == 200
    assert resp.mimetype == "application/x-ndjson"
    lines = resp.get_data(as_text=True).splitlines()
    paged = client.get(f"/hsds/{path}").get_json()
    assert len(lines) == paged["total_items"]
    kind = path.split("?")[0] + ("_full" if "full" in path else "")
    for line in lines:
        validate(json.loads(line), ITEM_SCHEMA[kind])


def test_taxonomy_terms_top_only_parent_and_taxonomy(client: Any, catalog: dict[str, Any]) -> None:
    food, pantry = catalog["food"], catalog["pantry_term"]

    def terms(query: str) -> list[str]:
        body = client.get(f"/hsds/taxonomy_terms?{query}").get_json()
        validate_page(body, ITEM_SCHEMA["taxonomy_terms"])
        return sorted(t["name"] for t in body["contents"])

    assert "Food Pantry" not in terms("top_only=true")
    assert "Food" in terms("top_only=true")
    assert terms(f"parent_id={food.id}") == ["Food Pantry"]
    assert terms(f"taxonomy_id={food.taxonomy_id}&search=pantry") == ["Food Pantry"]
    assert terms(f"taxonomy_id={food.taxonomy_id}&top_only=true&parent_id={food.id}") == []
    body = client.get(f"/hsds/taxonomy_terms?parent_id={food.id}").get_json()
    assert body["contents"][0]["taxonomy_detail"]["id"] == str(pantry.taxonomy_id)


def test_taxonomies_and_organizations_search(client: Any, catalog: dict[str, Any]) -> None:
    body = client.get("/hsds/taxonomies?search=eligibility").get_json()
    validate_page(body, ITEM_SCHEMA["taxonomies"])
    assert [t["name"] for t in body["contents"]] == ["Open Eligibility"]
    body = client.get("/hsds/organizations?search=example").get_json()
    validate_page(body, ITEM_SCHEMA["organizations"])
    assert [o["name"] for o in body["contents"]] == ["Example Organization Inc."]


def test_postcode_matches_the_address_where_no_area_is_known(client: Any, catalog: dict[str, Any]) -> None:
    assert names(client, "/hsds/service_at_locations?postcode=43205") == ["Eastside Food Pantry"]
    assert names(client, "/hsds/service_at_locations?postcode=43204&search=soup") == ["Westside Soup Kitchen"]


def test_postcode_inside_a_service_area_wins_over_the_address(
    client: Any, catalog: dict[str, Any], db: Session
) -> None:
    # The shelter serves a small box around ZIP 43215's centroid (43205's is outside it),
    # the pantry serves a box far away: the pantry's own 43205 address no longer decides.
    from geo import locate_zip

    c = locate_zip("43215")
    ring = [[c.lon - 0.01, c.lat - 0.01], [c.lon + 0.01, c.lat - 0.01], [c.lon + 0.01, c.lat + 0.01]]
    box = {"type": "Polygon", "coordinates": [[*ring, [c.lon - 0.01, c.lat + 0.01], ring[0]]]}
    far = {"type": "Polygon", "coordinates": [[[-80.1, 25.7], [-80.0, 25.7], [-80.0, 25.8], [-80.1, 25.7]]]}
    catalog["shelter"].service_areas.append(
        ServiceArea(id=uuid.uuid4(), extent=json.dumps(box), extent_type="geojson")
    )
    catalog["pantry"].service_areas.append(
        ServiceArea(id=uuid.uuid4(), extent=json.dumps(far), extent_type="geojson")
    )
    db.flush()
    assert names(client, "/hsds/service_at_locations?postcode=43215") == ["Harbor Night Shelter"]
    assert names(client, "/hsds/service_at_locations?postcode=43205") == []


def test_proximity_is_metres_from_the_postcode_centroid(client: Any, catalog: dict[str, Any]) -> None:
    from geo import distance_km, locate_zip

    centre = locate_zip("43215")
    pantry_loc = catalog["pantry"].service_at_locations[0].location
    metres = distance_km(centre.lat, centre.lon, pantry_loc.latitude, pantry_loc.longitude) * 1000
    inside = names(client, f"/hsds/service_at_locations?postcode=43215&proximity={metres + 50:.0f}")
    assert "Eastside Food Pantry" in inside
    assert "Harbor Night Shelter" not in inside  # about 20 km away
    wide = names(client, "/hsds/service_at_locations?postcode=43215&proximity=40000")
    assert "Harbor Night Shelter" in wide
    assert "Community Counselling" not in wide  # the example's location is not in Ohio
    assert names(client, "/hsds/service_at_locations?postcode=43215&proximity=40000&search=soup") == [
        "Westside Soup Kitchen"
    ]


@pytest.mark.parametrize(
    ("query", "param"),
    [
        ("services?page=0", "page"),
        ("services?page=two", "page"),
        ("services?per_page=0", "per_page"),
        ("services?per_page=100000", "per_page"),
        ("services?format=xml", "format"),
        ("services?taxonomy_term_id=food", "taxonomy_term_id"),
        ("services?taxonomy_id=1", "taxonomy_id"),
        ("services?organization_id=x", "organization_id"),
        ("services?modified_after=yesterday", "modified_after"),
        ("services?minimal=maybe", "minimal"),
        ("services?full=yes please", "full"),
        ("services?minimal=true&full=true", "minimal"),
        ("services?colour=red", "colour"),
        ("services?postcode=43215", "postcode"),
        ("taxonomy_terms?top_only=2", "top_only"),
        ("taxonomy_terms?parent_id=abc", "parent_id"),
        ("organizations?full_service=perhaps", "full_service"),
        ("organizations/00000000-0000-0000-0000-000000000000?full=true", "full"),
        ("service_at_locations?proximity=1000", "proximity"),
        ("service_at_locations?postcode=43215&proximity=far", "proximity"),
        ("service_at_locations?postcode=43215&proximity=-5", "proximity"),
        ("service_at_locations?postcode=SW1A1AA&proximity=500", "postcode"),
    ],
)
def test_bad_parameters_are_400_problems_naming_the_parameter(client: Any, query: str, param: str) -> None:
    resp = client.get(f"/hsds/{query}")
    assert resp.status_code == 400, resp.get_data(as_text=True)
    assert resp.mimetype == "application/problem+json"
    body = resp.get_json()
    assert body["status"] == 400
    assert body["param"] == param
    assert param in body["detail"]


def test_full_services_take_the_same_queries_for_few_or_many(
    client: Any, make_service: Any, make_org: Any, engine: Any
) -> None:
    """No N+1: a page of fully nested records costs a fixed number of statements."""

    def count(path: str) -> int:
        client.get(path)  # warm caches
        with QueryCounter(engine) as counter:
            assert client.get(path).status_code == 200
        return counter.count

    def add(n: int) -> None:
        for i in range(n):
            make_service(
                f"Extra Service {i}",
                organization=make_org(f"Extra Org {i}"),
                beds=2,
                languages=("en", "es"),
                opens="09:00",
                closes="17:00",
                terms=(("1102", "Food", "service"),),
            )

    add(2)
    paths = [
        "/hsds/services?full=true&search=extra&per_page=50",
        "/hsds/service_at_locations?full=true&search=extra&per_page=50",
        "/hsds/organizations?full_service=true&search=extra&per_page=50",
        "/hsds/services?search=extra&per_page=50",
        "/hsds/services?search=extra&format=ndjson&full=true",
    ]
    few = [count(p) for p in paths]
    add(10)
    assert [count(p) for p in paths] == few
    assert max(few) < 200
