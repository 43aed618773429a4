"""The admins' audit log page: filters, pages, CSV download; nobody else sees it."""

from __future__ import annotations

import csv
import io

import pytest
from sqlalchemy import select

from accounts import audit, services
from accounts.models import AuditEvent

from .test_login import sign_in


@pytest.fixture
def admin(client, make_user, db):
    make_user("admin", email="boss@example.org")
    make_user("officer", email="ana@example.org")
    services.add_team(db, "Night unit", audit.command_line())
    db.flush()
    assert sign_in(client, "boss@example.org").status_code == 302
    return client


def test_the_page_lists_events_newest_first_with_who_what_and_where(admin) -> None:
    resp = admin.get("/admin/audit")
    assert resp.status_code == 200
    assert resp.headers["Cache-Control"] == "no-store"
    body = resp.get_data(as_text=True)
    assert body.index("<td>login</td>") < body.index("<td>team_add</td>") < body.index("<td>user_create</td>")
    assert "boss@example.org" in body
    assert "127.0.0.1" in body


@pytest.mark.parametrize(
    ("query", "present", "absent"),
    [
        ("action=team_add", "Night unit", "<td>login</td>"),
        ("actor=BOSS", "<td>login</td>", "<td>team_add</td>"),
        ("until=2000-01-01", "0 events", "<td>login</td>"),
        ("since=2000-01-01&until=2999-12-31", "<td>login</td>", "0 events"),
    ],
)
def test_the_filters(admin, query, present, absent) -> None:
    body = admin.get(f"/admin/audit?{query}").get_data(as_text=True)
    assert present in body
    assert absent not in body


@pytest.mark.parametrize("query", ["since=yesterday", "action=explode", "page=two"])
def test_a_bad_filter_is_a_sentence_naming_it(admin, query) -> None:
    resp = admin.get(f"/admin/audit?{query}")
    assert resp.status_code == 400
    assert query.split("=")[0] + ":" in resp.get_data(as_text=True)


def test_the_page_is_paginated(admin, db) -> None:
    for i in range(120):
        services.add_team(db, f"Team {i:03d}", audit.command_line())
    db.flush()
    first = admin.get("/admin/audit").get_data(as_text=True)
    assert "Page 1 of 2" in first
    second = admin.get("/admin/audit?page=2").get_data(as_text=True)
    assert "Page 2 of 2" in second
    assert "Team 119" in first
    assert "Team 000" in second


def test_the_csv_download_has_a_header_and_is_itself_audited(admin, db) -> None:
    resp = admin.get("/admin/audit.csv?action=user_create")
    assert resp.status_code == 200
    assert resp.mimetype == "text/csv"
    assert "attachment" in resp.headers["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(resp.get_data(as_text=True))))
    assert [r["action"] for r in rows] == ["user_create", "user_create"]
    export = db.scalars(select(AuditEvent).where(AuditEvent.action == "audit_export")).one()
    assert export.actor == "boss@example.org"
    assert export.detail.startswith("2 events; action=user_create")


def test_a_spreadsheet_formula_typed_as_an_email_is_neutralised(admin, client) -> None:
    sign_in(client.application.test_client(), '=HYPERLINK("http://x")', "whatever it was")
    text = admin.get("/admin/audit.csv?action=login_failure").get_data(as_text=True)
    assert "'=hyperlink" in text  # e-mails are compared lower-case


def test_only_admins_see_the_log(app, client, make_user) -> None:
    assert client.get("/admin/audit").headers["Location"] == "/login?next=/admin/audit"
    make_user("coordinator", email="co@example.org")
    sign_in(client, "co@example.org")
    assert client.get("/admin/audit").status_code == 403
    assert client.get("/admin/audit.csv").status_code == 403
