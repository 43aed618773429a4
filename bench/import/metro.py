"""Benchmark `linkage import` from outside, on a catalog shaped like a metro's directory.

`python -m bench.import.metro [--services 10000 100000] [--database URL] [--batch N]`

Generates N HSDS 3.0 services around one metro as NDJSON, each with its own organization,
1.4 languages on average, a phone, a weekly schedule, an eligibility attribute (one of a few
shared Open Eligibility terms), one service_at_location with its location and address, and
for 40% of them a bed capacity (HSDS 3.1): about 9.8 rows per service. Then runs the real
CLI, `linkage import FILE` in a subprocess, twice (the second run has nothing to write), and
reports for each: wall clock, CPU time and peak RSS of the child (getrusage of children), the
load average, and on SQLite the longest time the database's write lock was held, seen from
outside: a probe connection takes and gives back the write lock (`BEGIN IMMEDIATE`) every
20 ms and records how long each attempt waited.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from sqlalchemy import text  # noqa: E402

from app.commands import upgrade  # noqa: E402
from kernel.db import make_engine  # noqa: E402

WORDS = "food pantry shelter clinic legal aid housing counseling youth senior meals job training".split()  # noqa: SIM905
LANGUAGES = [("English", "en"), ("Spanish", "es"), ("Vietnamese", "vi"), ("Somali", "so")]
TERMS = [("veteran", "Veterans"), ("homeless", "Homeless"), ("women", "Women"), ("youth", "Youth")]


def _id(rnd: random.Random) -> str:
    return str(uuid.UUID(int=rnd.getrandbits(128), version=4))


def generate(path: Path, n: int, seed: int = 17) -> float:
    """Write the catalog; returns its HSDS rows per service."""
    rnd = random.Random(seed)
    terms = [{"id": _id(rnd), "code": code, "name": name} for code, name in TERMS]
    unit = {"id": _id(rnd), "name": "bed"}
    rows = 0
    with path.open("w", encoding="utf-8") as fh:
        for i in range(n):
            sid = _id(rnd)
            name = " ".join(rnd.choice(WORDS).title() for _ in range(3)) + f" {i}"
            langs = [LANGUAGES[0]] + ([rnd.choice(LANGUAGES[1:])] if rnd.random() < 0.4 else [])
            svc = {
                "id": sid,
                "name": name,
                "status": "active",
                "description": f"{name}: help for people in the metro area.",
                "email": f"info{i}@example.org",
                "url": f"https://example.org/{i}",
                "organization": {"id": _id(rnd), "name": f"{name} Inc.", "description": "A nonprofit."},
                "languages": [{"id": _id(rnd), "name": lname, "code": code} for lname, code in langs],
                "phones": [{"id": _id(rnd), "number": f"614-555-{i % 10000:04d}", "type": "voice"}],
                "schedules": [
                    {
                        "id": _id(rnd),
                        "freq": "WEEKLY",
                        "byday": "MO,TU,WE,TH,FR",
                        "opens_at": "09:00",
                        "closes_at": "17:00",
                    }
                ],
                "attributes": [
                    {
                        "id": _id(rnd),
                        "link_type": "eligibility",
                        "taxonomy_term": rnd.choice(terms),
                        "value": "yes",
                    }
                ],
                "service_at_locations": [
                    {
                        "id": _id(rnd),
                        "location": {
                            "id": _id(rnd),
                            "location_type": "physical",
                            "name": name,
                            "latitude": round(39.85 + rnd.random() * 0.25, 6),
                            "longitude": round(-83.15 + rnd.random() * 0.3, 6),
                            "addresses": [
                                {
                                    "id": _id(rnd),
                                    "address_1": f"{rnd.randint(1, 9999)} High St",
                                    "city": "Columbus",
                                    "state_province": "OH",
                                    "postal_code": "43215",
                                    "country": "US",
                                    "address_type": "physical",
                                }
                            ],
                        },
                    }
                ],
            }
            rows += 8 + len(langs)
            if rnd.random() < 0.4:
                maximum = rnd.randint(5, 80)
                svc["capacities"] = [
                    {
                        "id": _id(rnd),
                        "unit": unit,
                        "available": rnd.randint(0, maximum),
                        "maximum": maximum,
                        "updated": "2026-12-01T08:00:00Z",
                    }
                ]
                rows += 1
            fh.write(json.dumps(svc) + "\n")
    return rows / n


class LockProbe(threading.Thread):
    """Takes SQLite's write lock and gives it back every 20 ms; records the longest wait."""

    def __init__(self, db_file: str) -> None:
        super().__init__(daemon=True)
        self.db_file, self.longest, self.stop = db_file, 0.0, threading.Event()
        self.failures = 0

    def run(self) -> None:
        conn = sqlite3.connect(self.db_file, isolation_level=None, timeout=600)
        while not self.stop.is_set():
            t0 = time.perf_counter()
            try:
                conn.execute("BEGIN IMMEDIATE")
                conn.execute("ROLLBACK")
            except sqlite3.OperationalError:
                self.failures += 1
            self.longest = max(self.longest, time.perf_counter() - t0)
            time.sleep(0.02)
        conn.close()


def run_cli(url: str, data: Path, data_dir: Path, extra: list[str]) -> dict[str, float]:
    env = dict(os.environ, DATABASE_URL=url, LINKAGE_DATA_DIR=str(data_dir))
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    load = os.getloadavg()[0]
    probe = None
    if url.startswith("sqlite:///"):
        probe = LockProbe(url.removeprefix("sqlite:///"))
        probe.start()
    t0 = time.perf_counter()
    out = subprocess.run(
        [str(Path(sys.executable).parent / "linkage"), "import", str(data), "--source", "metro", *extra],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    wall = time.perf_counter() - t0
    if probe is not None:
        probe.stop.set()
        probe.join()
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if out.returncode != 0:
        raise SystemExit(f"linkage import failed:\n{out.stdout}\n{out.stderr}")
    return {
        "wall": wall,
        "cpu": (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime),
        "rss_mb": after.ru_maxrss / 1024,
        "load": load,
        "lock": probe.longest if probe else float("nan"),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--services", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--database", default=None, help="Database URL (default: a temporary SQLite file).")
    parser.add_argument("--again", action="store_true", help="Also import the same file a second time.")
    args = parser.parse_args()
    for n in args.services:
        with tempfile.TemporaryDirectory() as tmp:
            data = Path(tmp) / f"metro-{n}.ndjson"
            per = generate(data, n)
            url = args.database or f"sqlite:///{tmp}/metro.db"
            engine = make_engine(url)
            if engine.dialect.name == "postgresql":
                with engine.begin() as conn:
                    conn.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
            engine.dispose()
            upgrade(url)
            for label in ("first", "again") if args.again else ("first",):
                r = run_cli(url, data, Path(tmp) / "data", [])
                print(
                    f"{n:>7} services ({per:.2f} rows each), {label}: {r['wall']:6.1f} s wall"
                    f" = {n / r['wall']:6.0f} services/s; CPU {r['cpu']:6.1f} s = {n / r['cpu']:6.0f}/s;"
                    f" peak RSS {r['rss_mb']:6.0f} MB; write lock held at most {r['lock']:.2f} s;"
                    f" load {r['load']:.1f}",
                    flush=True,
                )


if __name__ == "__main__":
    main()
