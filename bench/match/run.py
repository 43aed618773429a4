"""Benchmark matching: `python -m bench.match` (or `python bench/match/run.py`).

Generates a 100,000-service catalog around 25 US metros into a SQLite file in a temporary
directory (bulk inserts through SQLAlchemy core), then runs 200 matches at 25 km around
random metro points with random needs and clients, end to end through
``matching.service.find_matches`` (needs resolved, candidates gathered, ranked).

Target: p95 <= 50 ms per match on 2 cores.
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


from app.commands import upgrade  # noqa: E402
from kernel.db import Base, CatalogSession, make_engine  # noqa: E402
from matching import queries  # noqa: E402
from matching.core import rank  # noqa: E402
from matching.parse import parse_request  # noqa: E402
from matching.points import PointsCache  # noqa: E402
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
WORDS = ["shelter", "food", "detox", "counseling", "legal aid", "youth", "crisis"]


def build(path: Path, n: int, seed: int) -> None:
    rnd = random.Random(seed)
    upgrade(f"sqlite:///{path}")  # the schema production has (the search index's tables too)
    engine = make_engine(f"sqlite:///{path}")
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
    org_id = None
    for i in range(n):
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
    tables = Base.metadata.tables
    with engine.begin() as conn:
        conn.execute(
            tables["taxonomy"].insert(), [{"id": tax_id, "name": "Open Eligibility", "description": ""}]
        )
        conn.execute(tables["taxonomy_term"].insert(), terms)
        conn.execute(tables["unit"].insert(), [{"id": unit_id, "name": "bed"}])
        for name in (
            "organization",
            "service",
            "location",
            "service_at_location",
            "attribute",
            "language",
            "schedule",
            "service_capacity",
            "required_document",
        ):
            data = rows[name]
            for k in range(0, len(data), 20000):
                conn.execute(tables[name].insert(), data[k : k + 20000])
    with CatalogSession(engine) as session:  # needs given as words are read by search's parser
        rebuild(session)
        session.commit()
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


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--services", type=int, default=100_000)
    ap.add_argument("--matches", type=int, default=200)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--db", type=Path, help="keep the catalog in this SQLite file and reuse it")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        path = args.db or Path(tmp) / "bench.db"
        if not path.exists():
            t0 = time.perf_counter()
            build(path, args.services, args.seed)
            print(f"catalog: {args.services:,} services built in {time.perf_counter() - t0:.1f} s")
        engine = make_engine(f"sqlite:///{path}")
        rnd = random.Random(args.seed + 1)
        totals, cpu, gathers, ranks, counts = [], [], [], [], []
        cache = PointsCache(ttl=3600)
        with CatalogSession(engine) as session:
            t0 = time.perf_counter()
            points = cache.get(session)
            print(
                f"in-process index of {len(points.sal_ids):,} service locations built in "
                f"{time.perf_counter() - t0:.1f} s"
            )
            for i in range(args.matches + 10):
                req = parse_request(random_body(rnd))
                start, start_cpu = time.perf_counter(), time.process_time()
                outcome = find_matches(session, req, tz="America/New_York", points=cache)
                elapsed = (time.perf_counter() - start) * 1000
                elapsed_cpu = (time.process_time() - start_cpu) * 1000
                if i >= 10:  # the first few warm the caches
                    totals.append(elapsed)
                    cpu.append(elapsed_cpu)
                    # the split, measured separately on the same request
                    g0 = time.perf_counter()
                    cands = queries.gather(session, outcome.needs, tz="America/New_York", points=points)
                    g1 = time.perf_counter()
                    rank(outcome.needs, cands, None, req.weights, limit=req.limit)
                    g2 = time.perf_counter()
                    gathers.append((g1 - g0) * 1000)
                    ranks.append((g2 - g1) * 1000)
                    counts.append(len(cands))
        engine.dispose()
    q = statistics.quantiles(totals, n=100)
    qc = statistics.quantiles(cpu, n=100)
    print(
        f"matches: {len(totals)} at 25 km; candidates per match: median "
        f"{statistics.median(counts):.0f}, max {max(counts)}"
    )
    print(
        f"per match: p50 {q[49]:.1f} ms, p95 {q[94]:.1f} ms, max {max(totals):.1f} ms "
        f"(gather p50 {statistics.median(gathers):.1f} ms, rank p50 {statistics.median(ranks):.1f} ms)"
    )
    print(f"CPU time per match: p50 {qc[49]:.1f} ms, p95 {qc[94]:.1f} ms")
    print("target p95 <= 50 ms:", "met" if q[94] <= 50 else "NOT met")


if __name__ == "__main__":
    main()
