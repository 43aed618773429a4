"""An import never stops the app: while `linkage import` brings in a sizeable source, another
process keeps writing through the app (a provider's system pushing bed counts through the
capacity API, with a busy timeout shorter than the app's), and none of its writes fails; a
reader meanwhile sees the catalog either as it was or with the whole import, never part of it.

Real processes on a database of their own (a SQLite file; a PostgreSQL schema when
TEST_DATABASE_URL is set): the import is the console script, the writer the real app.
"""

from __future__ import annotations

import importlib
import json
import os
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from catalog.models import Service, ServiceCapacity
from importers.models import SourceRecord
from kernel.db import make_engine
from search.models import search_document
from tests.catalog.test_capacity_api import _seed
from tests.referrals.mailserver import committed_database

metro = importlib.import_module("bench.import.metro")  # `import` is a keyword: no from-import

SERVICES = 1500  # about 15,000 HSDS rows: several seconds of preparing, a short publish
BUSY_MS = 5000  # half the app's own busy timeout
WRITER = Path(__file__).with_name("capacity_writer.py")
Counts = tuple[int, int, int]


def _counts(conn: Any) -> Counts:
    """Services, the import's provenance rows, search documents: in one snapshot."""
    return (
        conn.scalar(select(func.count()).select_from(Service)),
        conn.scalar(select(func.count()).select_from(SourceRecord).where(SourceRecord.source == "metro")),
        conn.scalar(select(func.count()).select_from(search_document)),
    )


class Reader(threading.Thread):
    """Reads the counts in one transaction (one snapshot) every 50 ms while the import runs."""

    def __init__(self, url: str) -> None:
        super().__init__(daemon=True)
        self.engine = make_engine(url)
        self.seen: list[Counts] = []
        self.stop = threading.Event()
        self.error: BaseException | None = None

    def run(self) -> None:
        opts = {} if self.engine.dialect.name == "sqlite" else {"isolation_level": "REPEATABLE READ"}
        try:
            with self.engine.connect().execution_options(**opts) as conn:
                while not self.stop.is_set():
                    with conn.begin():
                        self.seen.append(_counts(conn))
                    time.sleep(0.05)
        except BaseException as exc:  # noqa: BLE001 - reported by the test
            self.error = exc
        finally:
            self.engine.dispose()


@pytest.mark.slow
def test_the_app_keeps_taking_writes_while_a_source_is_imported(tmp_path: Path) -> None:
    with committed_database(tmp_path, "beside") as url:
        engine = make_engine(url)
        sid, secret = _seed(engine)  # Lantern House, 0 of 20 beds, and its provider's token
        with engine.connect() as conn:
            before = _counts(conn)
        feed = tmp_path / "metro.ndjson"
        metro.generate(feed, SERVICES)
        env = {**os.environ, "DATABASE_URL": url, "LINKAGE_DATA_DIR": str(tmp_path / "data")}
        out = tmp_path / "writes.json"
        args = [url, str(tmp_path / "app"), str(sid), secret, str(BUSY_MS), str(out)]
        writer = subprocess.Popen(  # noqa: S603 (our own interpreter and script)
            [sys.executable, str(WRITER), *args],
            env=env,
            stderr=subprocess.PIPE,
            text=True,
        )
        try:
            deadline = time.monotonic() + 60
            while not Path(f"{out}.ready").exists():
                assert writer.poll() is None, writer.communicate()[1][-3000:]
                assert time.monotonic() < deadline, "the writer did not start"
                time.sleep(0.05)
            reader = Reader(url)
            reader.start()
            started = time.time()
            report_file = tmp_path / "report.json"
            done = subprocess.run(  # noqa: S603
                [
                    str(Path(sys.executable).with_name("linkage")),
                    "import",
                    str(feed),
                    "--source",
                    "metro",
                    "--report",
                    str(report_file),
                ],
                env=env,
                capture_output=True,
                text=True,
                check=False,
                timeout=900,
            )
            ended = time.time()
            time.sleep(0.3)  # a few more reads and writes after the commit
            reader.stop.set()
            reader.join(30)
        finally:
            Path(f"{out}.stop").touch()
            _, err = writer.communicate(timeout=60)
        assert writer.returncode == 0, err[-3000:]
        assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
        assert reader.error is None, reader.error

        # The import is complete when it commits: every service, its provenance, its document.
        report = json.loads(report_file.read_text(encoding="utf-8"))
        assert report["balanced"]
        assert report["tables"]["service"]["created"] == SERVICES
        created = sum(t["created"] for t in report["tables"].values())
        with engine.connect() as conn:
            after = _counts(conn)
            cap = conn.scalar(select(ServiceCapacity.available).where(ServiceCapacity.service_id == sid))
        assert after == (before[0] + SERVICES, created, before[2] + SERVICES)

        # A reader saw the catalog as it was or with all of the import, and saw both.
        assert set(reader.seen) <= {before, after}, sorted(set(reader.seen) - {before, after})[:5]
        assert reader.seen[0] == before
        assert reader.seen[-1] == after

        # Every write of the app during the import was taken, none waited out its busy timeout.
        answers = json.loads(out.read_text(encoding="utf-8"))
        during = [a for a in answers if started <= a["at"] <= ended]
        assert len(during) >= 20, f"only {len(during)} writes while the import ran"
        failed = [a for a in answers if a["status"] != 200]
        assert not failed, (failed[:5], done.stdout[-300:])
        longest = max(a["seconds"] for a in during)
        assert longest < BUSY_MS / 1000, f"a write waited {longest:.1f} s"
        assert cap == answers[-1]["n"]  # the last figure pushed is the one stored
        if url.startswith("sqlite:///"):  # the staging file beside the database is gone
            assert not list(Path(url.removeprefix("sqlite:///")).parent.glob(".linkage-import-*"))
        engine.dispose()
