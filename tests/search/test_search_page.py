"""A result page's details: what each result shows, read in as few statements as a first
search can make (names, address and phone in one; capacity once, shared with the ranking)."""

from __future__ import annotations

import datetime as dt
import re
import uuid
from typing import Any

from sqlalchemy import event

from catalog.models import Address, Location, LocationType, Phone, Service
from search.params import parse_params
from search.query import SearchContext, search

NOW = dt.datetime(2026, 11, 20, 15, 30, tzinfo=dt.UTC)


def _run(db: Any, **params: str) -> tuple[dict[str, Any], list[str]]:
    """A search in a process that has not shown these documents yet, with its SQL statements."""
    seen: list[str] = []

    def on_execute(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        seen.append(statement)

    engine = db.get_bind()
    event.listen(engine, "before_cursor_execute", on_execute)
    try:
        ctx = SearchContext(timezone="America/New_York", now=NOW)
        body = search(db, parse_params(params, timezone="America/New_York"), ctx)
    finally:
        event.remove(engine, "before_cursor_execute", on_execute)
    return body, seen


def _location(svc: Service) -> Location:
    loc = svc.service_at_locations[0].location
    assert loc is not None
    return loc


def test_each_result_shows_the_phone_nearest_to_it(db: Any, make_service: Any) -> None:
    """The service at location's phone, else the service's, else the location's."""
    here = make_service("Walrus Here", phone="614-555-0001")
    sal = here.service_at_locations[0]
    sal.phones.append(Phone(id=uuid.uuid4(), number="614-555-0002", type="voice"))
    _location(here).phones.append(Phone(id=uuid.uuid4(), number="614-555-0003", type="voice"))
    service = make_service("Walrus Service", phone="614-555-0011")
    _location(service).phones.append(Phone(id=uuid.uuid4(), number="614-555-0013", type="voice"))
    located = make_service("Walrus Location", phone=None)
    _location(located).phones.append(Phone(id=uuid.uuid4(), number="614-555-0023", type="voice"))
    make_service("Walrus None", phone=None, address="9 Elm St")
    db.flush()
    body, _ = _run(db, q="walrus", per_page="10")
    phones = {r["name"]: r["phone"] for r in body["results"]}
    assert phones == {
        "Walrus Here": "614-555-0002",
        "Walrus Service": "614-555-0011",
        "Walrus Location": "614-555-0023",
        "Walrus None": None,
    }
    addresses = {r["name"]: r["address"] for r in body["results"]}
    assert addresses["Walrus None"] == "9 Elm St, Columbus, OH"
    assert {r["organization"] for r in body["results"]} == {f"{n} Inc." for n in phones}


def test_a_location_shows_its_physical_address_before_its_postal_one(db: Any, make_service: Any) -> None:
    svc = make_service("Narwhal Place", address="1 Front St")
    loc = _location(svc)
    loc.addresses.insert(
        0,
        Address(
            id=uuid.uuid4(),
            address_1="PO Box 7",
            city="Columbus",
            state_province="OH",
            postal_code="43215",
            country="US",
            address_type=LocationType.postal,
        ),
    )
    db.flush()
    body, _ = _run(db, q="narwhal")
    assert [r["address"] for r in body["results"]] == ["1 Front St, Columbus, OH"]


def test_a_first_page_reads_details_in_one_statement_and_capacity_once(db: Any, make_service: Any) -> None:
    """Names, organization, address and phone of a page come in one statement, and the live
    capacity the ranking reads for the first results is the one the page shows."""
    for i in range(3):
        make_service(f"Otter Shelter {i}", beds=2 + i, beds_max=10, beds_updated=NOW - dt.timedelta(hours=1))
    make_service("Otter Pantry")
    body, seen = _run(db, q="otter")
    assert len(body["results"]) == 4
    details = [s for s in seen if re.search(r"\b(FROM|JOIN) (phone|address)\b", s)]
    assert len(details) == 1, details
    assert re.search(r"\bFROM phone\b", details[0])
    assert re.search(r"\bJOIN address\b", details[0])
    capacity = [s for s in seen if re.search(r"\b(FROM|JOIN) service_capacity\b", s)]
    assert len(capacity) == 1, capacity
    figures = {r["name"]: [c["available"] for c in r["capacity"]] for r in body["results"]}
    assert figures == {
        "Otter Shelter 0": [2],
        "Otter Shelter 1": [3],
        "Otter Shelter 2": [4],
        "Otter Pantry": [],
    }
    shown = body["results"][0]["capacity"][0]
    assert shown["maximum"] == 10
    assert shown["age_hours"] == 1.0
    assert not shown["stale"]
    # The next search of the same text reads capacity once again; on SQLite it keeps the
    # details (on PostgreSQL a transaction that wrote reads afresh).
    again, seen = _run(db, q="otter")
    assert again["results"] == body["results"]
    if db.get_bind().dialect.name == "sqlite":
        assert not [s for s in seen if re.search(r"\b(FROM|JOIN) (phone|address)\b", s)]
    assert len([s for s in seen if re.search(r"\b(FROM|JOIN) service_capacity\b", s)]) == 1


def test_a_page_past_the_reranked_head_reads_its_own_capacity(db: Any, make_service: Any) -> None:
    """Sorted by distance there is no capacity lift: the page reads its figures itself."""
    make_service("Seal Shelter", beds=5, beds_max=9, beds_updated=NOW - dt.timedelta(hours=2))
    body, seen = _run(db, q="seal", lat="39.9612", lon="-82.9988", sort="distance")
    assert [c["available"] for c in body["results"][0]["capacity"]] == [5]
    assert len([s for s in seen if re.search(r"\b(FROM|JOIN) service_capacity\b", s)]) == 1


def test_a_facet_shows_a_term_renamed_since_the_last_search(db: Any, make_service: Any) -> None:
    """The facets' term names are kept per index generation; a term's write makes a new one."""
    from catalog.models import TaxonomyTerm

    make_service("Beluga Shelter", terms=(("BH-1", "Night beds", "service_type"),))
    make_service("Orca Shelter", terms=(("BH-9", "Meals", "service_type"),))
    first, _ = _run(db, q="beluga")
    assert [(f["code"], f["name"]) for f in first["facets"]["taxonomy"]] == [("BH-1", "Night beds")]
    _, seen = _run(db, q="beluga")
    _, seen_orca = _run(db, q="orca")
    both, seen_both = _run(db, q="shelter")  # the two terms, each shown before
    assert {f["code"] for f in both["facets"]["taxonomy"]} == {"BH-1", "BH-9"}
    if db.get_bind().dialect.name == "sqlite":
        assert not [s for s in seen + seen_both if re.search(r"\bFROM taxonomy_term\b", s)]
        assert len([s for s in seen_orca if re.search(r"\bFROM taxonomy_term\b", s)]) == 1
    term = db.query(TaxonomyTerm).filter_by(code="BH-1").one()
    term.code, term.name = "BH-2", "Beds tonight"
    db.flush()
    again, _ = _run(db, q="beluga")
    assert [(f["code"], f["name"]) for f in again["facets"]["taxonomy"]] == [("BH-2", "Beds tonight")]
    term.code = "BH-3"  # the code alone, which no document's text holds
    db.flush()
    last, _ = _run(db, q="beluga")
    assert [(f["code"], f["name"]) for f in last["facets"]["taxonomy"]] == [("BH-3", "Beds tonight")]
