"""Search and match timings in a process of their own: `python -m bench.scale.probe URL`.

A fresh process is what "cold" means: nothing kept yet (search's match sets and facts of the
index generation, matching's index of service locations). Each query runs once cold, then
the same list again warm. Prints one JSON object.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.scale.source import CATEGORIES, METROS  # noqa: E402
from kernel.db import CatalogSession, make_engine  # noqa: E402
from matching.parse import parse_request  # noqa: E402
from matching.service import find_matches  # noqa: E402
from search.params import parse_params  # noqa: E402
from search.query import SearchContext, search  # noqa: E402

TEXTS = (
    "shelter", "food pantry", "detox", "shleter", "counseling", "legal aid", "dental", "crisis",
    "job training", "free meals", "domestic violence", "withdrawal management", "clinic",
    "recovery housing", "food bank", "soup kitchen", "therapy", "tutoring", "pantyr", "employment",
)  # fmt: skip
TZ = "America/New_York"


def _point(rnd: random.Random, n_metros: int) -> tuple[float, float]:
    _, _, lat, lon, _, _ = rnd.choice(METROS[:n_metros])
    return lat + rnd.gauss(0, 0.08), lon + rnd.gauss(0, 0.1)


def search_params(n: int, n_metros: int, rnd: random.Random) -> list[dict[str, str]]:
    """Text alone, text near a point of a metro, with a filter, and open now, in turn."""
    out = []
    for i in range(n):
        params = {"q": rnd.choice(TEXTS)}
        if i % 4:
            lat, lon = _point(rnd, n_metros)
            params.update(lat=f"{lat:.5f}", lon=f"{lon:.5f}", radius_km=rnd.choice(("5", "10", "25")))
        if i % 4 == 2:
            params.update(rnd.choice(({"language": "es"}, {"available": "true"}, {"age": "30"})))
        if i % 4 == 3:
            params["open_now"] = "true"
        out.append(params)
    return out


def match_bodies(n: int, n_metros: int, rnd: random.Random) -> list[dict[str, Any]]:
    needs = [c[0] for c in CATEGORIES] + ["shelter", "detox", "food", "counseling", "legal aid"]
    out = []
    for _ in range(n):
        lat, lon = _point(rnd, n_metros)
        out.append({
            "needs": [rnd.choice(needs)], "location": {"lat": lat, "lon": lon}, "radius_km": 25,
            "urgency": rnd.choice([None, "now", "tonight", "this_week"]),
            "client": {"age": rnd.choice([None, 17, 35, 67]), "languages": rnd.choice([[], ["es"]])},
            "limit": 20,
        })  # fmt: skip
    return out


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def summary(wall: list[float], cpu: list[float]) -> dict[str, float]:
    return {
        "n": len(wall),
        "p50_ms": statistics.median(wall),
        "p95_ms": pct(wall, 95),
        "max_ms": max(wall),
        "cpu_p50_ms": statistics.median(cpu),
        "cpu_p95_ms": pct(cpu, 95),
    }


def timed(fn: Any, items: list[Any]) -> tuple[list[float], list[float], list[Any]]:
    wall, cpu, answers = [], [], []
    for item in items:
        t0, c0 = time.perf_counter(), time.process_time()
        answers.append(fn(item))
        wall.append((time.perf_counter() - t0) * 1000)
        cpu.append((time.process_time() - c0) * 1000)
    return wall, cpu, answers


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("url")
    ap.add_argument("--metros", type=int, default=50)
    ap.add_argument("--queries", type=int, default=200)
    ap.add_argument("--matches", type=int, default=200)
    ap.add_argument("--seed", type=int, default=23)
    args = ap.parse_args()
    rnd = random.Random(args.seed)
    engine = make_engine(args.url)
    result: dict[str, Any] = {}
    with CatalogSession(engine) as session:
        ctx = SearchContext(timezone=TZ)
        params = search_params(args.queries, args.metros, rnd)
        parsed = [parse_params(p) for p in params]
        for label in ("search_cold", "search_warm"):
            wall, cpu, answers = timed(lambda p: search(session, p, ctx), parsed)
            result[label] = summary(wall, cpu)
            result[label]["first_ms"] = wall[0]
            result[label]["results_median"] = statistics.median(len(a["results"]) for a in answers)
        bodies = [parse_request(b) for b in match_bodies(args.matches, args.metros, rnd)]
        for label in ("match_cold", "match_warm"):
            wall, cpu, answers = timed(lambda r: find_matches(session, r, tz=TZ).ranking.as_dict(), bodies)
            result[label] = summary(wall, cpu)
            result[label]["first_ms"] = wall[0]  # cold: the first statements compiled in this process
            result[label]["matches_median"] = statistics.median(len(a["matches"]) for a in answers)
    engine.dispose()
    print(json.dumps(result))


if __name__ == "__main__":
    main()
