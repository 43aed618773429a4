"""Benchmark matching: `python -m bench.match` (or `python bench/match/run.py`).

Generates a 100,000-service catalog around 25 US metros (bulk inserts through SQLAlchemy
core) into a SQLite file in a temporary directory, a kept SQLite file (``--db``) or any
database URL (``--database postgresql+psycopg://...``), then runs 200 matches at 25 km
around random metro points with random needs and clients, end to end through
``matching.service.find_matches`` (needs resolved, candidates gathered, facts read, ranked),
and times the first match of a new process (a subprocess, from its first import to the
first answer). ``run_matches(url, n)`` does the same for another script and returns the
figures as a dict.

``--services 1000000`` builds a million (generated and inserted 100,000 at a time; the
search documents' rebuild then holds them all, about 4.5 GB at its peak, and took 28 min
at low priority on a busy 2-core machine).

Targets: p95 <= 50 ms per match on 2 cores at 100,000 and 1,000,000 services; the first
match of a new process <= 0.5 s.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


from sqlalchemy import func, select, text  # noqa: E402

from app.commands import upgrade  # noqa: E402
from catalog.models import Service  # noqa: E402
from kernel.db import Base, CatalogSession, insert_rows, make_engine  # noqa: E402
from matching.parse import parse_request  # noqa: E402
from matching.service import find_matches  # noqa: E402
from search.rebuild import rebuild  # noqa: E402

METROS = [
    (40.7128, -74.0060),
    (34.0522, -118.2437),
    (41.8781, -87.6298),
    (29.7604, -95.3698),
    (33.4484, -112.0740),
    (39.9526, -75.1652),
    (29.4241, -98.4936),
    (32.7157, -117.1611),
    (32.7767, -96.7970),
    (37.3382, -121.8863),
    (30.2672, -97.7431),
    (39.9612, -82.9988),
    (35.2271, -80.8431),
    (37.7749, -122.4194),
    (47.6062, -122.3321),
    (39.7392, -104.9903),
    (38.9072, -77.0369),
    (42.3601, -71.0589),
    (36.1627, -86.7816),
    (45.5152, -122.6784),
    (25.7617, -80.1918),
    (33.7490, -84.3880),
    (44.9778, -93.2650),
    (39.0997, -94.5786),
    (43.0389, -87.9065),
]
# (code, name, parent code, share of services)
CATEGORIES = [
    ("1101", "Emergency", None, 0),
    ("1121", "Emergency Shelter", "1101", 10),
    ("1126", "Psychiatric Emergency Services", "1101", 4),
    ("1103", "Housing", None, 0),
    ("1151", "Safe Housing", "1103", 4),
    ("1106", "Health", None, 0),
    ("1178", "Addiction & Recovery", "1106", 6),
    ("1180", "Detox", "1178", 3),
    ("1102", "Food", None, 0),
    ("1128", "Emergency Food", "1102", 14),
    ("1130", "Food Pantry", "1102", 14),
    ("1108", "Care", None, 0),
    ("1304", "Counseling", "1108", 12),
    ("1111", "Legal", None, 0),
    ("1389", "Representation", "1111", 8),
    ("1109", "Education", None, 0),
    ("1343", "Tutoring", "1109", 10),
    ("1110", "Work", None, 0),
    ("1358", "Job Placement", "1110", 15),
]
SITUATIONS = [
    ("20010", "Veterans"),
    ("20036", "Women"),
    ("20037", "Men"),
    ("20054", "Families"),
    ("20053", "Individuals"),
    ("20083", "Domestic Violence Survivors"),
    ("20063", "Low-Income"),
    ("20003", "Adults"),
    ("20004", "Teens"),
]
CHUNK = 100_000  # services generated and inserted at a time

# The tables a match reads (search's rebuild analyzes only those the documents are built from).
MATCH_TABLES = (
    "search_document", "search_document_term", "service", "service_at_location", "location",
    "organization", "attribute", "taxonomy_term", "language", "required_document", "cost_option",
    "accessibility", "schedule", "service_capacity", "unit", "capacity_hold", "service_area",
)  # fmt: skip
WORDS = ["shelter", "food", "detox", "counseling", "legal aid", "youth", "crisis"]


def build(url: str, n: int, seed: int) -> None:
    rnd = random.Random(seed)
    upgrade(url)  # the schema production has (the search index's tables too)
    engine = make_engine(url)
    now = dt.datetime.now(dt.UTC)
    tax_id = uuid.uuid4()
    term_ids: dict[str, uuid.UUID] = {}
    terms = []
    for code, name, parent, _ in CATEGORIES:
        term_ids[code] = uuid.uuid4()
        terms.append(
            {
                "id": term_ids[code],
                "code": code,
                "name": name,
                "description": name,
                "parent_id": term_ids[parent] if parent else None,
                "taxonomy_id": tax_id,
                "taxonomy": "Open Eligibility",
            }
        )
    for code, name in SITUATIONS:
        term_ids[code] = uuid.uuid4()
        terms.append(
            {
                "id": term_ids[code],
                "code": code,
                "name": name,
                "description": name,
                "parent_id": None,
                "taxonomy_id": tax_id,
                "taxonomy": "Open Eligibility",
            }
        )
    leaves = [(c, nm, w) for c, nm, _, w in CATEGORIES if w]
    weights = [w for *_, w in leaves]
    unit_id = uuid.uuid4()
    rows: dict[str, list[dict]] = {
        k: []
        for k in (
            "organization",
            "service",
            "location",
            "service_at_location",
            "attribute",
            "language",
            "schedule",
            "service_capacity",
            "required_document",
        )
    }
    tables = Base.metadata.tables
    with engine.begin() as conn:
        conn.execute(
            tables["taxonomy"].insert(), [{"id": tax_id, "name": "Open Eligibility", "description": ""}]
        )
        conn.execute(tables["taxonomy_term"].insert(), terms)
        conn.execute(tables["unit"].insert(), [{"id": unit_id, "name": "bed"}])

    def flush(rows: dict[str, list[dict]]) -> None:
        """Insert what was generated and forget it, so a million services fit in memory."""
        with engine.begin() as conn:
            for name, data in rows.items():
                for k in range(0, len(data), 20000):
                    insert_rows(conn, tables[name], data[k : k + 20000])
                data.clear()

    org_id = None
    for i in range(n):
        if i and i % CHUNK == 0:
            flush(rows)
        if i % 5 == 0:
            org_id = uuid.uuid4()
            rows["organization"].append({"id": org_id, "name": f"Org {i // 5}", "description": ""})
        code, cat, _ = rnd.choices(leaves, weights)[0]
        lat0, lon0 = rnd.choice(METROS)
        sid, lid = uuid.uuid4(), uuid.uuid4()
        lo = rnd.choice([None, None, None, 18, 12, 55])
        hi = rnd.choice([None, 24]) if lo == 12 else None
        rows["service"].append(
            {
                "id": sid,
                "organization_id": org_id,
                "name": f"{cat} {i}",
                "status": "active" if rnd.random() > 0.03 else "inactive",
                "description": f"{cat}; {rnd.choice(WORDS)} and {rnd.choice(WORDS)} for the community.",
                "minimum_age": lo,
                "maximum_age": hi,
                "assured_date": (now - dt.timedelta(days=rnd.randint(0, 900))).date(),
            }
        )
        rows["location"].append(
            {
                "id": lid,
                "organization_id": org_id,
                "name": None,
                "latitude": lat0 + rnd.gauss(0, 0.15),
                "longitude": lon0 + rnd.gauss(0, 0.18),
                "location_type": "physical",
            }
        )
        rows["service_at_location"].append({"id": uuid.uuid4(), "service_id": sid, "location_id": lid})
        rows["attribute"].append(
            {
                "id": uuid.uuid4(),
                "link_id": sid,
                "link_entity": "service",
                "link_type": "service_type",
                "taxonomy_term_id": term_ids[code],
            }
        )
        for sit in rnd.sample(SITUATIONS, rnd.choice([0, 0, 0, 1, 2])):
            rows["attribute"].append(
                {
                    "id": uuid.uuid4(),
                    "link_id": sid,
                    "link_entity": "service",
                    "link_type": rnd.choice(["eligibility", "audience"]),
                    "taxonomy_term_id": term_ids[sit[0]],
                }
            )
        rows["language"].append({"id": uuid.uuid4(), "service_id": sid, "code": "en", "name": "English"})
        if rnd.random() < 0.3:
            rows["language"].append({"id": uuid.uuid4(), "service_id": sid, "code": "es", "name": "Spanish"})
        if rnd.random() < 0.5:
            opens, closes = rnd.choice([("09:00", "17:00"), ("19:00", "07:00"), ("08:00", "20:00")])
            rows["schedule"].append(
                {
                    "id": uuid.uuid4(),
                    "service_id": sid,
                    "freq": "WEEKLY",
                    "byday": "MO,TU,WE,TH,FR",
                    "opens_at": opens,
                    "closes_at": closes,
                }
            )
        if code in ("1121", "1151", "1180") or rnd.random() < 0.05:
            rows["service_capacity"].append(
                {
                    "id": uuid.uuid4(),
                    "service_id": sid,
                    "unit_id": unit_id,
                    "available": rnd.randint(0, 20),
                    "maximum": 20,
                    "updated": now - dt.timedelta(minutes=rnd.randint(0, 3000)),
                }
            )
        if rnd.random() < 0.2:
            rows["required_document"].append({"id": uuid.uuid4(), "service_id": sid, "document": "Photo ID"})
    flush(rows)
    with CatalogSession(engine) as session:  # needs given as words are read by search's parser
        rebuild(session)
        session.commit()
    if engine.dialect.name == "postgresql":
        # What autovacuum would have done by the first request: without statistics the planner
        # reads service_capacity and required_document whole for 60 ids (2 ms each a match).
        with engine.begin() as conn:
            conn.execute(text(f"ANALYZE {', '.join(MATCH_TABLES)}"))
    engine.dispose()


def random_body(rnd: random.Random) -> dict:
    lat0, lon0 = rnd.choice(METROS)
    need = rnd.choice([c for c, _, _, w in CATEGORIES if w] + ["Emergency Shelter", "Detox"] + WORDS)
    return {
        "needs": [need],
        "location": {"lat": lat0 + rnd.gauss(0, 0.05), "lon": lon0 + rnd.gauss(0, 0.05)},
        "radius_km": 25,
        "urgency": rnd.choice([None, "now", "tonight", "this_week"]),
        "client": {
            "age": rnd.choice([None, 17, 22, 35, 67]),
            "gender": rnd.choice([None, "female", "male", "transgender"]),
            "household": rnd.choice([None, "single_adult", "family_with_children"]),
            "languages": rnd.choice([[], ["es"], ["en"]]),
            "populations": rnd.choice([[], ["veteran"], ["dv"]]),
        },
        "limit": 20,
    }


TZ = "America/New_York"


def services_in(url: str) -> int:
    """How many services the catalog at ``url`` holds (0 when it has no schema yet)."""
    engine = make_engine(url)
    try:
        with CatalogSession(engine) as session:
            return int(session.scalar(select(func.count()).select_from(Service)) or 0)
    except Exception:  # noqa: BLE001 - no schema yet: nothing there
        return 0
    finally:
        engine.dispose()


def ensure_catalog(url: str, n: int, seed: int = 7) -> float | None:
    """Build the catalog at ``url`` unless it already holds services; seconds taken, or None."""
    if services_in(url):
        return None
    t0 = time.perf_counter()
    build(url, n, seed)
    return time.perf_counter() - t0


def _quantiles(values: list[float]) -> dict[str, float]:
    q = statistics.quantiles(values, n=100)
    return {"p50": round(q[49], 1), "p95": round(q[94], 1), "max": round(max(values), 1)}


def first_match(url: str) -> dict[str, float]:
    """The first match of a new process: a subprocess timed from its first import to its
    first answer (what a freshly started app worker pays), wall clock and CPU."""
    code = "import time, resource; t0 = time.perf_counter(); from bench.match.run import _first; _first(t0)"
    env = {**os.environ, "BENCH_MATCH_URL": url}
    out = subprocess.run(  # noqa: S603 - our own interpreter and module
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, check=True
    )
    return dict(json.loads(out.stdout.strip().splitlines()[-1]))


def _first(t0: float) -> None:
    """Runs in the subprocess of ``first_match``."""
    url = os.environ["BENCH_MATCH_URL"]
    engine = make_engine(url)
    imported, imported_cpu = time.perf_counter(), time.process_time()
    req = parse_request(random_body(random.Random(99)))
    with CatalogSession(engine) as session:
        outcome = find_matches(session, req, tz=TZ)
    done, done_cpu = time.perf_counter(), time.process_time()
    usage = resource.getrusage(resource.RUSAGE_SELF)
    figures = {
        "wall_s": round(done - t0, 3),
        "import_s": round(imported - t0, 3),
        "match_s": round(done - imported, 3),
        "match_cpu_s": round(done_cpu - imported_cpu, 3),
        "cpu_s": round(usage.ru_utime + usage.ru_stime, 3),
        "matches": len(outcome.ranking.matches),
    }
    engine.dispose()
    print(json.dumps(figures))


def run_matches(url: str, n: int = 100_000, matches: int = 200, seed: int = 7) -> dict[str, Any]:
    """Build the catalog at ``url`` if it is empty, then time ``matches`` matches (after 10 that
    warm the caches) and the first match of a new process. Figures in ms unless named ``_s``."""
    built = ensure_catalog(url, n, seed)
    engine = make_engine(url)
    rnd = random.Random(seed + 1)
    wall, cpu, counts = [], [], []
    with CatalogSession(engine) as session:
        for i in range(matches + 10):
            req = parse_request(random_body(rnd))
            start, start_cpu = time.perf_counter(), time.process_time()
            outcome = find_matches(session, req, tz=TZ)
            session.rollback()  # each match in its own transaction, as a request has
            elapsed = (time.perf_counter() - start) * 1000
            elapsed_cpu = (time.process_time() - start_cpu) * 1000
            if i >= 10:
                wall.append(elapsed)
                cpu.append(elapsed_cpu)
                counts.append(len(outcome.ranking.matches) + len(outcome.ranking.excluded))
    services = services_in(url)
    engine.dispose()
    return {
        "database": engine.dialect.name,
        "services": services,
        "catalog_built_s": round(built, 1) if built is not None else None,
        "matches": len(wall),
        "candidates_median": statistics.median(counts),
        "wall_ms": _quantiles(wall),
        "cpu_ms": _quantiles(cpu),
        "first_match": first_match(url),
        "loadavg": Path("/proc/loadavg").read_text().split()[:3],
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--services", type=int, default=100_000)
    ap.add_argument("--matches", type=int, default=200)
    ap.add_argument("--seed", type=int, default=7)
    where = ap.add_mutually_exclusive_group()
    where.add_argument("--db", type=Path, help="keep the catalog in this SQLite file and reuse it")
    where.add_argument("--database", help="a database URL (e.g. PostgreSQL); the catalog is built if empty")
    ap.add_argument("--json", action="store_true", help="print the figures as one JSON object")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        url = args.database or f"sqlite:///{args.db or Path(tmp) / 'bench.db'}"
        figures = run_matches(url, args.services, args.matches, args.seed)
    if args.json:
        print(json.dumps(figures))
        return
    w, c, f = figures["wall_ms"], figures["cpu_ms"], figures["first_match"]
    if figures["catalog_built_s"] is not None:
        print(f"catalog: {figures['services']:,} services built in {figures['catalog_built_s']} s")
    load = " ".join(figures["loadavg"])
    print(f"{figures['database']}, {figures['services']:,} services, load average {load}")
    print(
        f"matches: {figures['matches']} at 25 km; services weighed per match: "
        f"median {figures['candidates_median']}"
    )
    print(f"wall clock per match: p50 {w['p50']} ms, p95 {w['p95']} ms, max {w['max']} ms")
    print(f"CPU time per match: p50 {c['p50']} ms, p95 {c['p95']} ms")
    print(
        f"first match of a new process: {f['wall_s']} s wall ({f['import_s']} s imports, "
        f"{f['match_s']} s the match), CPU {f['cpu_s']} s ({f['match_cpu_s']} s the match)"
    )
    print("target p95 <= 50 ms:", "met" if w["p95"] <= 50 else "NOT met")
    print("target first match <= 0.5 s:", "met" if f["match_s"] <= 0.5 else "NOT met")


if __name__ == "__main__":
    main()
