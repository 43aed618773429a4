"""Benchmark the coordinator dashboard: `python -m bench.dashboard [--referrals N] [--url URL]`.

Builds a database by the migrations (a fresh SQLite file, or the PostgreSQL database of
`--url` / DATABASE_URL in a schema of its own, dropped first; `--reuse` times the schema a
previous run left), loads the demo county's
catalog, then writes N referrals (100,000 by default) with their clients, event logs and
handoff contacts across the two years up to now, in bulk inserts: four teams of ten workers
and a coordinator, a third of clients referred again, fates as a busy program has them
(about half completed, some declined, failed, cancelled or entered in error, the rest open),
and 100,000 unmet-need rows (`--unmet N`: searches and matches that found nothing, a third
of them matches with two excluding rules each) across the same two years.

Then times, each as the first request of a fresh app (a new engine and connection: no cache
of ours or of the connection is warm; the operating system's file cache is), and again as the
median of five more: the dashboard page for a coordinator (one team) and an administrator
(every team), the one-page summary, a CSV, GET /api/v1/metrics/referrals for both, the gap
report (page and GET /api/v1/metrics/unmet-need) and catalog health (page and
GET /api/v1/metrics/catalog). Target: under one second each.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import re
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from sqlalchemy import create_engine, func, insert, select, text  # noqa: E402

from accounts import audit, passwords, tokens  # noqa: E402
from accounts.models import Team, User  # noqa: E402
from app import create_app  # noqa: E402
from app.commands import upgrade  # noqa: E402
from catalog.models import Service  # noqa: E402
from demo import load_demo  # noqa: E402
from kernel.db import get_session, uuid7  # noqa: E402
from referrals.models import Client, Referral, ReferralContact, ReferralEvent  # noqa: E402
from search.unmet import UnmetNeed, UnmetNeedReason  # noqa: E402

PASSWORD = "bench password, not a secret"  # noqa: S105
NEEDS = [
    "Emergency Shelter (BD-1800.1900)",
    "Food Pantries (BD-1800.2000)",
    "Detoxification (RX-8450.1800)",
    "Mental Health Crisis (RP-1500.1400)",
    "Transitional Housing (BH-8600)",
    "Domestic Violence Shelters (BH-1800.1500-100)",
    "Youth Shelter (BH-1800.8500-800)",
    "Legal Aid (FT-3200)",
    "Transportation (BT-4500)",
    "Medical Care (LN)",
    None,
]
REASONS = ["no-capacity", "not-eligible", "could-not-contact", "client-declined", "client-did-not-arrive"]
# What people typed that found nothing, as `search.unmet.need_text` keeps it, and the ZIPs
# of the demo county (None: no place given); a match's excluding rules are matching's codes.
UNMET_NEEDS = [
    "shelter tonight",
    "family shelter",
    "detox",
    "youth shelter",
    "rent help",
    "dental",
    "womens shelter pets",
    "spanish counseling",
    "food pantry sunday",
    "recovery housing",
    "",
]
UNMET_AREAS = [*(f"432{n:02d}" for n in range(1, 36)), "43081", "43123", "43026", "43068", None]
UNMET_RULES = ["capacity", "age", "open", "pets", "service_area", "situations", "documents"]
TOKEN = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"|name="csrf_token" value="([^"]+)"')
BATCH = 20_000


def _schema_url(url: str, schema: str) -> str:
    sep = "&" if "?" in url else "?"
    return f"{url}{sep}options=-csearch_path%3D{schema}"


def prepare(url: str | None, folder: Path) -> str:
    if not url:
        return f"sqlite:///{folder / 'dashboard.db'}"
    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(text("DROP SCHEMA IF EXISTS bench_dashboard CASCADE"))
        conn.execute(text("CREATE SCHEMA bench_dashboard"))
    engine.dispose()
    return _schema_url(url, "bench_dashboard")


def _bulk(session: Any, table: Any, rows: list[dict[str, Any]]) -> None:
    for start in range(0, len(rows), BATCH):
        session.execute(insert(table), rows[start : start + BATCH])


def generate(session: Any, count: int, now: dt.datetime, seed: int = 15) -> dict[str, Any]:
    """Teams, people, clients, referrals, events and contacts; returns the ids the timing uses."""
    rng = random.Random(seed)
    hashed = passwords.hash_password(PASSWORD)
    services = list(session.execute(select(Service.id, Service.organization_id)))
    teams = [
        {"id": uuid.uuid4(), "name": f"Team {n}", "is_default": n == 1, "created": now} for n in range(1, 5)
    ]
    _bulk(session, Team.__table__, teams)
    users: list[dict[str, Any]] = []
    workers: dict[uuid.UUID, list[uuid.UUID]] = {}
    for team in teams:
        n = str(team["name"]).split()[-1]
        for k in range(10):
            uid = uuid.uuid4()
            workers.setdefault(team["id"], []).append(uid)
            users.append(
                _user(uid, f"worker{k}@team{n}.bench.example", "social_worker", team["id"], hashed, now)
            )
        users.append(
            _user(uuid.uuid4(), f"coordinator@team{n}.bench.example", "coordinator", team["id"], hashed, now)
        )
    users.append(_user(uuid.uuid4(), "admin@bench.example", "admin", None, hashed, now))
    _bulk(session, User.__table__, users)

    clients: list[dict[str, Any]] = []
    known: dict[uuid.UUID, list[uuid.UUID]] = {t["id"]: [] for t in teams}
    referrals: list[dict[str, Any]] = []
    events: list[dict[str, Any]] = []
    contacts: list[dict[str, Any]] = []
    span = dt.timedelta(days=730).total_seconds()
    for _ in range(count):
        team = rng.choice(teams)["id"]
        worker = rng.choice(workers[team])
        if known[team] and rng.random() < 0.33:
            client_id = rng.choice(known[team][-2000:])
        else:
            client_id = uuid.uuid4()
            known[team].append(client_id)
            clients.append(
                {
                    "id": client_id,
                    "team_id": team,
                    "created_by": worker,
                    "display_name": "B. C.",
                    "created": now,
                }
            )
        service_id, org_id = rng.choice(services)
        sent = now - dt.timedelta(seconds=rng.random() * span)
        mode = "logged" if rng.random() < 0.2 else "live"
        rid = uuid.uuid4()
        log = [(None, "requested", sent, None)]
        roll = rng.random()
        at = sent
        if roll < 0.12:
            log.append(
                ("requested", "rejected", at + dt.timedelta(hours=rng.uniform(0.2, 30)), rng.choice(REASONS))
            )
        elif roll < 0.22:
            log.append(
                ("requested", "cancelled", at + dt.timedelta(hours=rng.uniform(1, 200)), rng.choice(REASONS))
            )
        elif roll < 0.24:
            log.append(("requested", "entered-in-error", at + dt.timedelta(minutes=5), None))
        elif roll < 0.30 and sent > now - dt.timedelta(days=3):
            pass  # still waiting for an answer
        else:
            at += dt.timedelta(hours=rng.lognormvariate(1.5, 1.0))
            log.append(("requested", "accepted", at, None))
            fate = rng.random()
            if fate < 0.75:
                log.append(
                    (
                        "accepted",
                        "completed",
                        at + dt.timedelta(hours=rng.lognormvariate(4.0, 1.0)),
                        "got-help",
                    )
                )
            elif fate < 0.87:
                log.append(
                    ("accepted", "failed", at + dt.timedelta(hours=rng.uniform(2, 400)), rng.choice(REASONS))
                )
        log = [e for e in log if e[2] <= now]
        last = log[-1]
        status = last[1]
        due = None
        if status == "requested":
            due = last[2] + dt.timedelta(hours=24)
        elif status == "accepted":
            due = last[2] + dt.timedelta(hours=72)
        referrals.append(
            {
                "id": rid,
                "client_id": client_id,
                "team_id": team,
                "created_by": worker,
                "service_id": service_id,
                "organization_id": org_id,
                "need": rng.choice(NEEDS),
                "mode": mode,
                "status": status,
                "created": sent,
                "updated": last[2],
                "due_at": due,
            }
        )
        for from_status, to_status, when, reason in log:
            events.append(
                {
                    "id": uuid7(),
                    "referral_id": rid,
                    "at": when,
                    "actor_user_id": worker,
                    "actor": "worker@bench.example",
                    "from_status": from_status,
                    "to_status": to_status,
                    "reason": reason,
                    "channel": "web",
                }
            )
        for k in range(rng.choice((0, 1, 1, 2, 3))):
            when = min(now, sent + dt.timedelta(hours=1 + k * 5))
            contacts.append(
                {
                    "id": uuid7(),
                    "referral_id": rid,
                    "at": when,
                    "actor_user_id": worker,
                    "actor": "w",
                    "kind": "phone",
                }
            )
    _bulk(session, Client.__table__, clients)
    _bulk(session, Referral.__table__, referrals)
    _bulk(session, ReferralEvent.__table__, events)
    _bulk(session, ReferralContact.__table__, contacts)
    return {"clients": len(clients), "events": len(events), "contacts": len(contacts)}


def generate_unmet(session: Any, count: int, now: dt.datetime, seed: int = 16) -> int:
    """Unmet-need rows over the two years up to now: two searches for each match, each match
    with the two rules that excluded most of its candidates (what the gap report groups)."""
    rng = random.Random(seed)
    span = int(dt.timedelta(days=730).total_seconds() // 3600)
    rows: list[dict[str, Any]] = []
    reasons: list[dict[str, Any]] = []
    for _ in range(count):
        hour = (now - dt.timedelta(hours=rng.randrange(span))).replace(minute=0, second=0, microsecond=0)
        kind = "match" if rng.random() < 1 / 3 else "search"
        row_id = uuid7()
        rows.append(
            {
                "id": row_id,
                "hour": hour,
                "kind": kind,
                "channel": rng.choice(("page", "api")),
                "need": rng.choice(UNMET_NEEDS),
                "area": rng.choice(UNMET_AREAS),
                "candidates": rng.randrange(1, 40) if kind == "match" else 0,
            }
        )
        if kind == "match":
            for code in rng.sample(UNMET_RULES, 2):
                reasons.append({"unmet_need_id": row_id, "code": code, "services": rng.randrange(1, 20)})
    _bulk(session, UnmetNeed.__table__, rows)
    _bulk(session, UnmetNeedReason.__table__, reasons)
    return len(rows)


def _user(uid: uuid.UUID, email: str, role: str, team: Any, hashed: str, now: dt.datetime) -> dict[str, Any]:
    return {
        "id": uid,
        "email": email,
        "password_hash": hashed,
        "role": role,
        "team_id": team,
        "active": True,
        "session_stamp": uuid.uuid4().hex,
        "created": now,
        "password_changed": now,
    }


def _sign_in(client: Any, email: str) -> None:
    page = client.get("/login").get_data(as_text=True)
    match = TOKEN.search(page)
    assert match, "no CSRF token on /login"
    token = match.group(1) or match.group(2)
    resp = client.post("/login", data={"email": email, "password": PASSWORD, "csrf_token": token})
    assert resp.status_code == 302, email
    assert "/login" not in resp.headers.get("Location", ""), email


def _token(app: Any, email: str) -> str:
    with app.app_context():
        session = get_session()
        made = tokens.create(session, email, ["metrics:read"], audit.command_line())
        session.commit()
        return made.secret


def time_requests(url: str, folder: Path) -> None:
    # The bench's admin signs in with a password only (a deployment may require a second factor).
    config = {"DATA_DIR": str(folder), "DATABASE_URL": url, "SECRET_KEY": "bench", "MFA_ROLES": ()}
    setup = create_app(config)
    bearer = {e: _token(setup, e) for e in ("coordinator@team1.bench.example", "admin@bench.example")}
    # "Made" period: the last 12 months (the page's default) and the whole two years.
    today = dt.datetime.now(dt.UTC).date()
    whole = f"?from={(today - dt.timedelta(days=730)).isoformat()}&to={today.isoformat()}"
    cases: list[tuple[str, str, str | None, str | None]] = [
        ("page, coordinator, 12 months", "/dashboard", "coordinator@team1.bench.example", None),
        ("page, admin, 12 months", "/dashboard", "admin@bench.example", None),
        ("page, admin, 2 years", "/dashboard" + whole, "admin@bench.example", None),
        ("summary, admin, 12 months", "/dashboard/summary", "admin@bench.example", None),
        ("CSV by_provider, admin", "/dashboard/referrals.csv?part=by_provider", "admin@bench.example", None),
        (
            "JSON, coordinator token, 12 months",
            "/api/v1/metrics/referrals",
            None,
            "coordinator@team1.bench.example",
        ),
        ("JSON, admin token, 12 months", "/api/v1/metrics/referrals", None, "admin@bench.example"),
        ("JSON, admin token, 2 years", "/api/v1/metrics/referrals" + whole, None, "admin@bench.example"),
        ("gap report page, admin, 12 months", "/dashboard/need", "admin@bench.example", None),
        ("gap report page, admin, 2 years", "/dashboard/need" + whole, "admin@bench.example", None),
        (
            "JSON unmet need, coordinator token, 2 years",
            "/api/v1/metrics/unmet-need" + whole,
            None,
            "coordinator@team1.bench.example",
        ),
        (
            "JSON unmet need, admin token, 2 years",
            "/api/v1/metrics/unmet-need" + whole,
            None,
            "admin@bench.example",
        ),
        ("catalog health page, admin", "/dashboard/catalog", "admin@bench.example", None),
        ("JSON catalog, admin token", "/api/v1/metrics/catalog", None, "admin@bench.example"),
    ]
    for name, path, session_of, token_of in cases:
        app = create_app(config)  # a new engine: the first request opens its connection
        client = app.test_client()
        headers = {"Authorization": f"Bearer {bearer[token_of]}"} if token_of else {}
        if session_of:
            _sign_in(client, session_of)
        started, cpu = time.perf_counter(), time.process_time()
        resp = client.get(path, headers=headers)
        first, first_cpu = time.perf_counter() - started, time.process_time() - cpu
        assert resp.status_code == 200, (name, resp.status_code, resp.get_data(as_text=True)[:300])
        again, again_cpu = [], []
        for _ in range(5):
            started, cpu = time.perf_counter(), time.process_time()
            client.get(path, headers=headers)
            again.append(time.perf_counter() - started)
            again_cpu.append(time.process_time() - cpu)
        size = len(resp.get_data())
        # CPU time is this process's (on SQLite the database's work too; on PostgreSQL the
        # server's is not in it): on a loaded machine it says what wall clock cannot.
        print(
            f"{name}: first {first * 1000:.0f} ms (CPU {first_cpu * 1000:.0f} ms), then median "
            f"{statistics.median(again) * 1000:.0f} ms (CPU {statistics.median(again_cpu) * 1000:.0f} ms) "
            f"({size / 1024:.0f} KB); load average {_load()}"
        )


def _load() -> str:
    try:
        return " ".join(Path("/proc/loadavg").read_text().split()[:3])
    except OSError:  # not Linux
        return "unknown"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--referrals", type=int, default=100_000)
    parser.add_argument(
        "--unmet", type=int, default=100_000, help="unmet-need rows (searches and matches that found nothing)"
    )
    parser.add_argument(
        "--url", default=os.environ.get("DATABASE_URL"), help="PostgreSQL URL (default: SQLite)"
    )
    parser.add_argument(
        "--keep", type=Path, help="a folder for the SQLite file; an existing one is timed again"
    )
    parser.add_argument(
        "--reuse",
        action="store_true",
        help="time the PostgreSQL schema a previous run left",
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = args.keep or Path(tmp)
        folder.mkdir(parents=True, exist_ok=True)
        if args.url and args.reuse:
            time_requests(_schema_url(args.url, "bench_dashboard"), folder)
            return
        url = prepare(args.url, folder)
        if not args.url and (folder / "dashboard.db").exists():
            time_requests(url, folder)
            return
        upgrade(url)
        app = create_app({"DATA_DIR": tmp, "DATABASE_URL": url, "SECRET_KEY": "bench"})
        with app.app_context():
            load_demo(if_empty=True, seed=2026)
            session = get_session()
            started = time.perf_counter()
            made = generate(session, args.referrals, dt.datetime.now(dt.UTC))
            made["unmet"] = generate_unmet(session, args.unmet, dt.datetime.now(dt.UTC))
            session.commit()
            wall = time.perf_counter() - started
            services = session.scalar(select(func.count()).select_from(Service))
            if session.get_bind().dialect.name == "postgresql":
                # What autovacuum does soon after a bulk load: statistics, and the visibility
                # map that lets the covering indexes answer without reading the table.
                with session.get_bind().connect() as conn:
                    conn.execution_options(isolation_level="AUTOCOMMIT").execute(text("VACUUM ANALYZE"))
        print(
            f"{session.get_bind().dialect.name}: {args.referrals} referrals, {made['events']} events, "
            f"{made['contacts']} contacts, {made['clients']} clients and {made['unmet']} unmet-need rows "
            "over two years on the demo catalog "
            f"({services} services), written in {wall:.1f} s"
        )
        time_requests(url, folder)


if __name__ == "__main__":
    main()
