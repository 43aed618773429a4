"""`linkage import` as a person runs it, in real processes on a real database file: one
import at a time with a plain sentence for the second, and no SQL or values in any error."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from catalog.models import Metadata, Organization, Service
from importers import run_import
from importers.lock import ImportLock
from importers.models import SourceRecord
from kernel.db import make_engine, utcnow
from tests.conftest import migrate, pg_url_with_schema

ROOT = Path(__file__).resolve().parents[2]
LINKAGE = str(Path(sys.executable).parent / "linkage")
CLIENT_NAME = "Rosalind Quixote-Marsh"


@pytest.fixture
def committed_url(tmp_path: Path) -> Iterator[str]:
    """A database of its own that several processes share (commits are real here)."""
    base = os.environ.get("TEST_DATABASE_URL")
    if not base:
        url = f"sqlite:///{tmp_path / 'shared.db'}"
        migrate(url).dispose()
        yield url
        return
    schema = f"linkage_import_{uuid.uuid4().hex[:8]}"
    url = pg_url_with_schema(base, schema)
    migrate(url).dispose()
    yield url
    eng = make_engine(base)
    with eng.begin() as conn:
        conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
    eng.dispose()


def source_file(path: Path, n: int = 3, name: str = "Harbor Pantry") -> Path:
    with path.open("w", encoding="utf-8") as fh:
        for i in range(n):
            fh.write(
                json.dumps(
                    {
                        "id": f"svc-{i}",
                        "name": f"{name} {i}",
                        "status": "active",
                        "organization": {"id": f"org-{i}", "name": f"{name} Org {i}", "description": "x"},
                    }
                )
                + "\n"
            )
    return path


def linkage(url: str, tmp_path: Path, *args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, DATABASE_URL=url, LINKAGE_DATA_DIR=str(tmp_path / "data"))
    return subprocess.run(
        [LINKAGE, *args], capture_output=True, text=True, env=env, cwd=ROOT, timeout=timeout, check=False
    )


def services(url: str) -> int:
    eng = make_engine(url)
    with eng.connect() as conn:
        n = conn.scalar(select(func.count()).select_from(Service)) or 0
    eng.dispose()
    return n


def test_a_database_error_in_an_import_shows_no_sql_and_no_names(committed_url: str, tmp_path: Path) -> None:
    eng = make_engine(committed_url)
    with eng.begin() as conn:  # the database refuses every new service
        if eng.dialect.name == "sqlite":
            conn.exec_driver_sql(
                "CREATE TRIGGER refuse BEFORE INSERT ON service"
                " BEGIN SELECT RAISE(ABORT, 'refused here'); END"
            )
        else:
            conn.exec_driver_sql(
                "CREATE FUNCTION refuse() RETURNS trigger LANGUAGE plpgsql AS"
                " $$ BEGIN RAISE EXCEPTION 'refused here'; END $$"
            )
            conn.exec_driver_sql(
                "CREATE TRIGGER refuse BEFORE INSERT ON service FOR EACH ROW EXECUTE FUNCTION refuse()"
            )
    eng.dispose()
    src = source_file(tmp_path / "feed.ndjson", name=CLIENT_NAME)
    out = linkage(committed_url, tmp_path, "import", str(src), "--source", "feed")
    assert out.returncode == 1
    said = out.stdout + out.stderr
    assert "import failed, nothing was written: the database refused it" in said
    for leak in (CLIENT_NAME, "INSERT", "[SQL", "parameters"):
        assert leak not in said
    # --debug is for the person fixing it: the statement is there.
    debug = linkage(committed_url, tmp_path, "import", str(src), "--source", "feed", "--debug")
    assert debug.returncode != 0
    assert "[SQL: " in debug.stderr  # INSERT on SQLite, COPY on PostgreSQL
    assert services(committed_url) == 0


def _holder(url: str, source: str, seconds: float) -> subprocess.Popen[str]:
    """Another process that takes the import lock, says so, holds it, then gives it back."""
    code = (
        "import sys, time\n"
        "from kernel.db import make_engine\n"
        "from importers.lock import acquire, release\n"
        "eng = make_engine(sys.argv[1])\n"
        "acquire(eng, sys.argv[2])\n"
        "print('holding', flush=True)\n"
        "time.sleep(float(sys.argv[3]))\n"
        "release(eng)\n"
    )
    proc = subprocess.Popen(
        [sys.executable, "-c", code, url, source, str(seconds)], cwd=ROOT, stdout=subprocess.PIPE, text=True
    )
    assert proc.stdout is not None
    assert proc.stdout.readline().strip() == "holding"
    return proc


def test_a_second_import_says_plainly_which_import_is_running(committed_url: str, tmp_path: Path) -> None:
    holder = _holder(committed_url, "county-feed", 60)
    try:
        src = source_file(tmp_path / "feed.ndjson")
        out = linkage(committed_url, tmp_path, "import", str(src), "--source", "mine")
    finally:
        holder.kill()
        holder.communicate()
    assert out.returncode == 1
    today = utcnow().strftime("%Y-%m-%d")
    said = "import not started, nothing was written: an import from source 'county-feed' has been running"
    assert f"{said} since {today}" in out.stderr
    assert f"process {holder.pid} on {socket.gethostname()}" in out.stderr
    assert "locked" not in out.stderr
    assert services(committed_url) == 0


def test_a_second_import_that_waits_runs_when_the_first_ends(committed_url: str, tmp_path: Path) -> None:
    holder = _holder(committed_url, "county-feed", 1.5)
    src = source_file(tmp_path / "feed.ndjson")
    out = linkage(committed_url, tmp_path, "import", str(src), "--source", "mine", "--wait", "60")
    holder.communicate()
    assert out.returncode == 0, out.stderr
    assert services(committed_url) == 3
    eng = make_engine(committed_url)
    with eng.connect() as conn:  # and it gave the lock back
        assert conn.scalar(select(func.count()).select_from(ImportLock)) == 0
    eng.dispose()


def test_the_lock_of_an_import_that_died_is_taken_over(committed_url: str, tmp_path: Path) -> None:
    dead = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True
    )
    eng = make_engine(committed_url)
    with eng.begin() as conn:
        conn.execute(
            ImportLock.__table__.insert().values(
                name="catalog",
                source="crashed",
                started_at=utcnow(),
                pid=int(dead.stdout),
                host=socket.gethostname(),
            )
        )
    eng.dispose()
    out = linkage(
        committed_url, tmp_path, "import", str(source_file(tmp_path / "f.ndjson")), "--source", "mine"
    )
    assert out.returncode == 0, out.stderr
    assert services(committed_url) == 3


def _feed(path: Path, n: int, bad: int | None = None) -> Path:
    """n services, each with its organization and a phone; service `bad` has no name."""
    with path.open("w", encoding="utf-8") as fh:
        for i in range(n):
            svc: dict[str, object] = {
                "id": f"svc-{i}",
                "name": "" if i == bad else f"Pantry {i}",
                "status": "active",
                "organization": {"id": f"org-{i}", "name": f"Pantry Org {i}", "description": "x"},
                "phones": [{"id": f"phone-{i}", "number": "614-555-0100"}],
            }
            fh.write(json.dumps(svc) + "\n")
    return path


def test_a_source_of_several_batches_is_all_imported_and_accounted(db: Session, tmp_path: Path) -> None:
    # 40 services = 120 rows written 25 at a time: service 20's row falls in the second batch.
    report = run_import(db, str(_feed(tmp_path / "f.ndjson", 40, bad=20)), source="feed", batch_rows=25)
    assert report.balanced
    assert (report.counts("service").read, report.counts("service").created) == (40, 39)
    assert report.counts("service").rejected == 1
    assert report.counts("organization").created == 40
    # The phone of the rejected service is rejected with it, by name; nothing is lost.
    assert report.counts("phone").read == 40
    assert report.counts("phone").created + report.counts("phone").rejected == 40
    assert [(i.table, i.field) for i in report.rejected] == [("service", "name"), ("phone", "service_id")]
    assert db.scalar(select(func.count()).select_from(Service)) == 39
    assert db.scalar(select(func.count()).select_from(SourceRecord)) == report.total("created")


def test_an_import_that_fails_in_a_later_batch_leaves_nothing(db: Session, tmp_path: Path) -> None:
    trigger = (
        "CREATE TRIGGER refuse_30 BEFORE INSERT ON service WHEN NEW.name = 'Pantry 30'"
        " BEGIN SELECT RAISE(ABORT, 'refused here'); END"
    )
    if db.get_bind().dialect.name != "sqlite":
        db.execute(
            text(
                "CREATE FUNCTION refuse_30() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN"
                " IF NEW.name = 'Pantry 30' THEN RAISE EXCEPTION 'refused here'; END IF; RETURN NEW; END $$"
            )
        )
        trigger = (
            "CREATE TRIGGER refuse_30 BEFORE INSERT ON service FOR EACH ROW EXECUTE FUNCTION refuse_30()"
        )
    db.execute(text(trigger))
    with pytest.raises(DBAPIError):
        run_import(db, str(_feed(tmp_path / "f.ndjson", 40)), source="feed", batch_rows=25)
    for model in (Service, Organization, SourceRecord, Metadata):
        assert db.scalar(select(func.count()).select_from(model)) == 0
