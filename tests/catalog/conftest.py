"""Signed-in clients for the catalog's pages that people keep true (verification, reports)."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask

from tests.accounts.conftest import make_user  # noqa: F401 (the accounts' fixture, used here)
from tests.accounts.test_login import sign_in


@pytest.fixture
def signed_in(app: Flask, make_user: Any) -> Any:  # noqa: F811 (the fixture imported above)
    """signed_in("provider", organizations=[org id]): a client signed in as a new account of
    that role (its e-mail is `client.email`)."""
    made = [0]

    def factory(role: str, **kw: Any) -> Any:
        made[0] += 1
        client = app.test_client()
        user = make_user(role, email=f"{role}-{made[0]}@example.org", **kw)
        assert sign_in(client, user.email).status_code == 302
        client.email = user.email
        return client

    return factory
