"""Factories for accounts: make_user(role=..., email=..., password=...)."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy.orm import Session

from accounts import audit, services
from accounts.models import User

PASSWORD = "correct horse battery staple"


@pytest.fixture
def make_user(db: Session, make_org: Any) -> Any:
    def factory(
        role: str = "social_worker",
        email: str | None = None,
        password: str = PASSWORD,
        **kw: Any,
    ) -> User:
        if role == "provider" and "organizations" not in kw:
            kw["organizations"] = [str(make_org().id)]
        made = services.create_user(
            db, email or f"{role}@example.org", role, audit.command_line(), password=password, **kw
        )
        db.flush()
        return made.user

    return factory
