"""Every path of the HSDS 3.0 openapi.json answers, and every answer meets the spec's schemas."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.conftest import shared_path
from tests.hsds.conftest import ITEM_SCHEMA, new_id, validate, validate_page

EXAMPLE_ID = "ac148810-d857-441c-9679-408f346de14b"


def test_root_names_version_profile_and_openapi(client: Any) -> None:
    resp = client.get("/hsds/")
    assert resp.status_code == 200
    body = resp.get_json()
    assert body["version"] == "3.0"
    assert body["openapi_url"] == "http://localhost/hsds/openapi.json"
    assert body["profile"].startswith("https://")
    api_details = json.loads(
        shared_path("hsds", "validators", "oruk_validator", "Schemas", "V3.0", "api_details.json").read_text()
    )
    from jsonschema import Draft202012Validator

    Draft202012Validator(api_details, format_checker=Draft202012Validator.FORMAT_CHECKER).validate(body)
    asked = client.get("/hsds/?version=3.1").get_json()
    assert (asked["version"], asked["profile"]) == (
        "3.1",
        "https://docs.openreferral.org/en/3.1/hsds/overview.html",
    )


def test_openapi_describes_every_path_of_the_spec(client: Any) -> None:
    spec = json.loads(shared_path("hsds", "spec", "openapi", "openapi.json").read_text())
    ours = client.get("/hsds/openapi.json").get_json()
    assert set(ours["paths"]) == set(spec["paths"])
    for path, item in spec["paths"].items():
        theirs = {(p.get("name") or p["$ref"].rsplit("/", 1)[-1]) for p in item["get"].get("parameters", [])}
        mine = {p["$ref"].rsplit("/", 1)[-1] for p in ours["paths"][path]["get"].get("parameters", [])}
        # Ours add `version` to every path: 3.0 by default, 3.1 when asked.
        assert mine == theirs | {"version"}, path
    assert ours["components"]["parameters"]["version"]["schema"]["enum"] == ["3.0", "3.1"]
    assert "profile=" in ours["info"]["description"]
    # The swapped operationIds, put right.
    assert ours["paths"]["/taxonomy_terms"]["get"]["operationId"] == "getPaginatedListOfTaxonomyTerms"


@pytest.mark.parametrize(
    ("path", "schema"),
    [
        ("/hsds/services", ITEM_SCHEMA["services"]),
        ("/hsds/services?full=true", ITEM_SCHEMA["services_full"]),
        ("/hsds/taxonomies", ITEM_SCHEMA["taxonomies"]),
        ("/hsds/taxonomy_terms", ITEM_SCHEMA["taxonomy_terms"]),
        ("/hsds/organizations", ITEM_SCHEMA["organizations"]),
        ("/hsds/organizations?full=true", ITEM_SCHEMA["organizations_full"]),
        ("/hsds/organizations?full_service=true", ITEM_SCHEMA["organizations_full"]),
        ("/hsds/service_at_locations", ITEM_SCHEMA["service_at_locations"]),
        ("/hsds/service_at_locations?full=true", ITEM_SCHEMA["service_at_locations_full"]),
    ],
)
def test_every_list_is_a_valid_page(client: Any, catalog: dict[str, Any], path: str, schema: str) -> None:
    resp = client.get(path)
    assert resp.status_code == 200, resp.get_data(as_text=True)
    assert resp.mimetype == "application/json"
    body = resp.get_json()
    validate_page(body, schema)
    assert body["total_items"] >= 1
    assert body["page_number"] == 1


def test_service_by_id_is_the_spec_example_fully_nested(client: Any, catalog: dict[str, Any]) -> None:
    body = client.get(f"/hsds/services/{EXAMPLE_ID}").get_json()
    validate(body, "service.json")
    example = json.loads(shared_path("hsds", "spec-examples-3.0", "json", "service_full.json").read_text())
    assert body["name"] == example["name"]
    assert {p["id"] for p in body["phones"]} == {p["id"] for p in example["phones"]}
    assert body["organization"]["id"] == example["organization"]["id"]
    sal = body["service_at_locations"][0]
    assert (
        sal["location"]["addresses"][0]["postal_code"]
        == example["service_at_locations"][0]["location"]["addresses"][0]["postal_code"]
    )


def test_service_by_id_is_30_without_capacity_unless_31_is_asked(
    client: Any, catalog: dict[str, Any]
) -> None:
    shelter = catalog["shelter"]
    resp = client.get(f"/hsds/services/{shelter.id}")
    body = resp.get_json()
    validate(body, "service.json", "3.0")
    assert "capacities" not in body
    assert resp.headers["Link"] == '<https://docs.openreferral.org/en/3.0/hsds/overview.html>; rel="profile"'
    resp = client.get(f"/hsds/services/{shelter.id}?version=3.1")
    body = resp.get_json()
    validate(body, "service.json", "3.1")
    assert body["capacities"][0]["available"] == 4
    assert body["capacities"][0]["unit"]["name"] == "bed"
    assert "/en/3.1/" in resp.headers["Link"]
    assert "Accept" in resp.headers["Vary"]


def test_an_accept_profile_of_31_asks_for_31(client: Any, catalog: dict[str, Any]) -> None:
    url = f"/hsds/services/{catalog['shelter'].id}"
    profile = 'application/json; profile="https://docs.openreferral.org/en/3.1/hsds/overview.html"'
    assert "capacities" in client.get(url, headers={"Accept": profile}).get_json()
    # The parameter wins over the header; a profile we do not write falls back to 3.0.
    assert "capacities" not in client.get(url + "?version=3.0", headers={"Accept": profile}).get_json()
    other = 'application/json; profile="https://example.org/hsds-uk"'
    assert "capacities" not in client.get(url, headers={"Accept": other}).get_json()
    assert client.get("/hsds/", headers={"Accept": profile}).get_json()["version"] == "3.1"


def test_an_unknown_version_is_a_400_naming_version(client: Any) -> None:
    resp = client.get("/hsds/services?version=2.0")
    assert resp.status_code == 400
    assert resp.get_json()["param"] == "version"


def test_no_linkage_only_fields_leak(client: Any, catalog: dict[str, Any], db: Any) -> None:
    loc = catalog["shelter"].service_at_locations[0].location
    loc.geocode_precision, loc.geocode_source = "rooftop", "census"
    db.flush()
    text = client.get(f"/hsds/services/{catalog['shelter'].id}").get_data(as_text=True)
    text += client.get("/hsds/service_at_locations?full=true&per_page=100").get_data(as_text=True)
    assert "geocode_precision" not in text
    assert "geocode_source" not in text


@pytest.mark.parametrize(
    ("kind", "schema"),
    [("taxonomies", "taxonomy.json"), ("taxonomy_terms", "taxonomy_term.json")],
)
def test_taxonomy_records_by_id(client: Any, catalog: dict[str, Any], kind: str, schema: str) -> None:
    record = catalog["pantry_term"] if kind == "taxonomy_terms" else catalog["pantry_term"].taxonomy_detail
    body = client.get(f"/hsds/{kind}/{record.id}").get_json()
    validate(body, schema)
    assert body["id"] == str(record.id)
    assert body["name"] == record.name


def test_organization_by_id_lists_its_services_simply_or_fully(client: Any, catalog: dict[str, Any]) -> None:
    org = catalog["pantry"].organization
    simple = client.get(f"/hsds/organizations/{org.id}").get_json()
    validate(simple, "organization.json")
    assert sorted(s["name"] for s in simple["services"]) == ["Eastside Food Pantry", "Westside Soup Kitchen"]
    assert "phones" not in simple["services"][0]
    full = client.get(f"/hsds/organizations/{org.id}?full_service=true").get_json()
    validate(full, "organization.json")
    for svc in full["services"]:
        validate(svc, "service.json")
        assert svc["phones"][0]["number"] == "614-555-0100"
        assert "organization" not in svc


def test_service_at_location_by_id_is_a_service_at_location(client: Any, catalog: dict[str, Any]) -> None:
    sal = catalog["pantry"].service_at_locations[0]
    body = client.get(f"/hsds/service_at_locations/{sal.id}").get_json()
    validate(body, "service_at_location.json")
    assert body["id"] == str(sal.id)
    assert body["service"]["name"] == "Eastside Food Pantry"
    assert body["location"]["addresses"][0]["postal_code"] == "43205"


@pytest.mark.parametrize(
    "path", ["services", "taxonomies", "taxonomy_terms", "organizations", "service_at_locations"]
)
def test_unknown_and_malformed_ids_are_404_problems(client: Any, catalog: dict[str, Any], path: str) -> None:
    for raw in (new_id(), "not-a-uuid", "42"):
        resp = client.get(f"/hsds/{path}/{raw}")
        assert resp.status_code == 404
        assert resp.mimetype == "application/problem+json"
        assert raw in resp.get_json()["detail"]
