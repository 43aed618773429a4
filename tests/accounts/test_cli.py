"""`linkage user|team|audit ...` through Flask's CLI runner, on a real SQLite file or PostgreSQL."""

from __future__ import annotations

import csv
import io
import re

import pytest
from sqlalchemy.orm import Session

from accounts import services
from catalog.models import Organization
from kernel.db import get_session

from .conftest import PASSWORD


@pytest.fixture
def run(app):
    runner = app.test_cli_runner()

    def invoke(*args: str):
        return runner.invoke(args=list(args), catch_exceptions=False)

    return invoke


@pytest.fixture
def org(db: Session, make_org) -> Organization:
    org = make_org("Harbor Shelter Inc.")
    db.commit()  # the CLI's session joins the test transaction; release the savepoint
    return org


def test_user_add_prints_a_generated_password_once_that_signs_in(run, app) -> None:
    out = run("user", "add", "ana@example.org", "--role", "social_worker")
    assert out.exit_code == 0, out.output
    password = re.search(r"Password \(shown once\): (\S+)$", out.output, re.M).group(1)
    assert "team Default team" in out.output
    listing = run("user", "list").output
    assert "ana@example.org" in listing
    assert "social_worker" in listing
    assert password not in listing
    with app.test_request_context():
        assert services.sign_in(get_session(), "ana@example.org", password, "127.0.0.1") is not None


def test_user_add_with_a_password_does_not_print_it(run) -> None:
    out = run("user", "add", "bo@example.org", "--role", "admin", "--password", PASSWORD)
    assert out.exit_code == 0
    assert PASSWORD not in out.output
    assert "Password" not in out.output


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--role", "sheriff"], "Unknown role 'sheriff'"),
        (["--role", "provider"], "give --org ORG_ID"),
        (["--role", "provider", "--org", "nope"], "'nope' is not an organization id"),
        (["--role", "officer", "--team", "Ghosts"], "No team is named 'Ghosts'"),
        (["--role", "officer", "--password", "short"], "at least 12 characters"),
    ],
)
def test_user_add_refuses_a_bad_value_with_one_sentence(run, args, message) -> None:
    out = run("user", "add", "cy@example.org", *args)
    assert out.exit_code != 0
    assert message in out.output
    assert "Traceback" not in out.output


def test_user_add_refuses_a_bad_or_duplicate_email(run) -> None:
    assert "not an e-mail address" in run("user", "add", "cy", "--role", "admin").output
    run("user", "add", "cy@example.org", "--role", "admin")
    out = run("user", "add", "CY@example.org", "--role", "officer")
    assert out.exit_code != 0
    assert "already an account for cy@example.org" in out.output


def test_a_provider_is_added_with_its_organizations(run, org) -> None:
    out = run("user", "add", "desk@harbor.example", "--role", "provider", "--org", str(org.id))
    assert out.exit_code == 0, out.output
    assert f"Harbor Shelter Inc. ({org.id})" in run("user", "list").output


def test_disable_enable_and_reset_password(run) -> None:
    run("user", "add", "dee@example.org", "--role", "officer", "--password", PASSWORD)
    assert "Disabled dee@example.org." in run("user", "disable", "dee@example.org").output
    assert re.search(r"dee@example\.org .*disabled$", run("user", "list").output, re.M)
    assert "Enabled dee@example.org." in run("user", "enable", "DEE@example.org").output
    out = run("user", "reset-password", "dee@example.org").output
    assert re.search(r"New password for dee@example\.org \(shown once\): \S{16,}$", out, re.M)
    missing = run("user", "disable", "ghost@example.org")
    assert missing.exit_code != 0
    assert "no account for ghost@example.org" in missing.output


def test_set_role(run, org) -> None:
    run("user", "add", "eve@example.org", "--role", "officer")
    out = run("user", "set-role", "eve@example.org", "--role", "provider", "--org", str(org.id))
    assert out.exit_code == 0
    assert "now provider" in out.output


def test_team_add_and_list(run) -> None:
    assert "Added team Harbor PD social work." in run("team", "add", "Harbor PD social work").output
    run("user", "add", "fay@example.org", "--role", "coordinator")  # makes the default team
    assert run("team", "list").output.splitlines() == ["Default team  (default)", "Harbor PD social work"]
    again = run("team", "add", "Harbor PD social work")
    assert again.exit_code != 0
    assert "already a team" in again.output


def test_audit_export_writes_csv_with_a_header(run) -> None:
    run("team", "add", "Night unit")
    run("user", "add", "gus@example.org", "--role", "officer", "--team", "Night unit")
    rows = list(csv.DictReader(io.StringIO(run("audit", "export").output)))
    assert [r["action"] for r in rows] == ["team_add", "user_create"]
    assert rows[1]["record_type"] == "user"
    assert rows[1]["actor"].startswith("command line")
    assert list(rows[0]) == [
        "at",
        "actor",
        "actor_user_id",
        "action",
        "record_type",
        "record_id",
        "address",
        "detail",
    ]
    assert len(list(csv.reader(io.StringIO(run("audit", "export", "--until", "2000-01-01").output)))) == 1
    assert [
        r["action"]
        for r in csv.DictReader(io.StringIO(run("audit", "export", "--since", "2000-01-01").output))
    ] == ["team_add", "user_create", "audit_export", "audit_export"]  # each export is recorded
    bad = run("audit", "export", "--since", "yesterday")
    assert bad.exit_code != 0
    assert "--since" in bad.output
