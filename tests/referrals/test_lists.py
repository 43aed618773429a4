"""The referring team's lists: its referrals with filters and pages, the follow-up queue
(oldest overdue first, saying what is awaited), a client's record and history; each only
for the team, each read audited, in English and Spanish."""

from __future__ import annotations

import datetime as dt
import html
import re
import uuid
from typing import Any

import pytest
from sqlalchemy import event, select

from accounts.models import AuditEvent
from kernel.db import utcnow
from referrals import services
from referrals.lists import PER_PAGE
from referrals.models import Referral
from tests.accounts.test_login import sign_in

from .conftest import SETTINGS, People, client_input

CARD = re.compile(r'<li id="r-([0-9a-f-]{36})">')


def listed(page: str) -> list[str]:
    """The referral ids of the page's cards, in order."""
    return CARD.findall(page)


def text(resp: Any) -> str:
    return html.unescape(resp.get_data(as_text=True))


@pytest.fixture
def worker(client: Any, people: People) -> Any:
    assert sign_in(client, "worker@a.example.org").status_code == 302
    return client


@pytest.fixture
def ago() -> Any:
    """ago(hours=..., days=...) -> a moment that long before the real clock (pages read it)."""
    start = utcnow()
    return lambda **kw: start - dt.timedelta(**kw)


def move(db: Any, people: People, referral: Referral, *path: str, at: dt.datetime, settings: Any = SETTINGS):
    """Move a referral along `path` by the lifecycle itself, as its provider would, at `at`."""
    for to in path:
        reason = (
            "got-help" if to == "completed" else ("no-capacity" if to in ("rejected", "on-hold") else None)
        )
        by = people.provider if referral.mode == "live" else people.worker
        services.transition(db, by, referral.id, to, settings, reason=reason, now=at)
    return referral


def reads(db: Any, record_type: str, record_id: uuid.UUID) -> list[str]:
    stmt = select(AuditEvent.actor).where(
        AuditEvent.action == "read",
        AuditEvent.record_type == record_type,
        AuditEvent.record_id == str(record_id),
    )
    return list(db.scalars(stmt.order_by(AuditEvent.at, AuditEvent.id)))


# ------------------------------------------------------------------ who sees which referrals


def test_the_list_holds_the_teams_referrals_newest_change_first(worker, refer, people, ago) -> None:
    older = refer(now=ago(hours=3))
    by_officer = refer(by=people.officer, client=client_input(display_name="O. F."), now=ago(hours=1))
    theirs = refer(by=people.stranger, client=client_input(display_name="Z. Z."), now=ago(hours=2))
    page = text(worker.get("/referrals"))
    assert listed(page) == [str(by_officer.id), str(older.id)]
    assert str(theirs.id) not in page
    assert "Z. Z." not in page
    assert "O. F." in page
    assert "J. D." in page
    assert "2 referrals, newest change first." in page
    assert "Harbor Night Shelter · Harbor Shelter Inc." in page
    assert "sent, waiting for the provider's answer" in page
    assert f'href="/referrals/{older.id}"' in page  # the referral's own page
    assert f'href="/clients/{older.client_id}"' in page


def test_another_team_sees_none_of_them(client, refer, people) -> None:
    made = refer()
    assert sign_in(client, "worker@b.example.org").status_code == 302
    page = text(client.get("/referrals"))
    assert listed(page) == []
    assert "Your team has made no referrals yet." in page
    assert "J. D." not in page
    assert str(made.id) not in text(client.get("/referrals/follow-up"))


def test_a_coordinator_sees_every_referral_of_the_team_and_no_other_teams(client, refer, people, ago) -> None:
    """What a coordinator may list is referrals.access's rule: the whole of their own team
    (the referrals every member made); another team's clients are never theirs to read."""
    mine = refer(now=ago(hours=2))
    officers = refer(by=people.officer, client=client_input(display_name="O. F."), now=ago(hours=1))
    theirs = refer(by=people.stranger, client=client_input(display_name="Z. Z."), now=ago(hours=1))
    assert sign_in(client, "coordinator@a.example.org").status_code == 302
    page = text(client.get("/referrals"))
    assert listed(page) == [str(officers.id), str(mine.id)]
    assert str(theirs.id) not in page


def test_every_referral_listed_is_an_audited_read(worker, db, refer, people) -> None:
    made = refer()
    worker.get("/referrals")
    assert reads(db, "referral", made.id) == [people.worker.label]
    assert reads(db, "client", made.client_id) == [people.worker.label]


# ------------------------------------------------------------------ filters


@pytest.fixture
def bayside(make_service, make_org) -> Any:
    """A second provider's service."""
    return make_service("Bayside Detox", organization=make_org("Bayside Recovery"), beds=2, beds_max=5)


@pytest.fixture
def spread(db, refer, people, bayside, ago) -> dict[str, Referral]:
    """Referrals of the team in several statuses, at two providers, changed at several times."""
    return {
        "waiting": refer(now=ago(hours=2)),
        "overdue": refer(now=ago(hours=30)),  # requested and unanswered past its 24 h
        "accepted": move(db, people, refer(now=ago(days=3)), "accepted", at=ago(days=2)),
        "completed": move(db, people, refer(now=ago(days=9)), "accepted", "completed", at=ago(days=8)),
        "elsewhere": refer(
            service_id=bayside.id, client=client_input(display_name="E. L."), now=ago(hours=1)
        ),
    }


def ids(*referrals: Referral) -> set[str]:
    return {str(r.id) for r in referrals}


def test_each_filter_and_their_combination(worker, spread, bayside, people, ago) -> None:
    s = spread

    def shown(query: str) -> set[str]:
        resp = worker.get(f"/referrals?{query}")
        assert resp.status_code == 200, query
        return set(listed(text(resp)))

    assert shown("") == ids(s["waiting"], s["overdue"], s["accepted"], s["completed"], s["elsewhere"])
    assert shown("status=accepted") == ids(s["accepted"])
    assert shown("status=accepted&status=completed") == ids(s["accepted"], s["completed"])
    assert shown("status=accepted,completed") == ids(s["accepted"], s["completed"])
    assert shown("overdue=1") == ids(s["overdue"])
    assert shown(f"service_id={bayside.id}") == ids(s["elsewhere"])
    organization = people.organization.id
    assert shown(f"organization_id={organization}") == ids(
        s["waiting"], s["overdue"], s["accepted"], s["completed"]
    )
    since = ago(days=4).date().isoformat()
    assert shown(f"since={since}") == ids(s["waiting"], s["overdue"], s["accepted"], s["elsewhere"])
    # together: AND
    assert shown(f"status=requested&organization_id={organization}") == ids(s["waiting"], s["overdue"])
    assert shown(f"status=requested&overdue=1&organization_id={organization}&since={since}") == ids(
        s["overdue"]
    )
    assert shown(f"status=completed&since={since}") == set()


def test_the_form_keeps_its_values_and_offers_the_teams_providers(worker, spread, people) -> None:
    organization = people.organization.id
    page = text(
        worker.get(f"/referrals?status=accepted&status=requested&overdue=1&organization_id={organization}")
    )
    assert '<details class="filters" open>' in page
    assert 'name="status" value="accepted" checked' in page
    assert 'name="status" value="requested" checked' in page
    assert 'name="status" value="completed">' in page
    assert 'name="overdue" value="1" checked' in page
    assert f'<option value="{organization}" selected>Harbor Shelter Inc.</option>' in page
    assert "Bayside Recovery</option>" in page
    assert "Bayside Detox (Bayside Recovery)</option>" in page
    assert 'method="get"' in page  # a plain GET form: no JavaScript needed


def test_a_filter_it_cannot_use_is_named_on_its_field(worker, spread) -> None:
    resp = worker.get("/referrals?status=bogus&since=yesterday&service_id=42")
    assert resp.status_code == 400
    page = text(resp)
    assert 'aria-describedby="status-error" aria-invalid="true"' in page
    assert 'id="status-error">bogus is not a status of a referral.' in page
    assert 'id="since-error">Give a date such as 2026-12-01.' in page
    assert 'id="service_id-error">Choose a service from the list.' in page
    assert 'value="yesterday"' in page  # kept as typed
    assert listed(page) == []


def test_pages_of_twenty_five_keep_the_filters(worker, refer, ago) -> None:
    made = [refer(now=ago(minutes=n)) for n in range(PER_PAGE + 1)]
    first = text(worker.get("/referrals?status=requested"))
    assert listed(first) == [str(r.id) for r in made[:PER_PAGE]]
    assert "Page 1 of 2" in first
    assert 'href="/referrals?page=2&status=requested"' in first
    second = text(worker.get("/referrals?page=2&status=requested"))
    assert listed(second) == [str(made[-1].id)]
    assert 'href="/referrals?page=1&status=requested"' in second
    assert listed(text(worker.get("/referrals?page=x"))) == listed(first)  # a page that is not one: the first


def test_a_card_says_when_it_is_due_overdue_and_held(worker, refer, db, people, ago) -> None:
    held = refer(hold=True, now=ago(minutes=10))
    late = refer(now=ago(hours=27))
    page = text(worker.get("/referrals"))
    card = page[page.index(f'id="r-{held.id}"') :]
    assert "Follow-up due" in card.split("</li>")[0]
    assert "A place is held until" in card.split("</li>")[0]
    assert "Overdue by 3 h" in page[page.index(f'id="r-{late.id}"') :].split("</li>")[0]


# ------------------------------------------------------------------ the follow-up queue


def test_the_queue_holds_the_overdue_ones_oldest_overdue_first_with_what_is_awaited(
    worker, refer, db, people, ago
) -> None:
    unanswered = refer(now=ago(hours=30))  # due 24 h after: 6 h overdue
    accepted = move(db, people, refer(now=ago(days=4, hours=1)), "accepted", at=ago(days=4))  # due after 72 h
    logged = refer(
        mode="logged", now=ago(hours=50), client=client_input(display_name="L. G.")
    )  # 26 h overdue
    refer(now=ago(hours=2))  # not due yet
    move(db, people, refer(now=ago(days=9)), "accepted", "completed", at=ago(days=8))  # closed: nothing owed
    refer(by=people.stranger, now=ago(hours=40), client=client_input(display_name="Z. Z."))  # another team's
    page = text(worker.get("/referrals/follow-up"))
    assert listed(page) == [str(logged.id), str(accepted.id), str(unanswered.id)]
    assert "3 open referrals of your team are past their follow-up time, the longest overdue first." in page
    cards = dict(zip(listed(page), page.split('<li id="r-')[1:], strict=True))
    assert "Overdue by 26 h" in cards[str(logged.id)]
    assert "No answer from the provider recorded in 2 days." in cards[str(logged.id)]
    assert "Overdue by 24 h" in cards[str(accepted.id)]
    assert "Accepted 4 days ago, not completed." in cards[str(accepted.id)]
    assert "Overdue by 6 h" in cards[str(unanswered.id)]
    assert "The provider has not answered in 30 h." in cards[str(unanswered.id)]
    assert "Z. Z." not in page
    # the nav's count is the queue's, and links to it
    assert '<a href="/referrals/follow-up" class="overdue">3 overdue follow-ups</a>' in page
    spanish = text(worker.get("/referrals/follow-up", headers={"Accept-Language": "es"}))
    assert "El proveedor no ha respondido en 30 h." in spanish
    assert "Aceptada hace 4 días, sin completar." in spanish
    assert "Con 6 h de retraso" in spanish


def test_started_and_on_hold_referrals_are_followed_up_when_the_settings_say(
    worker, app, refer, db, people, ago
):
    hours = {"requested": 24.0, "accepted": 72.0, "in-progress": 48.0, "on-hold": 12.0}
    app.config["FOLLOW_UP_HOURS"] = hours
    settings = services.Settings(follow_up_hours=hours)
    started = move(
        db, people, refer(now=ago(days=4)), "accepted", "in-progress", at=ago(days=3), settings=settings
    )
    held = move(db, people, refer(now=ago(days=2)), "on-hold", at=ago(hours=20), settings=settings)
    page = text(worker.get("/referrals/follow-up"))
    assert listed(page) == [str(started.id), str(held.id)]  # due 24 h ago, then 8 h ago
    assert "Started 3 days ago, not completed." in page
    assert "Put on hold 20 h ago, not moved on since." in page
    assert "in progress for longer than 2 days" in page  # the rules come from the settings
    assert "on hold for longer than 12 h" in page


def test_an_empty_queue_says_so(worker, refer, ago) -> None:
    refer(now=ago(hours=1))
    page = text(worker.get("/referrals/follow-up"))
    assert listed(page) == []
    assert "Nothing is overdue" in page
    assert '<a href="/referrals/follow-up">Follow-up</a>' in page


# ------------------------------------------------------------------ a client's page


def test_the_client_page_shows_the_record_and_history_and_audits_it(worker, db, refer, people, ago) -> None:
    first = refer(now=ago(days=2), client=client_input(incident_ref="CAD-2026-118"))
    again = refer(client=None, client_id=first.client_id, consent=None, now=ago(hours=1))
    resp = worker.get(f"/clients/{first.client_id}")
    assert resp.status_code == 200
    page = text(resp)
    assert "<h1>J. D.</h1>" in page
    assert "1984" in page
    assert "Spanish" in page
    assert "CAD-2026-118" in page
    assert "2 referrals, newest first." in page
    assert listed(page) == [str(again.id), str(first.id)]
    assert "verbal" in page
    assert "Harbor Shelter Inc." in page
    assert reads(db, "client", first.client_id) == [people.worker.label]
    assert reads(db, "referral", first.id) == [people.worker.label]
    spanish = text(worker.get(f"/clients/{first.client_id}", headers={"Accept-Language": "es"}))
    assert "Consentimiento" in spanish


def test_another_teams_client_is_not_found(client, db, refer, people) -> None:
    made = refer()
    assert sign_in(client, "worker@b.example.org").status_code == 302
    resp = client.get(f"/clients/{made.client_id}")
    assert resp.status_code == 404
    assert "J. D." not in text(resp)
    assert reads(db, "client", made.client_id) == []
    assert client.get("/clients/not-an-id").status_code == 404
    spanish = client.get(f"/clients/{made.client_id}", headers={"Accept-Language": "es"})
    assert "Ningún cliente de su equipo" in text(spanish)


# ------------------------------------------------------------------ the nav


def test_the_nav_shows_referrals_and_follow_up_to_the_team_only(client, people) -> None:
    assert sign_in(client, "officer@a.example.org").status_code == 302
    page = text(client.get("/"))
    assert '<a href="/referrals">Referrals</a>' in page
    assert '<a href="/referrals/follow-up">Follow-up</a>' in page
    spanish = text(client.get("/", headers={"Accept-Language": "es"}))
    assert '<a href="/referrals">Derivaciones</a>' in spanish
    client.post("/logout", data={})
    other = client.application.test_client()
    assert sign_in(other, "intake@shelter.example.org").status_code == 302
    assert 'href="/referrals"' not in text(other.get("/"))


# ------------------------------------------------------------------ cost


def _statements(db: Any, fetch: Any) -> int:
    """How many SELECTs a request makes (audit INSERTs aside: one per referral is the rule)."""
    seen: list[str] = []

    def count(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        if statement.lstrip().upper().startswith("SELECT"):
            seen.append(statement)

    engine = db.get_bind()
    event.listen(engine, "before_cursor_execute", count)
    try:
        assert fetch().status_code == 200
    finally:
        event.remove(engine, "before_cursor_execute", count)
    return len(seen)


def test_a_page_costs_the_same_queries_for_two_referrals_or_twelve(worker, db, refer, ago) -> None:
    """Cards read what queries.page loaded with them: no query per referral (N+1)."""
    pages = ("/referrals", "/referrals/follow-up")
    for n in range(2):
        refer(now=ago(hours=30 + n))
    few = {path: _statements(db, lambda p=path: worker.get(p)) for path in pages}
    for n in range(10):
        refer(now=ago(hours=40 + n))
    many = {path: _statements(db, lambda p=path: worker.get(p)) for path in pages}
    assert many == few
    assert all(n > 3 for n in few.values()), few  # the count sees the requests' queries


def test_the_referrals_page_leads_back_to_the_list_and_to_the_client(worker, refer) -> None:
    made = refer()
    page = text(worker.get(f"/referrals/{made.id}"))
    assert '<a href="/referrals">Your team\'s referrals</a>' in page
    assert f'<a href="/clients/{made.client_id}">The client\'s record and referral history</a>' in page
