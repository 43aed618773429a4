"""Catalog health: a fixed catalog whose figures are worked out by hand, the same in the JSON,
the page and the CSV; coordinators and administrators only."""

from __future__ import annotations

import csv
import datetime as dt
import html
import io
import uuid
from typing import Any

import pytest

from catalog import rules
from catalog.models import ServiceCapacity, ServiceStatus, Unit
from catalog.reports import ChangeRequest
from dashboard.catalog_health import catalog_health
from importers.models import DuplicateCandidate, DuplicateStatus
from tests.accounts.test_login import sign_in
from tests.referrals.conftest import make_people

NOW = dt.datetime(2026, 12, 3, 12, 0, tzinfo=dt.UTC)


@pytest.fixture
def catalog(db: Any, make_service: Any) -> dict[str, Any]:
    """Three active services and one closed one; by hand:
    - verified within 90 days: Alpha only (Bravo 100 days ago, Charlie never) -> 1 of 3;
    - stale figures: Alpha's beds, 20 h old (beds go stale after 12 h); Charlie's waitlist is
      2 days old (a week allowed) -> 1 stale, at Alpha's provider, of its 1 figure;
    - missing a phone: Bravo; hours: Bravo; coordinates: Charlie (a place without a point);
    - open problem reports: 1 (Bravo's phone; an accepted one does not count);
    - duplicates waiting: 1 pair of services (a merged pair does not count).
    Delta is inactive: counted nowhere, though it lacks everything."""
    alpha = make_service("Alpha Shelter", beds=3, beds_max=10, beds_updated=NOW - dt.timedelta(hours=20),
                         opens="19:00", closes="07:00",
                         assured_date=(NOW - dt.timedelta(days=10)).date())  # fmt: skip
    bravo = make_service("Bravo Pantry", phone=None, assured_date=(NOW - dt.timedelta(days=100)).date())
    charlie = make_service("Charlie Clinic", lat=None, lon=None, opens="09:00", closes="17:00")
    charlie.capacities.append(
        ServiceCapacity(
            id=uuid.uuid4(),
            unit=Unit(id=uuid.uuid4(), name="waitlist"),
            available=4,
            updated=NOW - dt.timedelta(days=2),
        )  # fmt: skip
    )
    delta = make_service("Delta Closed", phone=None, lat=None, lon=None, status=ServiceStatus.inactive)
    db.add_all([
        ChangeRequest(service_id=bravo.id, kind="wrong_phone", text="The number rings out."),
        ChangeRequest(service_id=alpha.id, kind="closed", text="Gone.", status="accepted"),
        DuplicateCandidate(entity_table="service", record_a=alpha.id, record_b=charlie.id,
                           source_a="county", source_b="state", score=0.91),
        DuplicateCandidate(entity_table="service", record_a=bravo.id, record_b=delta.id, source_a="county",
                           source_b="state", score=0.95, status=DuplicateStatus.merged),
    ])  # fmt: skip
    db.flush()
    return {"alpha": alpha, "bravo": bravo, "charlie": charlie, "delta": delta}


def health(db: Any) -> Any:
    return catalog_health(db, NOW, rules.MaxAges(), 90)


def test_the_fixed_catalog_gives_the_hand_counted_figures(db: Any, catalog: dict[str, Any]) -> None:
    h = health(db)
    assert (h.services, h.verified, round(h.verified_share or 0, 4)) == (3, 1, 0.3333)
    assert [(s.name, s.stale, s.figures) for s in h.stale] == [("Alpha Shelter Inc.", 1, 1)]
    assert {k: (n, [r.name for r in listed]) for k, (n, listed) in h.missing.items()} == {
        "phone": (1, ["Bravo Pantry"]),
        "hours": (1, ["Bravo Pantry"]),
        "coordinates": (1, ["Charlie Clinic"]),
    }
    assert (h.reports, h.reports_by_kind) == (1, {"wrong_phone": 1})
    assert [r.service for r in h.open_reports] == ["Bravo Pantry"]
    assert (h.duplicates, h.duplicates_by_table) == (1, {"service": 1})
    assert h.duplicate_pairs[0].record_a == str(catalog["alpha"].id)


def test_a_phone_of_the_organization_or_a_place_counts_as_a_phone(db: Any, catalog: dict[str, Any]) -> None:
    from catalog.models import Phone

    db.add(Phone(id=uuid.uuid4(), number="614-555-0111", organization_id=catalog["bravo"].organization_id))
    db.flush()
    assert health(db).missing["phone"][0] == 0


@pytest.fixture
def coordinator(client: Any, db: Any, catalog: dict[str, Any], make_org: Any) -> Any:
    make_people(db, make_org("Provider P"), make_org("Provider Q"))  # organizations without services
    assert sign_in(client, "coordinator@a.example.org").status_code == 302
    return client


def test_the_json_answer_has_the_same_figures(coordinator: Any, catalog: dict[str, Any]) -> None:
    body = coordinator.get("/api/v1/metrics/catalog").get_json()
    assert body["services"] == 3
    assert body["verified_within_days"] == 90
    assert body["missing"]["phone"]["total"] == 1
    assert body["missing"]["coordinates"]["services"][0]["name"] == "Charlie Clinic"
    assert body["problem_reports"]["open"] == 1
    assert body["duplicates"]["open"] == 1
    assert coordinator.get("/api/v1/metrics/catalog?from=2026-01-01").status_code == 400


def test_the_page_links_each_record_and_the_csv_has_the_same_rows(
    coordinator: Any, catalog: dict[str, Any]
) -> None:
    page = html.unescape(coordinator.get("/dashboard/catalog").get_data(as_text=True))
    assert f'href="/services/{catalog["bravo"].id}">Bravo Pantry</a>' in page
    assert f'href="/services/{catalog["charlie"].id}">Charlie Clinic</a>' in page
    assert "<svg" in page
    resp = coordinator.get("/dashboard/catalog.csv?part=missing_phone")
    assert resp.mimetype == "text/csv"
    rows = list(csv.reader(io.StringIO(resp.get_data(as_text=True))))
    assert rows[0] == ["Service", "Provider", "Id"]
    assert rows[1][:2] == ["Bravo Pantry", "Bravo Pantry Inc."]
    assert coordinator.get("/dashboard/catalog.csv?part=nothing").status_code == 404


def test_the_page_is_in_spanish(coordinator: Any, catalog: dict[str, Any]) -> None:
    coordinator.get("/language/es")
    page = html.unescape(coordinator.get("/dashboard/catalog").get_data(as_text=True))
    assert "Estado del directorio" in page
    assert "Servicios sin teléfono" in page


@pytest.mark.parametrize("way", ["location", "service_at_location"])
def test_hours_kept_at_a_place_count_as_hours(db: Any, catalog: dict[str, Any], way: str) -> None:
    """Opening hours may belong to the service, its service at a location, or the location;
    each way counts, and another service's hours do not."""
    from catalog.models import Schedule

    def hours_at(sal: Any) -> Schedule:
        owner = {"location_id": sal.location_id} if way == "location" else {"service_at_location_id": sal.id}
        return Schedule(
            id=uuid.uuid4(), freq="WEEKLY", byday="MO", opens_at="09:00", closes_at="17:00", **owner
        )

    def missing() -> tuple[int, list[str]]:
        total, records = health(db).missing["hours"]
        return total, [r.name for r in records]

    db.add(hours_at(catalog["alpha"].service_at_locations[0]))
    db.flush()
    assert missing() == (1, ["Bravo Pantry"])
    db.add(hours_at(catalog["bravo"].service_at_locations[0]))
    db.flush()
    assert missing() == (0, [])
