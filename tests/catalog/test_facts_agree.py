"""The service page, /api/v1/search and /api/v1/match agree on every service of the demo county.

One rule per fact (``catalog.rules``): open or closed at a moment, who may come (ages,
gender), pets, a required ID, insurance, free of charge and the free places. This walks the
whole county, plus services whose hours state a UTC offset other than the deployment's, at
several moments of the week and on the Thanksgiving exception day, and asks each endpoint.
The page is read from its machine-readable ``data-`` values, not its sentences.

The demo is loaded once for the module, in a transaction rolled back at the end.
"""

from __future__ import annotations

import datetime as dt
import re
import uuid
from collections import defaultdict
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from app import create_app
from catalog import facts
from catalog.capacity import Hold
from catalog.models import (
    Attribute,
    Language,
    Location,
    Organization,
    Schedule,
    Service,
    ServiceAtLocation,
    ServiceCapacity,
)
from search import hooks
from tests.conftest import bound_sessions, demo_loaded

TZ = ZoneInfo("America/New_York")  # the app's default deployment zone
NOW = dt.datetime.now(dt.UTC).replace(second=0, microsecond=0)
CHUNK = 100  # services per match request (its `services` list)


def _next(weekday: int, hour: int, minute: int = 0) -> dt.datetime:
    """The next such local moment after today (0 = Monday)."""
    today = NOW.astimezone(TZ).date()
    day = today + dt.timedelta(days=(weekday - today.weekday()) % 7 or 7)
    return dt.datetime(day.year, day.month, day.day, hour, minute, tzinfo=TZ)


# (code, name, weekly rows with their offset): hours written in another zone than the
# deployment's, or in one of the deployment's own offsets (read in its zone, DST included).
ELSEWHERE = (
    ("Pacific Hotline", ("MO,TU,WE,TH,FR", "09:00", "17:00", -7)),
    ("Honolulu Warmline", ("MO,TU,WE,TH,FR,SA,SU", "08:00", "20:00", -10)),
    ("Summer Offset Clinic", ("MO,TU,WE,TH,FR", "09:00", "18:30", -4)),
    ("Unstated Hours Line", None),  # no hours at all: unknown, never closed
)
TEXT_ONLY = "Women's Drop-In"  # restricted by its eligibility text alone, with no term


def _add_text_only(session: Session, org: Organization) -> str:
    """A service saying "women only" in prose, with a pets attribute that has no value and
    its language as a three-letter code."""
    svc = Service(
        id=uuid.uuid4(),
        name=TEXT_ONLY,
        description="Showers and a day room.",
        eligibility_description="For women only.",
        organization=org,
    )
    loc = Location(id=uuid.uuid4(), name=TEXT_ONLY, organization=org, latitude=39.97, longitude=-83.0)
    svc.service_at_locations.append(ServiceAtLocation(id=uuid.uuid4(), location=loc))
    svc.languages.append(Language(id=uuid.uuid4(), code="spa", name="Spanish"))  # ISO 639-2, read as "es"
    session.add(svc)
    session.flush()
    session.add(Attribute(id=uuid.uuid4(), link_id=svc.id, link_entity="service", link_type="pets", value=""))
    return str(svc.id)


def _add_elsewhere(session: Session) -> dict[str, str]:
    org = Organization(id=uuid.uuid4(), name="Far Lines", description="Lines answered in other zones.")
    session.add(org)
    ids = {}
    for name, row in ELSEWHERE:
        svc = Service(id=uuid.uuid4(), name=name, description=f"{name}.", organization=org)
        loc = Location(id=uuid.uuid4(), name=name, organization=org, latitude=39.96, longitude=-83.0)
        svc.service_at_locations.append(ServiceAtLocation(id=uuid.uuid4(), location=loc))
        session.add(svc)
        ids[name] = str(svc.id)
        if row is None:
            continue
        byday, opens, closes, offset = row
        svc.schedules.append(
            Schedule(
                id=uuid.uuid4(), freq="WEEKLY", byday=byday, opens_at=opens, closes_at=closes, timezone=offset
            )
        )
    session.flush()
    ids[TEXT_ONLY] = _add_text_only(session, org)
    session.flush()
    return ids


@pytest.fixture(scope="module")
def county(engine, tmp_path_factory):
    """An app over the demo county (loaded once), and what the walk needs to know about it."""
    hooks.install()  # the search index written with the catalog, as in the app
    with demo_loaded(engine, NOW) as session:
        elsewhere = _add_elsewhere(session)
        session.commit()
        holiday = session.scalars(
            select(Schedule.valid_from).where(Schedule.description.like("%Thanksgiving%")).limit(1)
        ).one()
        app = create_app(
            {
                "DATA_DIR": str(tmp_path_factory.mktemp("agree") / "data"),
                "DATABASE_URL": engine.url.render_as_string(hide_password=False),
                "TESTING": True,
                "SECRET_KEY": "test-secret",
                # Every session here shares one connection: a background refresh of the match
                # index would use it from another thread mid-request (seen on a loaded machine).
                "MATCH_INDEX_TTL": 0,
            }
        )
        app.extensions["linkage_db"].sessionmaker = bound_sessions(session.connection())
        yield {
            "client": app.test_client(),
            "services": [str(i) for i in session.scalars(select(Service.id).order_by(Service.id))],
            "sal_count": len(session.scalars(select(ServiceAtLocation.id)).all()),
            "elsewhere": elsewhere,
            "moments": {
                "weekday noon": _next(2, 12),
                "weekday 18:00": _next(2, 18),
                "Friday 23:30": _next(4, 23, 30),
                "Sunday 06:00": _next(6, 6),
                "Thanksgiving": dt.datetime(holiday.year, holiday.month, holiday.day, 12, tzinfo=TZ),
            },
            "session": session,
        }


# ---------------------------------------------------------------- the three readers


def _data(html: str, name: str) -> list[str]:
    return re.findall(rf'data-{name}="([^"]*)"', html)


def _json(value: str) -> Any:
    return {"true": True, "false": False, "null": None}.get(value, value)


def page(client, service_id: str, at: dt.datetime | None = None) -> dict[str, Any]:
    """The facts the service page shows, as values."""
    resp = client.get(f"/services/{service_id}", query_string={"at": at.isoformat()} if at else {})
    assert resp.status_code == 200, service_id
    html = resp.get_data(as_text=True)
    num = lambda v: None if v == "null" else float(v)  # noqa: E731
    return {
        "open": _json(_data(html, "open")[0]),
        "minimum_age": num(_data(html, "minimum-age")[0]),
        "maximum_age": num(_data(html, "maximum-age")[0]),
        "genders": frozenset(_data(html, "genders")[0].split()),
        "pets": _json(_data(html, "pets")[0]),
        "plans": frozenset(_data(html, "plans")[0].split()),
        "cost": _data(html, "cost")[0] or None,
        "id_required": _json(_data(html, "id-required")[0]),
        "languages": frozenset(_data(html, "languages")[0].split()),
        "accessible": [_json(v) for v in _data(html, "accessible")],
        "capacity": sorted(
            (num(a), num(m), _json(s))
            for a, m, s in zip(
                _data(html, "available"), _data(html, "maximum"), _data(html, "stale"), strict=True
            )
        ),
    }


def search(client, **params: Any) -> dict[str, list[dict[str, Any]]]:
    """Every document the search answers, by service id (all pages, any status)."""
    out: dict[str, list[dict[str, Any]]] = defaultdict(list)
    number = 1
    while True:
        resp = client.get(
            "/api/v1/search", query_string={"status": "any", "per_page": 100, "page": number, **params}
        )
        assert resp.status_code == 200, resp.get_json()
        body = resp.get_json()
        for r in body["results"]:
            out[r["service_id"]].append(r)
        if number * 100 >= body["total"]:
            return out
        number += 1


def match(county: dict[str, Any], **body: Any) -> dict[str, list[dict[str, Any]]]:
    """Every service location's answer (matched or excluded), by service id."""
    out: dict[str, list[dict[str, Any]]] = defaultdict(list)
    ids = county["services"]
    answered = 0
    for start in range(0, len(ids), CHUNK):
        resp = county["client"].post(
            "/api/v1/match", json={"services": ids[start : start + CHUNK], "limit": 200, **body}
        )
        assert resp.status_code == 200, resp.get_json()
        answer = resp.get_json()
        assert len(answer["matches"]) < 200  # nothing cut by the limit
        for item in answer["matches"] + answer["excluded"]:
            out[item["service_id"]].append(item)
            answered += 1
    assert answered == county["sal_count"]
    return out


def _check(item: dict[str, Any], rule: str) -> str | None:
    found = [c["status"] for c in item["checks"] if c["rule"] == rule or c["rule"].startswith(rule + ":")]
    return "fail" if "fail" in found else (found[0] if found else None)


@pytest.fixture(scope="module")
def pages(county) -> dict[str, dict[str, Any]]:
    """Each service's page at the first moment (weekday noon), read once."""
    at = county["moments"][MOMENT_NAMES[0]]
    return {sid: page(county["client"], sid, at) for sid in county["services"]}


@pytest.fixture(scope="module")
def page_objects(county) -> dict[str, Service]:
    """The services as the page reads them (with every level of hours), loaded once."""
    stmt = select(Service).options(
        selectinload(Service.schedules),
        selectinload(Service.service_at_locations).selectinload(ServiceAtLocation.schedules),
        selectinload(Service.service_at_locations)
        .selectinload(ServiceAtLocation.location)
        .selectinload(Location.schedules),
    )
    return {str(s.id): s for s in county["session"].scalars(stmt)}


def page_open(county, pages, page_objects, moment: str) -> dict[str, bool | None]:
    """Open or closed as each page shows it: read from the HTML at the first moment, and at
    the others from the function the badge renders (``facts.open_now``; a page per service
    and moment would cost a minute), with the services in other zones read from their HTML."""
    at = county["moments"][moment]
    if moment == MOMENT_NAMES[0]:
        return {sid: shown["open"] for sid, shown in pages.items()}
    out = {sid: facts.open_now(svc, at, str(TZ)).open for sid, svc in page_objects.items()}
    for sid in county["elsewhere"].values():
        on_page = page(county["client"], sid, at)["open"]
        assert on_page == out[sid]
    return out


# ---------------------------------------------------------------- the walk


MOMENT_NAMES = ("weekday noon", "weekday 18:00", "Friday 23:30", "Sunday 06:00", "Thanksgiving")


@pytest.mark.parametrize("moment", MOMENT_NAMES)
def test_page_search_and_match_agree_on_open_or_closed(county, pages, page_objects, moment):
    at = county["moments"][moment]
    shown = page_open(county, pages, page_objects, moment)
    found = search(county["client"], hours_at=at.isoformat())
    matched = match(county, at=at.isoformat(), urgency="now")
    by_open = {True: "pass", False: "fail", None: "not_stated"}
    disagree = []
    for sid in county["services"]:
        on_page = shown[sid]
        in_search = {r["open_now"] for r in found[sid]}
        in_match = {m["open_now"] for m in matched.get(sid, [])}
        decided = {_check(m, "open") for m in matched.get(sid, [])}
        if in_search != {on_page} or in_match - {on_page} or decided - {by_open[on_page]}:
            disagree.append((sid, on_page, in_search, in_match, decided))
    assert not disagree
    assert set(shown.values()) == {True, False, None}
    opened = {name: shown[sid] for name, sid in county["elsewhere"].items()}
    assert opened.pop("Unstated Hours Line") is opened.pop(TEXT_ONLY) is None
    if moment == "weekday 18:00":
        # 18:00 in Columbus is 15:00 at UTC-7 and 13:00 at UTC-10: both lines answer; the
        # clinic writing -4 (New York's summer offset) is read in New York's zone: open to 18:30.
        assert set(opened.values()) == {True}, opened
    if moment == "Sunday 06:00":
        assert set(opened.values()) == {False}, opened


@pytest.mark.parametrize("age", [5, 16, 30, 70])
def test_page_search_and_match_agree_on_ages(county, pages, age):
    admitted = set(search(county["client"], age=age))
    answered = match(county, client={"age": age})
    for sid, shown in pages.items():
        lo, hi = shown["minimum_age"], shown["maximum_age"]
        on_page = (lo is None or age >= lo) and (hi is None or age <= hi)
        assert (sid in admitted) == on_page, (sid, age, lo, hi)
        for item in answered.get(sid, []):
            assert (_check(item, "age") == "fail") == (not on_page), (sid, age, item["checks"])


@pytest.mark.parametrize("gender", ["female", "male", "nonbinary"])
def test_page_search_and_match_agree_on_gender(county, pages, gender):
    admitted = set(search(county["client"], gender=gender))
    answered = match(county, client={"gender": gender})
    wanted = "transgender" if gender == "nonbinary" else gender
    for sid, shown in pages.items():
        on_page = not shown["genders"] or wanted in shown["genders"]
        assert (sid in admitted) == on_page, (sid, gender, shown["genders"])
        for item in answered.get(sid, []):
            gender_checks = [c for c in item["checks"] if c["rule"] == "situations:20035"]
            failed = any(c["status"] == "fail" for c in gender_checks)
            assert failed == (not on_page), (sid, gender, item["checks"])


def test_page_and_match_agree_on_pets_documents_and_insurance(county, pages):
    pets = match(county, client={"pets": True})
    no_id = match(county, client={"has_id": False})
    plans = {
        plan: match(county, client={"insurance": plan})
        for plan in ("medicaid", "medicare", "private", "none")
    }
    for sid, shown in pages.items():
        for item in pets.get(sid, []):
            assert _check(item, "pets") == {True: "pass", False: "fail", None: "not_stated"}[shown["pets"]]
        for item in no_id.get(sid, []):
            assert (_check(item, "documents") == "fail") == shown["id_required"], (sid, item["checks"])
        for plan, answered in plans.items():
            for item in answered.get(sid, []):
                status = _check(item, "insurance")
                if shown["cost"] == "free" or plan in shown["plans"]:
                    assert status == "pass", (sid, plan)
                elif not shown["plans"] and not (plan == "none" and shown["cost"] == "sliding"):
                    assert status == "not_stated", (sid, plan, item["checks"])
                if status == "fail":
                    assert shown["plans"], (sid, plan)
                    assert plan not in shown["plans"], (sid, plan)


def test_unstated_facts_read_as_unknown_and_prose_restricts_alike(county, pages):
    text_only = county["elsewhere"][TEXT_ONLY]
    assert pages[text_only]["genders"] == {"female"}
    assert pages[text_only]["pets"] is None  # a pets attribute without a value states nothing
    assert text_only not in search(county["client"], gender="male")
    (item,) = match(county, client={"gender": "male", "pets": True})[text_only]
    assert _check(item, "situations:20035") == "fail"
    assert _check(item, "pets") == "not_stated"
    assert pages[text_only]["languages"] == {"es"}
    assert text_only in search(county["client"], language="es")


@pytest.mark.parametrize("language", ["en", "es", "so"])
def test_page_search_and_match_agree_on_languages(county, pages, language):
    offered = set(search(county["client"], language=language))
    name = {"en": "English", "es": "Spanish", "so": "Somali"}[language]
    by_name = set(search(county["client"], language=name))
    answered = match(county, client={"languages": [language]})
    assert offered
    for sid, shown in pages.items():
        on_page = language in shown["languages"] or (not shown["languages"] and language == "en")
        assert (sid in offered) == on_page, (sid, language, shown["languages"])
        assert (sid in by_name) == on_page, (sid, language)
        if language == "en":
            continue  # matching takes English for granted
        for item in answered.get(sid, []):
            if "components" not in item:
                continue  # left out for another rule (an inactive service): no score
            spoken = item["components"]["language"] == 1.0
            assert spoken == (language in shown["languages"]), (sid, language, item["components"])


def test_page_search_and_match_agree_on_accessibility(county, pages):
    accessible = set(search(county["client"], accessible="true"))
    answered = match(county, client={"accessibility": ["step-free"]})
    assert accessible
    for sid, shown in pages.items():
        if len(shown["accessible"]) != 1:
            continue  # a page lists each place; search and matching speak per place
        (on_page,) = shown["accessible"]
        assert (sid in accessible) == on_page, sid
        for item in answered.get(sid, []):
            assert (_check(item, "accessibility") != "not_stated") == on_page, (sid, item["checks"])


def test_page_and_search_agree_on_free_of_charge(county, pages):
    free = set(search(county["client"], free="true"))
    assert free
    assert {sid for sid, shown in pages.items() if shown["cost"] == "free"} == free


def test_page_search_and_match_agree_on_free_places(county, pages):
    found = search(county["client"])
    answered = match(county)
    counted = 0
    for sid, shown in pages.items():
        for r in found[sid]:
            assert (
                sorted((c["available"], c["maximum"], c["stale"]) for c in r["capacity"]) == shown["capacity"]
            )
        for item in answered.get(sid, []):
            assert (
                sorted((c["available"], c["maximum"], c["stale"]) for c in item["capacity"])
                == shown["capacity"]
            )
        counted += bool(shown["capacity"])
    assert counted > 50
    figures = [c for shown in pages.values() for c in shown["capacity"]]
    assert {stale for _a, _m, stale in figures} == {True, False}


def test_page_search_and_match_agree_on_free_places_with_holds(county):
    """Holds counted by the one rule: active ones and one accepted since the figure take a
    place; an expired and a released one do not."""
    session = county["session"]
    figures = session.scalars(
        select(ServiceCapacity).where(ServiceCapacity.available >= 3).order_by(ServiceCapacity.id).limit(4)
    ).all()
    assert len(figures) == 4
    late = NOW + dt.timedelta(hours=2)
    gone = NOW - dt.timedelta(minutes=1)
    plan = [  # (figure, holds as (expires_at, accepted_at, released_at), places they take)
        (figures[0], [(late, None, None)], 1),
        (figures[1], [(late, None, None), (late, None, None)], 2),
        (figures[2], [(gone, NOW, None)], 1),  # accepted after the figure: the person's place
        (figures[3], [(gone, None, None), (late, None, NOW)], 0),  # expired; released
    ]
    savepoint = session.begin_nested()
    try:
        for figure, holds, _ in plan:
            for expires, accepted, released in holds:
                session.add(
                    Hold(
                        id=uuid.uuid4(),
                        capacity_id=figure.id,
                        created=NOW,
                        expires_at=expires,
                        accepted_at=accepted,
                        released_at=released,
                    )
                )
        session.flush()
        ids = [str(f.service_id) for f, _, _ in plan]
        found = search(county["client"])
        answered = county["client"].post("/api/v1/match", json={"services": ids, "limit": 200}).get_json()
        by_match = defaultdict(list)
        for item in answered["matches"] + answered["excluded"]:
            by_match[item["service_id"]].append(item)
        for figure, _, taken in plan:
            sid = str(figure.service_id)
            shown = page(county["client"], sid)["capacity"]
            assert (figure.available - taken, figure.maximum) in [(a, m) for a, m, _ in shown], sid
            for r in found[sid]:
                assert sorted((c["available"], c["maximum"], c["stale"]) for c in r["capacity"]) == shown
            assert by_match[sid]
            for item in by_match[sid]:
                assert sorted((c["available"], c["maximum"], c["stale"]) for c in item["capacity"]) == shown
    finally:
        savepoint.rollback()


def test_a_photo_id_the_provider_helps_to_get_is_a_note_not_a_bar(county, pages):
    no_id = match(county, client={"has_id": False})
    helped = [
        item
        for items in no_id.values()
        for item in items
        if any(c["rule"] == "documents" and "help" in (c["reason"] or "") for c in item["checks"])
    ]
    assert helped
    assert all(_check(item, "documents") == "pass" for item in helped)
