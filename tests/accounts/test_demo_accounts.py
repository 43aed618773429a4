"""`linkage demo` makes one account per role, and only the demo makes accounts by itself."""

from __future__ import annotations

import re

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from accounts import queries, services
from accounts.models import Role, User
from app import create_app
from app.commands import upgrade
from kernel.db import get_session


def test_demo_prints_one_working_account_per_role_with_the_provider_at_a_shelter(app, db: Session) -> None:
    out = app.test_cli_runner().invoke(args=["demo"], catch_exceptions=False)
    assert out.exit_code == 0, out.output
    found = re.findall(r"^  (\w+) +(\S+@demo\.linkage\.example) +(\S+)$", out.output, re.M)
    assert sorted(role for role, _, _ in found) == sorted(r.value for r in Role)
    with app.test_request_context():
        session = get_session()
        for role, email, password in found:
            user = services.sign_in(session, email, password, "127.0.0.1")
            assert user is not None, role
            assert user.role.value == role
        provider = queries.user_by_email(session, "provider@demo.linkage.example")
        assert "shelter" in " ".join(s.name.lower() for s in provider.organizations[0].services)


def test_a_new_deployment_has_no_account(tmp_path) -> None:
    url = f"sqlite:///{tmp_path / 'fresh.db'}"
    upgrade(url)
    fresh = create_app({"DATA_DIR": str(tmp_path), "DATABASE_URL": url, "SECRET_KEY": "x"})
    with fresh.app_context():
        assert get_session().scalar(select(func.count()).select_from(User)) == 0
