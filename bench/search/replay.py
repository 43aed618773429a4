"""Replay a realistic query log against a catalog, each run in a new process with cold caches.

`replay(database_url, queries)` starts a new Python process that has never searched, runs
the queries in order through the function the API calls (`search.query.search`), and
reports p50/p95 for all of them, for each text's first search in that process (cold), for
the repeats (warm), the engine's raw top 20 for the same distinct texts (measured in another
new process, each text once), and the first search after each of a few catalog writes
(a service renamed and committed, then a text already searched is searched again).

The log (`make_queries`) is drawn with a Zipf distribution over distinct texts of 1 to 3
words taken from what people type (lay words, not the catalog generator's vocabulary), one
text in ten with a typo, a third of the searches with a radius and a quarter with filters
(language, age, open now, free, gender).

`python -m bench.search.replay --database URL [--distinct 600] [--queries 1000]` runs it
against an existing catalog (a file made by `python -m bench.search --keep DIR`, or any
database with documents).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

CENTER = (39.9612, -82.9988)  # the generated metro area (bench/search/generate.py)

# Words people type into a directory's search box: needs in their own words, who they are,
# and a few professional words; none chosen to be the generator's service names.
LAY = (
    "bed", "beds", "sleep", "homeless", "place to stay", "roof", "cold", "warm", "couch", "evicted",
    "eviction", "rent", "behind on rent", "deposit", "apartment", "housing", "motel", "tent",
    "food", "hungry", "groceries", "meal", "meals", "lunch", "dinner", "breakfast", "pantry",
    "food stamps", "snap", "wic", "baby formula", "diapers", "clothes", "coat", "shoes",
    "doctor", "sick", "nurse", "medicine", "prescriptions", "insurance", "medicaid", "teeth",
    "toothache", "dentist", "glasses", "shots", "vaccine", "pregnant", "pregnancy", "baby",
    "drugs", "drinking", "alcohol", "sober", "rehab", "opioids", "heroin", "fentanyl", "narcan",
    "suboxone", "withdrawal", "addiction", "aa meeting", "needles",
    "depressed", "depression", "anxiety", "sad", "suicidal", "talk to someone", "therapist",
    "counselor", "psychiatrist", "mental", "stress", "grief", "trauma", "ptsd",
    "abuse", "abusive", "hit me", "unsafe", "safe place", "violence", "restraining order",
    "lawyer", "court", "legal", "expunge", "record", "immigration", "papers", "id card",
    "job", "work", "resume", "hiring", "training", "ged", "school", "computer", "phone",
    "shower", "laundry", "bathroom", "toilet", "haircut", "hygiene", "mail",
    "youth", "teen", "kids", "children", "family", "women", "men", "seniors", "elderly",
    "veterans", "disabled", "wheelchair", "spanish", "somali", "arabic", "lgbt", "trans",
    "free", "cheap", "low cost", "walk in", "24 hours", "weekend", "tonight", "emergency",
    "crisis", "hotline", "help", "assistance", "support", "program", "center", "clinic",
    "bus pass", "ride", "transportation", "utility", "electric bill", "heat", "water bill",
)  # fmt: skip
FILTERS = (
    {"language": "es"}, {"age": "17"}, {"age": "30"}, {"open_now": "true"}, {"free": "true"},
    {"gender": "female"}, {"age": "65", "open_now": "true"}, {"language": "so"},
)  # fmt: skip


def typo(word: str, rnd: random.Random) -> str:
    """One slip of the fingers: a letter dropped, doubled, swapped with the next, or replaced."""
    if len(word) < 4:
        return word + rnd.choice("aeiou")
    i = rnd.randrange(1, len(word) - 1)
    kind = rnd.randrange(4)
    if kind == 0:
        return word[:i] + word[i + 1 :]
    if kind == 1:
        return word[:i] + word[i] + word[i:]
    if kind == 2:
        return word[:i] + word[i + 1] + word[i] + word[i + 2 :]
    return word[:i] + rnd.choice("abcdefghijklmnopqrstuvwxyz") + word[i + 1 :]


def distinct_texts(n: int, rnd: random.Random) -> list[str]:
    """n distinct texts of 1-3 lay words, one in ten with a typo in its longest word."""
    out: list[str] = []
    seen: set[str] = set()
    while len(out) < n:
        k = rnd.choices((1, 2, 3), weights=(5, 4, 1))[0]
        words = rnd.sample(LAY, k)
        q = " ".join(words)
        if rnd.random() < 0.1:
            longest = max(words, key=len)
            q = q.replace(longest, typo(longest, rnd), 1)
        if q not in seen:
            seen.add(q)
            out.append(q)
    return out


def make_queries(
    distinct: int = 1000, n: int = 1500, seed: int = 17, zipf_s: float = 0.8
) -> list[dict[str, str]]:
    """A query log: Zipf over `distinct` texts, a third with a radius, a quarter with filters."""
    rnd = random.Random(seed)
    texts = distinct_texts(distinct, rnd)
    weights = [1.0 / (rank + 1) ** zipf_s for rank in range(len(texts))]
    out = []
    for q in rnd.choices(texts, weights=weights, k=n):
        params = {"q": q}
        if rnd.random() < 1 / 3:
            params["lat"] = f"{CENTER[0] + rnd.gauss(0, 0.05):.5f}"
            params["lon"] = f"{CENTER[1] + rnd.gauss(0, 0.06):.5f}"
            params["radius_km"] = rnd.choice(("2", "3", "5", "10"))
        if rnd.random() < 0.25:
            params.update(rnd.choice(FILTERS))
        out.append(params)
    return out


def pct(values: list[float], p: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


def _summary(values: list[float]) -> dict[str, float]:
    if not values:
        return {"n": 0, "p50": float("nan"), "p95": float("nan")}
    return {"n": len(values), "p50": round(statistics.median(values), 1), "p95": round(pct(values, 95), 1)}


def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _worker_search(database_url: str, queries: list[dict[str, str]], writes: int) -> dict[str, Any]:
    """In the new process: the log through `search`, then searches after catalog writes."""
    from sqlalchemy import select

    from catalog.models import Service
    from kernel.db import CatalogSession, make_engine
    from search import hooks
    from search.params import parse_params
    from search.query import SearchContext, search

    hooks.install()
    engine = make_engine(database_url)
    ctx = SearchContext(timezone="America/New_York")
    every, first, again, cpu_every, cpu_first = [], [], [], [], []
    seen: set[str] = set()
    cpu0, wall0 = _cpu(), time.perf_counter()
    with CatalogSession(engine) as session:
        for params in queries:
            t0, c0 = time.perf_counter(), time.process_time()
            search(session, parse_params(params, timezone="America/New_York"), ctx)
            ms, cpu_ms = (time.perf_counter() - t0) * 1000, (time.process_time() - c0) * 1000
            session.rollback()  # one transaction per request, as the app runs it
            every.append(ms)
            cpu_every.append(cpu_ms)
            (again if params["q"] in seen else first).append(ms)
            if params["q"] not in seen:
                cpu_first.append(cpu_ms)
            seen.add(params["q"])
    cpu, wall = _cpu() - cpu0, time.perf_counter() - wall0
    after: list[float] = []
    with CatalogSession(engine) as session:
        services = session.scalars(select(Service).order_by(Service.id).limit(writes)).all()
        ids = [s.id for s in services]
    for i, sid in enumerate(ids):
        with CatalogSession(engine) as session:
            svc = session.get(Service, sid)
            assert svc is not None
            svc.name = f"{svc.name} ({i})"
            session.commit()
        with CatalogSession(engine) as session:
            t0 = time.perf_counter()
            search(session, parse_params(queries[i], timezone="America/New_York"), ctx)
            after.append((time.perf_counter() - t0) * 1000)
            session.rollback()
    for i, sid in enumerate(ids):  # leave the catalog as it was
        with CatalogSession(engine) as session:
            svc = session.get(Service, sid)
            assert svc is not None
            svc.name = svc.name.removesuffix(f" ({i})")
            session.commit()
    after_capacity = _after_capacity_writes(engine, ctx, writes)
    engine.dispose()
    return {
        "all": every, "first": first, "again": again, "after_write": after, "cpu_s": cpu, "wall_s": wall,
        "cpu_all": cpu_every, "cpu_first": cpu_first, "after_capacity": after_capacity,
    }  # fmt: skip


def _after_capacity_writes(engine: Any, ctx: Any, writes: int) -> list[float]:
    """A bed count reported `writes` times (committed by this process), each followed by a
    "places free now" search of a broad text: what a process pays after a capacity write."""
    from sqlalchemy import select

    from catalog.models import ServiceCapacity
    from kernel.db import CatalogSession
    from search.params import parse_params
    from search.query import search

    params = {"q": "shelter", "available": "true"}
    with CatalogSession(engine) as session:
        ids = list(session.scalars(select(ServiceCapacity.id).order_by(ServiceCapacity.id).limit(writes)))
        search(session, parse_params(params, timezone="America/New_York"), ctx)  # stretches kept
    times: list[float] = []
    for cap_id in ids:
        for step in (1, -1):  # one more bed reported, then the count put back
            with CatalogSession(engine) as session:
                figure = session.get_one(ServiceCapacity, cap_id)
                figure.available = (figure.available or 0) + step
                session.commit()
            with CatalogSession(engine) as session:
                t0 = time.perf_counter()
                search(session, parse_params(params, timezone="America/New_York"), ctx)
                times.append((time.perf_counter() - t0) * 1000)
                session.rollback()
    return times


def _worker_raw(database_url: str, queries: list[dict[str, str]]) -> dict[str, Any]:
    """In another new process: the engine's own top 20 for each distinct text, once each (the
    text read as search reads it, not timed)."""
    from sqlalchemy import text

    from kernel.db import CatalogSession, make_engine
    from search import synonyms
    from search.index import Fts5Index, PostgresIndex, index_for
    from search.text import parse

    engine = make_engine(database_url)
    out: list[float] = []
    cpu: list[float] = []
    texts = list(dict.fromkeys(p["q"] for p in queries))
    cpu0 = _cpu()
    with CatalogSession(engine) as session:
        conn = session.connection()
        index = index_for(conn)
        table = synonyms.load_table(session)
        for q in texts:
            parsed = parse(conn, index, q, table)
            if parsed.query is None:
                continue
            if isinstance(index, PostgresIndex):
                sql = text(
                    "SELECT id, name FROM search_document WHERE tsv @@ to_tsquery('english', :q) ORDER BY "
                    "ts_rank('{0.1,0.3,0.6,1.0}'::float4[], tsv, to_tsquery('english', :q)) DESC LIMIT 20"
                )
                args = {"q": index.tsquery(parsed.query)}
            else:
                assert isinstance(index, Fts5Index)
                sql = text(
                    "SELECT d.id, d.name, f.rank FROM (SELECT rowid, rank FROM search_fts "
                    "WHERE search_fts MATCH :m ORDER BY rank LIMIT 20) f "
                    "JOIN search_document d ON d.id = f.rowid ORDER BY f.rank"
                )
                args = {"m": index.match_expression(parsed.query)}
            t0, c0 = time.perf_counter(), time.process_time()
            conn.execute(sql, args).all()
            out.append((time.perf_counter() - t0) * 1000)
            cpu.append((time.process_time() - c0) * 1000)
    engine.dispose()
    return {"raw": out, "cpu_raw": cpu, "cpu_s": _cpu() - cpu0}


def _in_new_process(
    kind: str, database_url: str, queries: list[dict[str, str]], writes: int
) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="linkage-replay-") as tmp:
        path = Path(tmp) / "queries.json"
        path.write_text(json.dumps(queries))
        out = subprocess.run(
            [sys.executable, "-m", "bench.search.replay", "--worker", kind, "--database", database_url,
             "--log", str(path), "--writes", str(writes)],
            cwd=ROOT, capture_output=True, text=True, check=True, env={**os.environ},
        ).stdout  # fmt: skip
    result: dict[str, Any] = json.loads(out.strip().splitlines()[-1])
    return result


def replay(
    database_url: str, queries: list[dict[str, str]], writes: int = 5, raw: bool = True
) -> dict[str, Any]:
    """Run `queries` in a new process (cold caches) and the engine's raw top 20 of the same
    texts in another; returns p50/p95 (ms) of each part, CPU seconds and the load average."""
    load_before = Path("/proc/loadavg").read_text().split()[:3] if Path("/proc/loadavg").exists() else []
    found = _in_new_process("search", database_url, queries, writes)
    result: dict[str, Any] = {
        "queries": len(queries),
        "distinct": len({p["q"] for p in queries}),
        "all": _summary(found["all"]),
        "first_seen": _summary(found["first"]),
        "warm_repeats": _summary(found["again"]),
        "first_after_write": _summary(found["after_write"]),
        "cpu_ms_all": _summary(found["cpu_all"]),
        "cpu_ms_first_seen": _summary(found["cpu_first"]),
        "after_write_ms": [round(x, 1) for x in found["after_write"]],
        "first_after_capacity_write": _summary(found["after_capacity"]),
        "after_capacity_write_ms": [round(x, 1) for x in found["after_capacity"]],
        "cpu_s": round(found["cpu_s"], 2),
        "wall_s": round(found["wall_s"], 2),
        "loadavg_before": load_before,
    }
    if raw:
        engine_raw = _in_new_process("raw", database_url, queries, 0)
        result["raw_top20"] = _summary(engine_raw["raw"])
        result["cpu_ms_raw_top20"] = _summary(engine_raw["cpu_raw"])
        result["raw_cpu_s"] = round(engine_raw["cpu_s"], 2)
    result["loadavg_after"] = Path("/proc/loadavg").read_text().split()[:3] if load_before else []
    return result


def print_report(result: dict[str, Any], label: str = "") -> None:
    print(
        f"replay {label}: {result['queries']} searches over {result['distinct']} distinct texts, new process"
    )
    print(f"{'':28s} {'n':>5s} {'p50 ms':>8s} {'p95 ms':>8s}")
    for key, name in (
        ("all", "all searches"), ("first_seen", "first search of a text"), ("warm_repeats", "warm repeats"),
        ("raw_top20", "raw engine top 20 (cold)"), ("first_after_write", "first search after a write"),
        ("first_after_capacity_write", "free-now after a bed count"),
        ("cpu_ms_all", "CPU ms, all searches"), ("cpu_ms_first_seen", "CPU ms, first of a text"),
        ("cpu_ms_raw_top20", "CPU ms, raw engine top 20"),
    ):  # fmt: skip
        if key in result:
            s = result[key]
            print(f"{name:28s} {s['n']:5d} {s['p50']:8.1f} {s['p95']:8.1f}")
    load = f"{result['loadavg_before']} -> {result['loadavg_after']}"
    print(f"CPU {result['cpu_s']} s for {result['wall_s']} s wall; load average {load}")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--database", required=True)
    ap.add_argument("--distinct", type=int, default=1000)
    ap.add_argument("--queries", type=int, default=1500)
    ap.add_argument("--writes", type=int, default=5)
    ap.add_argument("--worker", choices=("search", "raw"))
    ap.add_argument("--log", help="(worker) the queries as JSON")
    args = ap.parse_args()
    if args.worker:
        queries = json.loads(Path(args.log).read_text())
        if args.worker == "search":
            print(json.dumps(_worker_search(args.database, queries, args.writes)))
        else:
            print(json.dumps(_worker_raw(args.database, queries)))
        return
    result = replay(args.database, make_queries(args.distinct, args.queries), writes=args.writes)
    print_report(result)
    print(json.dumps(result))


if __name__ == "__main__":
    main()
