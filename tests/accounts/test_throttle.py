"""Throttling: after 10 failed sign-ins in 15 minutes, per account and per address, the next
answer is 429, and the count lives in the database, so another process sees it too."""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from sqlalchemy import text

from accounts import audit, services
from app import create_app
from kernel.db import get_session, make_engine
from tests.conftest import migrate, pg_url_with_schema

from .conftest import PASSWORD
from .test_login import sign_in

ROOT = Path(__file__).resolve().parents[2]
WRONG = "this is not the password"


def test_the_eleventh_failure_in_a_row_is_throttled_with_a_page_that_says_when(client, make_user) -> None:
    make_user(email="ana@example.org")
    for _ in range(10):
        assert sign_in(client, "ana@example.org", WRONG).status_code == 200
    resp = sign_in(client, "ana@example.org", WRONG)
    assert resp.status_code == 429
    body = resp.get_data(as_text=True)
    assert "Too many sign-in attempts were made" in body
    assert "Try again after" in body
    assert 14 * 60 <= int(resp.headers["Retry-After"]) <= 15 * 60
    # the right password does not get through while throttled either
    assert sign_in(client, "ana@example.org").status_code == 429


def test_an_address_is_throttled_across_accounts(app, make_user) -> None:
    make_user(email="ana@example.org")
    attacker = app.test_client()
    attacker.environ_base["REMOTE_ADDR"] = "198.51.100.7"
    for i in range(10):
        assert sign_in(attacker, f"guess{i}@example.org", WRONG).status_code == 200
    assert sign_in(attacker, "ana@example.org").status_code == 429
    colleague = app.test_client()
    colleague.environ_base["REMOTE_ADDR"] = "203.0.113.9"
    assert sign_in(colleague, "ana@example.org").status_code == 302


def test_failures_older_than_15_minutes_or_before_a_success_do_not_count(db, make_user) -> None:
    make_user(email="ana@example.org")
    start = dt.datetime(2026, 12, 1, 9, 0, tzinfo=dt.UTC)
    for i in range(10):
        services.sign_in(db, "ana@example.org", WRONG, "192.0.2.1", now=start + dt.timedelta(seconds=i))
    later = start + dt.timedelta(seconds=10)
    with pytest.raises(services.Throttled) as caught:
        services.sign_in(db, "ana@example.org", PASSWORD, "192.0.2.1", now=later)
    assert caught.value.retry_at == start + services.WINDOW
    assert (
        services.sign_in(db, "ana@example.org", PASSWORD, "192.0.2.2", now=start + services.WINDOW)
        is not None
    )
    # after that success the account's count starts again (the address keeps its own)
    for i in range(9):
        services.sign_in(db, "ana@example.org", WRONG, f"192.0.2.{10 + i}", now=later + services.WINDOW)
    assert services.sign_in(db, "ana@example.org", PASSWORD, "192.0.2.99", now=later + services.WINDOW)


@pytest.fixture
def committed_url(tmp_path):
    """A database of its own that two processes share (commits are real here)."""
    base = os.environ.get("TEST_DATABASE_URL")
    if not base:
        url = f"sqlite:///{tmp_path / 'shared.db'}"
        migrate(url).dispose()
        yield url
        return
    schema = f"linkage_throttle_{uuid.uuid4().hex[:8]}"
    url = pg_url_with_schema(base, schema)
    migrate(url).dispose()
    yield url
    eng = make_engine(base)
    with eng.begin() as conn:
        conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
    eng.dispose()


def test_the_count_holds_across_two_app_processes(committed_url, tmp_path) -> None:
    mine = create_app({"DATA_DIR": str(tmp_path / "a"), "DATABASE_URL": committed_url, "SECRET_KEY": "mine"})
    with mine.app_context():
        services.create_user(
            get_session(), "ana@example.org", "officer", audit.command_line(), password=PASSWORD
        )
        get_session().commit()
    client = mine.test_client()
    for _ in range(6):
        assert sign_in(client, "ana@example.org", WRONG).status_code == 200
    peer = subprocess.run(
        [sys.executable, "-m", "tests.accounts.throttle_peer", committed_url, str(tmp_path / "b")]
        + ["ana@example.org", WRONG, "5"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        check=True,
    )
    # the other process saw this one's 6 failures: its 5th attempt is the eleventh
    assert json.loads(peer.stdout.strip().splitlines()[-1]) == [200, 200, 200, 200, 429]
    # and this process sees the other's: the right password is throttled here too
    assert sign_in(client, "ana@example.org").status_code == 429
    mine.extensions["linkage_db"].engine.dispose()
