"""The index follows the catalog inside the transaction, and can be rebuilt from it."""

from __future__ import annotations

import datetime as dt
import uuid

from sqlalchemy import func, select, text

from catalog.models import Address, Language, Location, Service, ServiceAtLocation
from demo import generate, load
from search.models import search_document, search_document_term
from search.rebuild import rebuild
from tests.search.conftest import names


def test_an_edit_is_searchable_in_the_same_transaction(api, make_service, make_org, db):
    svc = make_service("Harbor Night Shelter", organization=make_org("Lakeside Services"))
    svc.name = "Harbor Respite Center"
    db.flush()
    assert names(api(q="respite")) == ["Harbor Respite Center"]
    doc_name = select(search_document.c.name).where(search_document.c.service_id == svc.id)
    assert db.scalar(doc_name) == "Harbor Respite Center"


def test_a_deleted_service_leaves_the_index(api, make_service, db):
    svc = make_service("Harbor Night Shelter")
    db.delete(svc)
    db.flush()
    assert api(q="harbor")["total"] == 0
    left = select(func.count()).select_from(search_document).where(search_document.c.service_id == svc.id)
    assert db.scalar(left) == 0


def test_a_location_edit_moves_the_document(api, make_service, db):
    svc = make_service("Harbor Night Shelter", lat=39.96, lon=-83.0)
    svc.service_at_locations[0].location.latitude = 41.5
    svc.service_at_locations[0].location.longitude = -81.7
    db.flush()
    assert names(api(q="shelter", lat=41.5, lon=-81.7, radius_km=2)) == ["Harbor Night Shelter"]


def test_child_rows_reach_the_document(api, make_service, db):
    svc = make_service("Harbor Clinic")
    svc.languages.append(Language(id=uuid.uuid4(), code="so", name="Somali"))
    db.flush()
    assert names(api(q="somali")) == ["Harbor Clinic"]
    assert names(api(q="clinic", language="so")) == ["Harbor Clinic"]


def test_a_second_location_makes_a_second_document(api, make_service, db):
    svc = make_service("Harbor Pantry", lat=39.96, lon=-83.0)
    loc = Location(id=uuid.uuid4(), name="Harbor Pantry North", latitude=40.1, longitude=-83.0)
    loc.addresses.append(
        Address(
            id=uuid.uuid4(), address_1="9 North St", city="Worthington", state_province="OH",
            postal_code="43085", country="US",
        )
    )  # fmt: skip
    svc.service_at_locations.append(ServiceAtLocation(id=uuid.uuid4(), location=loc))
    db.flush()
    body = api(q="pantry", lat=40.1, lon=-83.0, sort="distance")
    assert body["total"] == 2
    assert body["results"][0]["location_id"] == str(loc.id)
    assert names(api(q="worthington")) == ["Harbor Pantry"]


def test_renaming_a_term_reaches_documents_of_its_descendants(api, make_service, make_term, db):
    housing = make_term("housing", "Housing")
    make_term("housing-shelter", "Emergency Shelter", parent=housing)
    make_service("Harbor Night Place", terms=(("housing-shelter", "Emergency Shelter", "service"),))
    housing.name = "Lodging"
    db.flush()
    assert names(api(q="lodging")) == ["Harbor Night Place"]


def test_an_organization_rename_reaches_its_services(api, make_service, db):
    svc = make_service("Night Shelter")
    svc.organization.name = "Lighthouse Mission"
    db.flush()
    assert names(api(q="lighthouse")) == ["Night Shelter"]


def test_a_service_without_location_is_searchable(api, make_service, db):
    svc = make_service("Statewide Crisis Line", lat=None, lon=None)
    for sal in list(svc.service_at_locations):
        db.delete(sal)
    db.flush()
    body = api(q="crisis line")
    assert names(body) == ["Statewide Crisis Line"]
    assert body["results"][0]["location_id"] is None


def test_rebuild_writes_the_same_documents(make_service, db, api):
    for i in range(5):
        make_service(f"Pantry {i}")
    before = {r.key: r.name for r in db.execute(select(search_document.c.key, search_document.c.name))}
    assert rebuild(db) == len(before)
    after = {r.key: r.name for r in db.execute(select(search_document.c.key, search_document.c.name))}
    assert after == before
    assert api(q="pantry")["total"] == 5


def _documents(db) -> tuple[list, list]:
    cols = [c for c in search_document.c if c.name not in ("id", "tsv")]
    docs = sorted(tuple(r) for r in db.execute(select(*cols)))
    links = sorted(tuple(r) for r in db.execute(select(search_document_term)))
    return docs, links


def _schema(db) -> list:
    if db.get_bind().dialect.name != "sqlite":
        return []
    sql = "SELECT type, name, sql FROM sqlite_master WHERE name LIKE 'search%'"
    return sorted(tuple(r) for r in db.execute(text(sql)))


def test_rebuild_of_the_demo_county_gives_identical_documents(db, api):
    """Every column and term link of every document (schedules with dates, languages, areas,
    eligibility, taxonomy lineages) is the same after a rebuild, the triggers and indexes it
    set aside are back, and later edits still reach the index."""
    db.info["changelog"] = False
    load(db, generate(2026, now=dt.datetime(2026, 11, 20, 15, 30, tzinfo=dt.UTC)))
    before, schema = _documents(db), _schema(db)
    assert len(before[0]) > 300
    assert before[1]
    assert rebuild(db) == len(before[0])
    assert _documents(db) == before
    assert _schema(db) == schema
    svc = db.scalars(select(Service).order_by(Service.name)).first()
    svc.name = "Zanzibar Outreach"
    db.flush()
    assert names(api(q="zanzibar")) == ["Zanzibar Outreach"]


def test_index_rebuild_command(app, make_service):
    make_service("Harbor Pantry")
    result = app.test_cli_runner().invoke(args=["index", "rebuild"])
    assert result.exit_code == 0, result.output
    assert "Indexed" in result.output


def test_synonyms_commands(app):
    runner = app.test_cli_runner()
    assert "detox\twithdrawal management" in runner.invoke(args=["synonyms", "list"]).output
    added = runner.invoke(args=["synonyms", "add", "Crash Pad", "shelter"])
    assert added.exit_code == 0, added.output
    assert "crash pad ~ shelter" in added.output
    assert "Removed 1" in runner.invoke(args=["synonyms", "remove", "crash pad", "shelter"]).output
    bad = runner.invoke(args=["synonyms", "add", "bed", "bed"])
    assert bad.exit_code != 0
    assert "synonym of itself" in bad.output
