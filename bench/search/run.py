"""Benchmark search: `python -m bench.search [--services N] [--queries 200] [--database URL]`.

Generates N service-locations (default 100,000) over one metro area in a migrated SQLite
file (or, with --database, in a schema of its own on that PostgreSQL server), times
`linkage index rebuild`'s work, then runs a mix of queries through the same function the
API calls (text; text + radius; text + radius + filters; open now) and the same texts as
raw engine queries in the same run (SQLite: FTS5's top 20 chosen by `ORDER BY rank` in a
subquery, joined afterwards; PostgreSQL: the tsvector's top 20 by ts_rank). Finally serves
the app with gunicorn (2 workers) and loads `/api/v1/search` from loopback with wrk.
Targets (2 cores): p95 <= 30 ms for text + radius + filters, p95 of the whole mix no worse
than raw FTS5's, rebuild <= 10 s, no HTTP errors. `--replay` runs replay.py's cold replay
of a Zipf query log instead of the mix (the measure of issue 17); `--keep DIR` keeps the
SQLite catalog for more replays (`python -m bench.search.replay --database sqlite:///DIR/linkage.db`).
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from sqlalchemy import select, text  # noqa: E402
from sqlalchemy.orm import Session  # noqa: E402

from app.commands import upgrade  # noqa: E402
from bench.search.generate import CENTER, generate  # noqa: E402
from bench.search.replay import make_queries, print_report, replay  # noqa: E402
from catalog.models import Service  # noqa: E402
from kernel.db import CatalogSession, make_engine  # noqa: E402
from search import hooks, synonyms  # noqa: E402
from search.index import Fts5Index, PostgresIndex, index_for  # noqa: E402
from search.params import parse_params  # noqa: E402
from search.query import SearchContext, cache_for, search  # noqa: E402
from search.rebuild import rebuild  # noqa: E402
from search.text import parse  # noqa: E402

TEXTS = (
    "shelter", "food pantry", "detox", "shleter", "counseling", "i need a bed tonight", "legal aid", "dental",
    "rent help", "showers", "methadone", "crisis", "job training", "free meals", "domestic violence",
    "withdrawal management", "clinic", "recovery housing", "pantyr", "food bank", "soup kitchen", "therapy",
)  # fmt: skip


def mix(n: int, rnd: random.Random) -> list[tuple[str, dict[str, str]]]:
    def point() -> dict[str, str]:
        return {
            "lat": f"{CENTER[0] + rnd.gauss(0, 0.05):.5f}",
            "lon": f"{CENTER[1] + rnd.gauss(0, 0.06):.5f}",
        }

    out: list[tuple[str, dict[str, str]]] = []
    for i in range(n):
        q = rnd.choice(TEXTS)
        kind = ("text", "text+radius", "text+radius+filters", "open now")[i % 4]
        params = {"q": q}
        if kind != "text":
            params.update(point())
            params["radius_km"] = rnd.choice(("2", "3", "5"))
        if kind == "text+radius+filters":
            extra = rnd.choice(({"language": "es"}, {"age": "30"}, {"free": "true"}, {"available": "true"},
                                {"taxonomy": "housing"}, {"gender": "female", "free": "true"}))  # fmt: skip
            params.update(extra)
        if kind == "open now":
            params["open_now"] = "true"
        out.append((kind, params))
    return out


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


def raw_postgres(conn: Any, tsquery: str) -> list[Any]:
    """PostgreSQL's own top 20: the weighted tsvector, GIN, ts_rank, the same weights."""
    sql = text(
        "SELECT id, name FROM search_document WHERE tsv @@ to_tsquery('english', :q) "
        "ORDER BY ts_rank('{0.1,0.3,0.6,1.0}'::float4[], tsv, to_tsquery('english', :q)) DESC LIMIT 20"
    )
    return list(conn.execute(sql, {"q": tsquery}))


def raw_fts5(conn: Any, match: str) -> list[Any]:
    sql = text(
        "SELECT d.id, d.name, f.rank FROM (SELECT rowid, rank FROM search_fts WHERE search_fts MATCH :m "
        "ORDER BY rank LIMIT 20) f JOIN search_document d ON d.id = f.rowid ORDER BY f.rank"
    )
    return list(conn.execute(sql, {"m": match}))


def http_load(url: str, data_dir: Path, seconds: int) -> dict[str, Any]:
    wrk = shutil.which("wrk")
    if not wrk:
        return {"skipped": "wrk not installed"}
    env = {**os.environ, "DATABASE_URL": url, "LINKAGE_DATA_DIR": str(data_dir)}
    gunicorn = str(Path(sys.executable).with_name("gunicorn"))
    server = subprocess.Popen(
        [gunicorn, "--workers", "2", "--bind", "127.0.0.1:18765", "--log-level", "warning", "wsgi:app"],
        cwd=ROOT, env=env,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 120
        while True:  # workers import the app; wait until one answers
            try:
                with urllib.request.urlopen("http://127.0.0.1:18765/api/v1/search?q=shelter", timeout=30):  # noqa: S310
                    break
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(1)
        script = data_dir / "paths.lua"
        rnd = random.Random(3)
        paths = ["/api/v1/search?" + urllib.parse.urlencode(p) for _, p in mix(40, rnd)]
        script.write_text(
            "local paths = {" + ",".join(f'"{p}"' for p in paths) + "}\nlocal i = 0\n"
            "request = function()\n  i = i % #paths + 1\n  return wrk.format('GET', paths[i])\nend\n"
        )
        out = subprocess.run(
            [wrk, "-t2", "-c8", f"-d{seconds}s", "--timeout", "10s", "-s", str(script), "http://127.0.0.1:18765"],
            capture_output=True, text=True, check=True,
        ).stdout  # fmt: skip
        rps = float(next(line.split()[1] for line in out.splitlines() if line.startswith("Requests/sec")))
        errors = "Non-2xx" in out or "Socket errors" in out or rps == 0
        return {"requests_per_s": rps, "errors": errors, "wrk": out.strip()}
    finally:
        server.terminate()
        server.wait(timeout=20)


def kept_match_sets(session: Session) -> int:
    """How many texts' match sets this process keeps now (to tell first reads in the mix)."""
    conn = session.connection()
    index = index_for(conn)
    state = cache_for(index).state(index.generation(conn))
    return len(state.matches) if state is not None else 0


def first_after_write(session: Session, queries: list[Any], ctx: SearchContext) -> list[float]:
    """Rename one service (the hook rewrites its document, so the generation changes), then
    time the next search: what a process pays once after each write."""
    hooks.install()
    out = []
    services = session.scalars(select(Service).limit(5)).all()
    for i, svc in enumerate(services):
        svc.name = f"{svc.name} ({i})"
        session.flush()
        p = parse_params(queries[i][1])
        t0 = time.perf_counter()
        search(session, p, ctx)
        out.append((time.perf_counter() - t0) * 1000)
    session.rollback()
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--services", type=int, default=100_000)
    ap.add_argument("--queries", type=int, default=200)
    ap.add_argument("--no-http", action="store_true")
    ap.add_argument("--seconds", type=int, default=15)
    ap.add_argument("--database", help="a PostgreSQL URL (default: a temporary SQLite file)")
    ap.add_argument(
        "--replay",
        action="store_true",
        help="replay a Zipf log of lay words in new processes (replay.py) instead",
    )
    ap.add_argument(
        "--keep", help="keep the generated catalog (SQLite: in this directory; PostgreSQL: its schema)"
    )
    args = ap.parse_args()
    tmp = Path(args.keep) if args.keep else Path(tempfile.mkdtemp(prefix="linkage-search-bench-"))
    tmp.mkdir(parents=True, exist_ok=True)
    url = f"sqlite:///{tmp / 'linkage.db'}"
    schema = None
    if args.database:
        schema = f"linkage_bench_{os.getpid()}"
        with make_engine(args.database).begin() as conn:
            conn.execute(text(f'CREATE SCHEMA "{schema}"'))
        sep = "&" if "?" in args.database else "?"
        url = f"{args.database}{sep}options=-csearch_path%3D{schema}"
    upgrade(url)
    engine = make_engine(url)
    t0 = time.perf_counter()
    generate(engine, args.services)
    print(f"generated {args.services} service-locations in {time.perf_counter() - t0:.1f} s")
    with CatalogSession(engine) as session:
        t0 = time.perf_counter()
        count = rebuild(session)
        session.commit()
        build_s = time.perf_counter() - t0
    print(f"index rebuild: {count} documents in {build_s:.2f} s")
    if args.replay:
        engine.dispose()
        print_report(replay(url, make_queries()), f"({count} documents)")
        _clean_up(args, schema, tmp)
        return

    rnd = random.Random(11)
    queries = mix(args.queries, rnd)
    ctx = SearchContext(timezone="America/New_York")
    times: dict[str, list[float]] = {}
    raw: list[float] = []
    fresh: dict[str, list[float]] = {}
    cold: list[float] = []
    index = Fts5Index() if schema is None else PostgresIndex()
    with CatalogSession(engine) as session:
        for _, params in queries[:20]:  # warm caches
            search(session, parse_params(params), ctx)
        for kind, params in queries:
            p = parse_params(params)
            kept = kept_match_sets(session)
            t0 = time.perf_counter()
            body = search(session, p, ctx)
            times.setdefault(kind, []).append((time.perf_counter() - t0) * 1000)
            if kept_match_sets(session) > kept:
                cold.append(times[kind][-1])
            assert body["results"] is not None
        fresh_ctx = SearchContext(timezone="America/New_York", cache=False)
        for kind, params in queries:
            p = parse_params(params)
            t0 = time.perf_counter()
            search(session, p, fresh_ctx)
            fresh.setdefault(kind, []).append((time.perf_counter() - t0) * 1000)
        after_write = first_after_write(session, queries, ctx)
        conn = session.connection()
        table = synonyms.load_table(session)
        for _, params in queries:
            parsed = parse(conn, index, params["q"], table)
            if isinstance(index, PostgresIndex):
                tsq = index.tsquery(parsed.query) if parsed.query else "''"
                t0 = time.perf_counter()
                raw_postgres(conn, tsq)
            else:
                match = index.match_expression(parsed.query) if parsed.query else '""'
                t0 = time.perf_counter()
                raw_fts5(conn, match)
            raw.append((time.perf_counter() - t0) * 1000)
    every = [t for ts in times.values() for t in ts]
    print(f"{'queries':28s} {'n':>4s} {'p50 ms':>8s} {'p95 ms':>8s}")
    for kind, ts in times.items():
        print(f"{kind:28s} {len(ts):4d} {statistics.median(ts):8.1f} {pct(ts, 95):8.1f}")
    print(f"{'whole mix':28s} {len(every):4d} {statistics.median(every):8.1f} {pct(every, 95):8.1f}")
    print(f"{'raw engine, same texts':28s} {len(raw):4d} {statistics.median(raw):8.1f} {pct(raw, 95):8.1f}")
    print(f"ratio p95 whole mix / raw engine: {pct(every, 95) / pct(raw, 95):.2f}")
    if cold:
        print(f"{'of which a text read first':28s} {len(cold):4d} {statistics.median(cold):8.1f} "
              f"{pct(cold, 95):8.1f}")  # fmt: skip
    print("the same mix read afresh every time (cache=False: no match sets kept between searches)")
    for kind, ts in fresh.items():
        print(f"{kind:28s} {len(ts):4d} {statistics.median(ts):8.1f} {pct(ts, 95):8.1f}")
    every_fresh = [t for ts in fresh.values() for t in ts]
    print(f"{'whole mix, fresh':28s} {len(every_fresh):4d} {statistics.median(every_fresh):8.1f} "
          f"{pct(every_fresh, 95):8.1f}")  # fmt: skip
    print(f"first search after a catalog write (its match set read again by a join): "
          f"median {statistics.median(after_write):.1f} ms, max {max(after_write):.1f} ms")  # fmt: skip
    if not args.no_http:
        result = http_load(url, tmp, args.seconds)
        print(result.get("wrk", result))
        if "requests_per_s" in result:
            print(f"HTTP /api/v1/search, gunicorn 2 workers: {result['requests_per_s']:.0f} req/s, "
                  f"errors: {result['errors']}")  # fmt: skip
    engine.dispose()
    _clean_up(args, schema, tmp)


def _clean_up(args: Any, schema: str | None, tmp: Path) -> None:
    if schema is not None and args.keep:
        print(f"kept the catalog in schema {schema}")
    elif schema is not None:
        with make_engine(args.database).begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
    if not args.keep:
        shutil.rmtree(tmp, ignore_errors=True)
