"""Two app processes on one database both see a committed edit at once (no per-process index).

Runs on a fresh SQLite file, and also on PostgreSQL (in a schema of its own, dropped at the
end) when TEST_DATABASE_URL is set.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import urllib.parse
import urllib.request
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from sqlalchemy import text

from catalog.models import Location, Organization, Service, ServiceAtLocation
from kernel.db import CatalogSession
from tests.conftest import migrate, pg_url_with_schema

SERVER = Path(__file__).with_name("serve_app.py")


@contextmanager
def app_process(url: str, data_dir: Path) -> Iterator[str]:
    log = data_dir.with_suffix(".log")
    with (
        log.open("w") as err,
        subprocess.Popen(
            [sys.executable, str(SERVER), url, str(data_dir)], stdout=subprocess.PIPE, stderr=err, text=True
        ) as proc,
    ):
        try:
            line = proc.stdout.readline() if proc.stdout else ""
            if not line.strip().isdigit():
                raise AssertionError(f"app process did not start: {line} {log.read_text()}")
            yield f"http://127.0.0.1:{line.strip()}"
        finally:
            proc.terminate()
            proc.wait(timeout=10)


def search(base: str, q: str) -> list[str]:
    url = f"{base}/api/v1/search?{urllib.parse.urlencode({'q': q})}"
    with urllib.request.urlopen(url, timeout=20) as resp:  # noqa: S310 (loopback)
        return [r["name"] for r in json.load(resp)["results"]]


def _databases() -> list[str]:
    out = ["sqlite"]
    if os.environ.get("TEST_DATABASE_URL"):
        out.append("postgresql")
    return out


@pytest.mark.slow
@pytest.mark.parametrize("kind", _databases())
def test_two_processes_see_an_edit(tmp_path: Path, kind: str) -> None:
    schema = None
    if kind == "sqlite":
        url = f"sqlite:///{tmp_path / 'shared.db'}"
    else:
        schema = f"linkage_twoproc_{uuid.uuid4().hex[:8]}"
        url = pg_url_with_schema(os.environ["TEST_DATABASE_URL"], schema)
    engine = migrate(url)
    try:
        with app_process(url, tmp_path / "a") as a, app_process(url, tmp_path / "b") as b:
            assert search(a, "lighthouse") == []
            assert search(b, "lighthouse") == []
            with CatalogSession(engine) as session:
                org = Organization(id=uuid.uuid4(), name="Harbor Services", description="")
                svc = Service(
                    id=uuid.uuid4(), name="Lighthouse Shelter", organization=org, description="Beds"
                )
                loc = Location(
                    id=uuid.uuid4(), name="Main", organization=org, latitude=39.96, longitude=-83.0
                )
                svc.service_at_locations.append(ServiceAtLocation(id=uuid.uuid4(), location=loc))
                session.add(svc)
                session.commit()
                assert search(a, "lighthouse") == ["Lighthouse Shelter"]
                assert search(b, "lighthouse") == ["Lighthouse Shelter"]
                svc.name = "Beacon Shelter"
                session.commit()
            assert search(b, "beacon") == ["Beacon Shelter"]
            assert search(a, "beacon") == ["Beacon Shelter"]
            assert search(a, "lighthouse") == []
    finally:
        if schema is not None:
            with engine.begin() as conn:
                conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        engine.dispose()
