"""Users, roles and teams: the rules of `accounts.services`, on the suite's database."""

from __future__ import annotations

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from accounts import audit, passwords, queries, services
from accounts.models import AuditEvent, Role
from kernel.errors import Problem

from .conftest import PASSWORD

CLI = audit.command_line()


def _problem(fn, *args, **kw) -> Problem:
    with pytest.raises(Problem) as caught:
        fn(*args, **kw)
    return caught.value


def test_the_five_roles_are_exactly_those_of_the_design() -> None:
    assert [r.value for r in Role] == ["social_worker", "officer", "provider", "coordinator", "admin"]


def test_a_social_worker_without_a_team_joins_the_default_team(db: Session, make_user) -> None:
    user = make_user("social_worker")
    assert user.team is not None
    assert user.team.is_default
    assert user.team.name == services.DEFAULT_TEAM
    other = make_user("officer", email="officer@example.org")
    assert other.team_id == user.team_id  # one default team, made once


def test_a_named_team_must_exist(db: Session, make_user) -> None:
    services.add_team(db, "Harbor PD social work unit", CLI)
    user = make_user("coordinator", team="Harbor PD social work unit")
    assert user.team.name == "Harbor PD social work unit"
    problem = _problem(make_user, "officer", email="o2@example.org", team="Nobody's team")
    assert problem.param == "team"
    assert "Nobody's team" in problem.detail


def test_a_provider_is_bound_to_catalog_organizations(db: Session, make_user, make_org) -> None:
    first, second = make_org("Harbor Shelter Inc."), make_org("Bayside Clinic")
    user = make_user("provider", organizations=[str(first.id), str(second.id)])
    assert {o.id for o in user.organizations} == {first.id, second.id}
    assert user.team is None


@pytest.mark.parametrize(
    ("kwargs", "param", "words"),
    [
        ({"role": "sheriff"}, "role", "Unknown role 'sheriff'"),
        ({"email": "not-an-address"}, "email", "not an e-mail address"),
        ({"email": "two@@example.org"}, "email", "not an e-mail address"),
        ({"role": "provider", "organizations": []}, "org", "--org"),
        ({"role": "provider", "organizations": ["123"]}, "org", "not an organization id"),
        (
            {"role": "provider", "organizations": ["7b1c7f56-0c5a-4d4c-9a64-0d9e8f1a2b3c"]},
            "org",
            "No organization in the catalog",
        ),
        (
            {"role": "officer", "organizations": ["7b1c7f56-0c5a-4d4c-9a64-0d9e8f1a2b3c"]},
            "org",
            "Only providers",
        ),
        ({"password": "short"}, "password", "at least 12"),
        ({"password": "password1234"}, "password", "too common"),
        ({"password": "Password1234!!"}, "password", "too common"),  # a common word with a tail
        ({"password": "aaaaaaaaaaaaaaa"}, "password", "too common"),
        ({"password": "q1w2e3r4t5y6"}, "password", "too common"),
    ],
)
def test_a_bad_value_is_refused_naming_the_field(db: Session, kwargs, param, words) -> None:
    args = {"email": "new@example.org", "role": "officer", "password": PASSWORD} | kwargs
    email, role = args.pop("email"), args.pop("role")
    problem = _problem(services.create_user, db, email, role, CLI, **args)
    assert problem.param == param
    assert words in problem.detail


def test_an_email_is_stored_lower_case_and_may_be_used_once(db: Session, make_user) -> None:
    user = make_user(email="  Ana.Diaz@Example.ORG ")
    assert user.email == "ana.diaz@example.org"
    problem = _problem(make_user, email="ANA.DIAZ@example.org")
    assert problem.status == 409
    assert problem.param == "email"


def test_a_generated_password_is_returned_once_and_meets_the_rule(db: Session) -> None:
    made = services.create_user(db, "gen@example.org", "admin", CLI)
    assert made.password
    assert len(made.password) >= passwords.MIN_LENGTH
    passwords.check(made.password)
    assert passwords.verify(made.user.password_hash, made.password)
    assert made.password not in made.user.password_hash
    assert made.user.password_hash.startswith("$argon2id$")


def test_the_running_app_hashes_with_argon2id_at_its_recommended_cost() -> None:
    # The suite swaps in cheap parameters (tests/conftest.py); a deployment never does.
    made = passwords.DEFAULT_HASHER.hash("correct horse battery staple")
    assert made.startswith("$argon2id$v=19$m=65536,t=3,p=4$")
    assert passwords.verify(made, "correct horse battery staple")
    assert not passwords.verify(made, "correct horse battery stapler")


def test_the_common_list_is_loaded_and_lower_case() -> None:
    common = passwords.common_passwords()
    assert len(common) > 5000
    assert {"123456", "password", "qwerty123456"} <= common
    assert all(p == p.lower() for p in common)


def test_disable_enable_and_reset_change_the_stamp_that_sessions_carry(db: Session, make_user) -> None:
    user = make_user()
    stamp = user.session_stamp
    services.set_active(db, user.email, False, CLI)
    assert not user.active
    assert user.session_stamp != stamp
    services.set_active(db, user.email, True, CLI)
    assert user.active
    stamp = user.session_stamp
    new = services.reset_password(db, user.email, CLI)
    assert passwords.verify(user.password_hash, new)
    assert not passwords.verify(user.password_hash, PASSWORD)
    assert user.session_stamp != stamp
    assert _problem(services.set_active, db, "ghost@example.org", False, CLI).status == 404


def test_a_role_change_rebinds_team_and_organizations(db: Session, make_user, make_org) -> None:
    user = make_user("officer")
    user_team = user.team.name
    org = make_org("Harbor Shelter Inc.")
    services.set_role(db, user.email, "provider", CLI, organizations=[str(org.id)])
    assert user.role is Role.provider
    assert user.team is None
    assert [o.id for o in user.organizations] == [org.id]
    event = db.scalars(select(AuditEvent).where(AuditEvent.action == "role_change")).all()[-1]
    assert event.detail == f"officer team {user_team} -> provider organizations {org.id}"


def test_a_team_name_is_unique(db: Session) -> None:
    services.add_team(db, "Care team", CLI)
    assert _problem(services.add_team, db, "Care  team", CLI).status == 409
    assert _problem(services.add_team, db, "  ", CLI).param == "name"
    assert [t.name for t in queries.teams(db)] == ["Care team"]


def test_every_write_leaves_an_audit_row(db: Session, make_user, make_org) -> None:
    services.add_team(db, "Night unit", CLI)
    user = make_user("officer", team="Night unit")
    services.set_active(db, user.email, False, CLI)
    services.set_active(db, user.email, True, CLI)
    services.reset_password(db, user.email, CLI)
    services.set_role(db, user.email, "coordinator", CLI)
    db.flush()
    rows = db.scalars(select(AuditEvent).order_by(AuditEvent.at, AuditEvent.id)).all()
    assert [r.action for r in rows] == [
        "team_add",
        "user_create",
        "user_disable",
        "user_enable",
        "password_reset",
        "role_change",
    ]
    assert all(r.actor.startswith("command line (") for r in rows)
    assert rows[1].record_id == str(user.id)
    assert "role=officer" in rows[1].detail
    assert rows[-1].detail == "officer team Night unit -> coordinator team Night unit"


def test_the_audit_log_refuses_updates_and_deletes(db: Session, make_user) -> None:
    make_user()
    db.flush()
    for statement in ("UPDATE audit_event SET action = 'x'", "DELETE FROM audit_event"):
        savepoint = db.begin_nested()
        with pytest.raises(DBAPIError, match="append-only"):
            db.execute(text(statement))
        savepoint.rollback()
    assert set(db.scalars(select(AuditEvent.action))) == {"team_add", "user_create"}


def test_an_admin_cannot_disable_or_demote_themselves(db, make_user) -> None:
    from accounts.audit import Actor
    from kernel.errors import Problem

    boss = make_user("admin", email="boss@example.org")
    me = Actor(boss.email, boss.id, "127.0.0.1")
    with pytest.raises(Problem, match="another administrator"):
        services.set_active(db, "boss@example.org", False, me)
    with pytest.raises(Problem, match="another administrator"):
        services.set_role(db, "boss@example.org", "coordinator", me)
    assert boss.active
    assert boss.role.value == "admin"
