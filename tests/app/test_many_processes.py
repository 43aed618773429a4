"""Many processes, one database, as production runs them: `gunicorn -w 4` serving the app and
`linkage worker`, each a process of its own, sharing nothing but the database (and the secret
key). A capacity figure pushed through the API, a correction accepted by the provider and the
e-mail it queues are each seen by every process on its very next request.

The database is the suite's: a PostgreSQL schema of its own when TEST_DATABASE_URL is set
(dropped at the end; CI's PostgreSQL leg runs this), a SQLite file of its own otherwise.
Every request is a fresh connection (urllib closes each one), so gunicorn hands them to
whichever worker is free; the test goes on until each of the four workers, known by the
`X-Linkage-Pid` header of tests/app/pid_app.py, has answered every kind of read.
"""

from __future__ import annotations

import http.cookiejar
import json
import os
import re
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from gunicorn.config import KNOWN_SETTINGS

from catalog.models import Location, Organization, Service, ServiceAtLocation
from kernel.db import CatalogSession, make_engine
from tests.catalog.test_capacity_api import _seed
from tests.referrals.mailserver import MailServer, committed_database, free_port

ROOT = Path(__file__).resolve().parents[2]
WORKERS = 4
PASSWORD = "correct horse battery staple"  # the provider _seed makes: desk@lantern.example.org
MATCH = {"needs": ["1135"], "location": "39.9612,-82.9988"}
READY_SECONDS = 60  # a loaded 2-core machine may take this long to import the app four times


# ---------------------------------------------------------------- the processes


def _env(url: str, data_dir: Path, smtp_port: int) -> dict[str, str]:
    return {
        **os.environ,
        "DATABASE_URL": url,
        "LINKAGE_DATA_DIR": str(data_dir),
        "SECRET_KEY": "many-processes-test",  # the same on every process, as on every host
        "LINKAGE_ENV": "development",  # plain HTTP on loopback: the cookie is not Secure
        "LINKAGE_MFA_ROLES": "",
        "LINKAGE_SMTP_HOST": "127.0.0.1",
        "LINKAGE_SMTP_PORT": str(smtp_port),
        "LINKAGE_SMTP_STARTTLS": "0",
        "LINKAGE_MAIL_FROM": "Linkage <linkage@example.org>",
        "LINKAGE_BASE_URL": "http://linkage.example.org",
    }


@contextmanager
def started(command: list[str], env: dict[str, str], log: Path) -> Iterator[subprocess.Popen[bytes]]:
    """A process in a group of its own (gunicorn's workers included), ended with the group."""
    with log.open("wb") as out:
        proc = subprocess.Popen(  # noqa: S603 (our own interpreter and console scripts)
            command, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
        )
    try:
        yield proc
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGTERM)
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait(timeout=5)


def _linkage() -> str:
    script = Path(sys.executable).with_name("linkage")
    if not script.exists():
        pytest.fail(f"the console script `linkage` is not installed beside {sys.executable}")
    return str(script)


def _wait_ready(base: str, proc: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + READY_SECONDS
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            pytest.fail(f"gunicorn exited with {proc.returncode}: {log.read_text()[-3000:]}")
        try:
            with urllib.request.urlopen(base + "/api/v1/openapi.json", timeout=5):  # noqa: S310
                return
        except OSError:
            time.sleep(0.2)
    pytest.fail(f"gunicorn did not answer in {READY_SECONDS} s: {log.read_text()[-3000:]}")


# ---------------------------------------------------------------- HTTP, one connection a request


class Browser:
    """Cookies kept like a browser's; every request still on a new connection."""

    def __init__(self, base: str) -> None:
        self.base = base
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar())
        )

    def call(
        self, path: str, *, data: dict[str, str] | None = None, body: Any = None, headers: Any = None
    ) -> tuple[int, str, Any]:
        """(pid of the worker that answered, content type, JSON or text)."""
        encoded, sent = None, dict(headers or {})
        if body is not None:
            encoded, sent["Content-Type"] = json.dumps(body).encode(), "application/json"
        elif data is not None:
            encoded = urllib.parse.urlencode(data).encode()
        method = sent.pop("method", None)
        req = urllib.request.Request(self.base + path, data=encoded, headers=sent, method=method)  # noqa: S310
        try:
            with self.opener.open(req, timeout=30) as resp:
                raw = resp.read().decode()
                kind = resp.headers.get_content_type()
                pid = int(resp.headers["X-Linkage-Pid"])
        except urllib.error.HTTPError as exc:
            raise AssertionError(f"{path}: {exc.code} {exc.read().decode()[:500]}") from None
        return pid, kind, json.loads(raw) if kind.endswith("json") else raw


def _csrf(page: str) -> str:
    found = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page)
    assert found, "no CSRF token on the page"
    return found.group(1)


Read = Callable[[Browser], tuple[int, Any]]


def on_every_worker(browser: Browser, reads: dict[str, Read], rounds: int = 60) -> dict[str, Any]:
    """Each read's one answer, checked to be what every worker answered every time.

    Reads go in parallel, more at once than there are workers (so gunicorn must spread
    them), until every worker has answered every read."""
    seen: dict[str, dict[int, set[str]]] = {name: {} for name in reads}
    with ThreadPoolExecutor(2 * WORKERS) as pool:
        for _ in range(rounds):
            todo = [name for name, by_pid in seen.items() if len(by_pid) < WORKERS]
            if not todo:
                break
            jobs = [(name, pool.submit(reads[name], browser)) for name in todo for _ in range(2 * WORKERS)]
            for name, job in jobs:
                pid, value = job.result()
                seen[name].setdefault(pid, set()).add(json.dumps(value))
    out = {}
    for name, by_pid in seen.items():
        assert len(by_pid) == WORKERS, f"{name}: answered by {len(by_pid)} of {WORKERS} workers"
        answers = set().union(*by_pid.values())
        assert len(answers) == 1, f"{name}: the answers differ: {by_pid}"
        out[name] = json.loads(answers.pop())
    return out


def capacity_reads(sid: uuid.UUID, service_name: str) -> dict[str, Read]:
    def api(b: Browser) -> tuple[int, Any]:
        pid, _, got = b.call(f"/api/v1/services/{sid}/capacity")
        return pid, got["figures"][0]["available"]

    def search(b: Browser) -> tuple[int, Any]:
        pid, _, got = b.call("/api/v1/search?q=lantern")
        return pid, [c["available"] for r in got["results"] for c in r["capacity"]]

    def free_now(b: Browser) -> tuple[int, Any]:
        pid, _, got = b.call("/api/v1/search?q=lantern&available=true")
        return pid, [r["name"] for r in got["results"]]

    def match(b: Browser) -> tuple[int, Any]:
        pid, _, got = b.call("/api/v1/match", body=MATCH)
        mine = [m for m in got["matches"] if m["name"] == service_name]
        return pid, mine[0]["capacity"][0]["available"] if mine else "excluded"

    def page(b: Browser) -> tuple[int, Any]:
        pid, _, got = b.call(f"/services/{sid}")
        return pid, re.findall(r"\d+ of 20 beds free", got)[:1]

    return {"api": api, "search": search, "free now": free_now, "match": match, "page": page}


def name_reads(sid: uuid.UUID) -> dict[str, Read]:
    def search_new(b: Browser) -> tuple[int, Any]:
        pid, _, got = b.call("/api/v1/search?q=beacon")
        return pid, [r["name"] for r in got["results"]]

    def search_old(b: Browser) -> tuple[int, Any]:
        pid, _, got = b.call("/api/v1/search?q=lantern")
        return pid, [r["name"] for r in got["results"]]

    def page(b: Browser) -> tuple[int, Any]:
        pid, _, got = b.call(f"/services/{sid}")
        return pid, re.findall(r"<h1[^>]*>([^<]*)</h1>", got)[:1]

    return {"search beacon": search_new, "search lantern": search_old, "page": page}


# ---------------------------------------------------------------- the test


def _neighbours(engine: Any) -> None:
    """A few other services around Lantern House, so search and matching choose among several."""
    with CatalogSession(engine) as session:
        session.info["actor"] = "test"
        for i, (name, description) in enumerate(NEIGHBOURS):
            org = Organization(id=uuid.uuid4(), name=f"{name} Inc.", description="")
            svc = Service(id=uuid.uuid4(), name=name, organization=org, description=description)
            loc = Location(
                id=uuid.uuid4(), name=name, organization=org, latitude=39.95 + i / 100, longitude=-83.0
            )
            svc.service_at_locations.append(ServiceAtLocation(id=uuid.uuid4(), location=loc))
            session.add(svc)
        session.commit()


NEIGHBOURS = [
    ("Harbor Night Shelter", "Emergency beds for adults, every night."),
    ("Eastside Food Pantry", "Groceries twice a week."),
    ("Riverside Youth Drop-in", "Showers, meals and a counsellor for young people."),
]


def _accept_a_new_name(base: str, sid: uuid.UUID, name: str) -> None:
    """Someone reports the name is wrong, leaving an address to hear back; the provider signs in
    (the signed session cookie is good on any worker) and accepts the report with the corrected
    name: a catalog write through the change log, and an e-mail queued in its transaction."""
    reporter = Browser(base)
    _, _, form = reporter.call(f"/services/{sid}/report")
    answer = {"kind": "other", "text": f"It is called {name} now.", "email": "neighbour@example.org"}
    reporter.call(f"/services/{sid}/report", data={"csrf_token": _csrf(form), **answer})
    provider = Browser(base)
    _, _, login = provider.call("/login")
    provider.call(
        "/login", data={"csrf_token": _csrf(login), "email": "desk@lantern.example.org", "password": PASSWORD}
    )
    _, _, queue = provider.call("/admin/reports")
    [request_id] = re.findall(r'href="/admin/reports/([0-9a-f-]{36})"', queue)
    _, _, decision = provider.call(f"/admin/reports/{request_id}")
    provider.call(
        f"/admin/reports/{request_id}/accept",
        data={"csrf_token": _csrf(decision), f"value:service:{sid}:name": name},
    )


@pytest.mark.slow
def test_every_process_sees_a_committed_write_on_its_next_request(tmp_path: Path) -> None:
    mail = MailServer().start()
    with committed_database(tmp_path, "many") as url:
        engine = make_engine(url)
        _neighbours(engine)
        sid, secret = _seed(engine)  # Lantern House: 0 of 20 beds, and its provider's token
        engine.dispose()
        env = _env(url, tmp_path / "data", mail.port)
        port = free_port()
        base = f"http://127.0.0.1:{port}"
        gunicorn = [sys.executable, "-m", "gunicorn", f"--workers={WORKERS}", f"--bind=127.0.0.1:{port}"]
        gunicorn.append("--preload")  # the app is imported once and forked: a quarter of the start-up
        if any(s.name == "control_socket_disable" for s in KNOWN_SETTINGS):
            gunicorn.append("--no-control-socket")  # newer gunicorns make a socket in ~/.gunicorn
        try:
            with (
                started([*gunicorn, "tests.app.pid_app:app"], env, tmp_path / "gunicorn.log") as web,
                started([_linkage(), "worker", "--interval", "1"], env, tmp_path / "worker.log") as worker,
            ):
                _wait_ready(base, web, tmp_path / "gunicorn.log")
                browser = Browser(base)
                reads = capacity_reads(sid, "Lantern House")

                # Every worker has read (and kept what it keeps of) the catalog before the write.
                assert on_every_worker(browser, reads) == {
                    "api": 0,
                    "search": [0],
                    "free now": [],
                    "match": "excluded",
                    "page": ["0 of 20 beds free"],
                }
                # A provider's system pushes 4 free beds to one worker ...
                _, _, answer = browser.call(
                    f"/api/v1/services/{sid}/capacity",
                    body={"unit": "bed", "available": 4, "maximum": 20},
                    headers={"Authorization": f"Bearer {secret}", "method": "PUT"},
                )
                assert answer["figures"][0]["available"] == 4
                # ... and every worker's next answer, of every kind, shows them.
                assert on_every_worker(browser, reads) == {
                    "api": 4,
                    "search": [4],
                    "free now": ["Lantern House"],
                    "match": 4,
                    "page": ["4 of 20 beds free"],
                }

                _accept_a_new_name(base, sid, "Beacon House")
                assert on_every_worker(browser, name_reads(sid)) == {
                    "search beacon": ["Beacon House"],
                    "search lantern": ["Beacon House"],  # its organization is still Lantern House Inc.
                    "page": ["Beacon House"],
                }

                # The decision's e-mail, queued in the same transaction, is sent by
                # `linkage worker`, another process, to the SMTP server.
                assert mail.inbox.arrived.wait(30), (tmp_path / "worker.log").read_text()[-3000:]
                [received] = mail.messages
                assert received.rcpt_tos == ["neighbour@example.org"]
                assert received.message["Subject"] == "Your report about Beacon House"
                assert worker.poll() is None, "linkage worker stopped"
                assert web.poll() is None, "gunicorn stopped"
        finally:
            mail.stop()
