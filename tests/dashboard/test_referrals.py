"""The referral part of the dashboard: a fixed set of referrals with known fates gives the
figures worked out by hand (tests/dashboard/conftest.py), the same in the JSON, the page and
the CSV; a coordinator sees their team's figures only, an administrator every team's."""

from __future__ import annotations

import csv
import html
import io
from typing import Any

import pytest

from dashboard.period import Period
from dashboard.referrals import Scope, outcomes, quantile
from tests.accounts.test_login import sign_in

from .conftest import FROM, TEAM_A, TO, Fates

QUERY = f"?from={FROM}&to={TO}"


@pytest.fixture
def coordinator(client: Any, fates: Fates) -> Any:
    assert sign_in(client, "coordinator@a.example.org").status_code == 302
    return client


@pytest.fixture
def admin(client: Any, fates: Fates) -> Any:
    assert sign_in(client, "admin@example.org").status_code == 302
    return client


def test_the_quantiles_interpolate_like_percentile_cont() -> None:
    assert quantile([], 0.5) is None
    assert quantile([7.0], 0.9) == 7.0
    assert quantile([5.0, 24.0], 0.5) == 14.5
    assert quantile([1.0, 2.0, 3.0, 4.0], 0.9) == pytest.approx(3.7)


def test_four_referrals_with_known_fates_give_the_hand_counted_figures(db: Any, fates: Fates) -> None:
    team_a = fates.completed.team_id
    found = outcomes(db, Period.from_strings(FROM, TO), Scope(team_a)).as_json()
    assert {k: found[k] for k in TEAM_A} == TEAM_A
    months = {r["month"]: r for r in found["by_month"]}
    assert set(months) == {"2026-10", "2026-11"}
    october = months["2026-10"]
    assert (october["made"], october["cancelled"], october["logged"]) == (1, 1, 1)
    nov = months["2026-11"]
    assert (nov["made"], nov["accepted"], nov["completed"], nov["rejected"], nov["open"], nov["overdue"]) == (
        3,
        2,
        1,
        1,
        1,
        1,
    )
    needs = {r["need"]: r["made"] for r in found["by_need"]}
    assert needs == {"Emergency Shelter (BD-1800.1900)": 1, "Food Pantry": 1, "": 2}
    assert [(r["label"], r["made"]) for r in found["by_provider"]] == [("Harbor Shelter Inc.", 4)]
    assert [(r["label"], r["made"]) for r in found["by_team"]] == [("Team A", 4)]
    assert [(r["label"], r["made"]) for r in found["by_worker"]] == [("worker@a.example.org", 4)]


def test_interactions_count_handoff_contacts_and_the_teams_follow_ups_by_month(db: Any, fates: Fates) -> None:
    found = outcomes(db, Period.from_strings(FROM, TO), Scope(fates.completed.team_id)).as_json()
    # Two contacts logged on 11-02 (the provider's question is not a contact with the client);
    # one follow-up: the worker recorded the logged referral's cancellation on 10-21.
    assert found["interactions_by_month"] == [
        {"month": "2026-10", "contacts": 0, "follow_ups": 1, "total": 1},
        {"month": "2026-11", "contacts": 2, "follow_ups": 0, "total": 2},
    ]


def test_repeat_contacts_count_a_client_referred_again_after_completion(db: Any, fates: Fates) -> None:
    found = outcomes(db, Period.from_strings(FROM, TO), Scope(fates.completed.team_id)).as_json()
    repeat = found["repeat_contacts"]
    assert repeat["total"] == {
        "team_id": None,
        "team": None,
        "clients": 3,
        "within_30_days": 1,
        "within_90_days": 1,
        "after_completed": 1,
        "came_back": 1,
        "came_back_share": 1.0,
    }
    assert [r["team"] for r in repeat["by_team"]] == ["Team A"]


def test_an_administrator_sees_every_team_and_each_teams_own_figures(db: Any, fates: Fates) -> None:
    found = outcomes(db, Period.from_strings(FROM, TO), Scope(None, everyone=True)).as_json()
    assert (found["made"], found["accepted"]) == (5, 3)
    assert found["failed"] == {"total": 1, "by_reason": {"client-did-not-arrive": 1}}
    assert {r["label"]: r["made"] for r in found["by_team"]} == {"Team A": 4, "Team B": 1}
    repeats = found["repeat_contacts"]["by_team"]
    assert {r["team"]: r["clients"] for r in repeats} == {"Team A": 3, "Team B": 1}


def test_a_team_without_referrals_sees_zeros_never_another_teams(db: Any, fates: Fates) -> None:
    found = outcomes(db, Period.from_strings(FROM, TO), Scope(fates.other_team.team_id)).as_json()
    assert (found["made"], found["failed"]["total"], found["completed"]) == (1, 1, 0)
    assert found["by_team"] == [{**found["by_team"][0], "label": "Team B"}]
    assert outcomes(db, Period.from_strings(FROM, TO), Scope(None)).totals.made == 0


# ------------------------------------------------------------------ JSON, page and CSV agree


def test_the_json_answer_has_the_hand_counted_figures(coordinator: Any) -> None:
    resp = coordinator.get("/api/v1/metrics/referrals" + QUERY)
    assert resp.status_code == 200
    body = resp.get_json()
    assert {k: body[k] for k in TEAM_A} == TEAM_A
    assert [r["label"] for r in body["by_team"]] == ["Team A"]


@pytest.mark.parametrize(
    ("query", "param"),
    [("?from=2026-13-01", "from"), ("?to=yesterday", "to"), ("?from=2026-11-02&to=2026-11-01", "from")],
)
def test_a_date_that_cannot_be_used_is_a_422_naming_it(coordinator: Any, query: str, param: str) -> None:
    resp = coordinator.get("/api/v1/metrics/referrals" + query)
    assert resp.status_code == 422
    assert resp.mimetype == "application/problem+json"
    assert resp.get_json()["param"] == param


def test_the_page_shows_the_figures_and_the_table_of_each_chart(coordinator: Any) -> None:
    resp = coordinator.get("/dashboard" + QUERY)
    assert resp.status_code == 200
    page = html.unescape(resp.get_data(as_text=True))
    assert "<dt>Referrals made</dt><dd>4</dd>" in page
    assert "<dt>Completed (loop closed)</dt><dd>1 <span" in page
    assert "<dt>Overdue</dt><dd>1</dd>" in page
    assert page.count('role="img"') >= 3
    assert '<th scope="row">2026-11</th><td>3</td><td>2</td><td>1</td><td>1</td>' in page
    assert "Team B" not in page
    assert "Z. Z." not in page


def test_the_csv_of_each_breakdown_has_the_same_numbers(coordinator: Any) -> None:
    resp = coordinator.get("/dashboard/referrals.csv" + QUERY + "&part=by_month")
    assert resp.status_code == 200
    assert resp.mimetype == "text/csv"
    rows = list(csv.reader(io.StringIO(resp.get_data(as_text=True))))
    assert rows[0][:4] == ["Month", "Made", "Accepted", "Completed"]
    assert rows[1][:2] == ["2026-10", "1"]
    assert rows[2][:8] == ["2026-11", "3", "2", "1", "1", "0", "0", "1"]
    reasons = coordinator.get("/dashboard/referrals.csv" + QUERY + "&part=reasons")
    assert list(csv.reader(io.StringIO(reasons.get_data(as_text=True))))[1:] == [
        ["Declined", "no capacity", "1"],
        ["Cancelled", "client declined", "1"],
    ]
    assert coordinator.get("/dashboard/referrals.csv?part=nothing").status_code == 404


def test_the_summary_is_one_printable_page_of_the_period(coordinator: Any) -> None:
    resp = coordinator.get("/dashboard/summary" + QUERY)
    page = html.unescape(resp.get_data(as_text=True))
    assert resp.status_code == 200
    assert "4 referrals were made; 2 were accepted and 1 completed" in page


def test_an_administrator_sees_every_team_on_the_page(admin: Any) -> None:
    page = html.unescape(admin.get("/dashboard" + QUERY).get_data(as_text=True))
    assert "<dt>Referrals made</dt><dd>5</dd>" in page
    assert "Team B" in page


def test_the_page_keeps_a_wrong_date_and_says_what_is_wrong(coordinator: Any) -> None:
    page = coordinator.get("/dashboard?from=soon&to=2026-11-30").get_data(as_text=True)
    assert 'value="soon"' in page
    assert 'aria-describedby="from-error"' in page


def test_the_page_is_in_spanish(coordinator: Any) -> None:
    coordinator.get("/language/es")
    page = html.unescape(coordinator.get("/dashboard" + QUERY).get_data(as_text=True))
    assert "Derivaciones hechas" in page
