"""Benchmark HSDS JSON import: `python -m bench.import [--services 10000 100000] [--database URL]`.

Generates N HSDS 3.0 services as NDJSON (each nested with its organization, one location with
an address and coordinates, a phone, a weekly schedule and a language), imports them into a
freshly migrated database through `run_import` (the same path as `linkage import`, change log
and search hooks included, no geocoding since every location has good coordinates) and
commits; then imports the same file again (nothing to write). Prints services per second.

Target: at least 2,000 services/s for the first import on a 2-core machine.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from sqlalchemy import text  # noqa: E402

from app.commands import upgrade  # noqa: E402
from catalog import changelog  # noqa: E402
from importers import run_import  # noqa: E402
from kernel.db import CatalogSession, make_engine  # noqa: E402
from search import hooks  # noqa: E402

WORDS = "food pantry shelter clinic legal aid housing counseling youth senior meals job training".split()  # noqa: SIM905


def generate(path: Path, n: int, seed: int = 11) -> None:
    rnd = random.Random(seed)
    orgs = [str(uuid.UUID(int=rnd.getrandbits(128), version=4)) for _ in range(max(1, n // 4))]
    with path.open("w", encoding="utf-8") as fh:
        for i in range(n):
            sid = str(uuid.UUID(int=rnd.getrandbits(128), version=4))
            oid = orgs[i % len(orgs)]
            lid = str(uuid.UUID(int=rnd.getrandbits(128), version=4))
            name = " ".join(rnd.choice(WORDS).title() for _ in range(3)) + f" {i}"
            svc = {
                "id": sid,
                "name": name,
                "status": "active",
                "description": f"{name}: services for the county.",
                "email": f"info{i}@example.org",
                "url": f"https://example.org/{i}",
                "organization": {"id": oid, "name": f"Organization {oid[:8]}", "description": "A nonprofit."},
                "phones": [
                    {
                        "id": str(uuid.UUID(int=rnd.getrandbits(128), version=4)),
                        "number": f"614-555-{i % 10000:04d}",
                        "type": "voice",
                    }
                ],
                "schedules": [
                    {
                        "id": str(uuid.UUID(int=rnd.getrandbits(128), version=4)),
                        "freq": "WEEKLY",
                        "byday": "MO,TU,WE,TH,FR",
                        "opens_at": "09:00",
                        "closes_at": "17:00",
                    }
                ],
                "languages": [
                    {
                        "id": str(uuid.UUID(int=rnd.getrandbits(128), version=4)),
                        "name": "English",
                        "code": "en",
                    }
                ],
                "service_at_locations": [
                    {
                        "id": str(uuid.UUID(int=rnd.getrandbits(128), version=4)),
                        "location": {
                            "id": lid,
                            "location_type": "physical",
                            "name": name,
                            "latitude": round(39.8 + rnd.random() * 0.3, 6),
                            "longitude": round(-83.1 + rnd.random() * 0.3, 6),
                            "addresses": [
                                {
                                    "id": str(uuid.UUID(int=rnd.getrandbits(128), version=4)),
                                    "address_1": f"{rnd.randint(1, 9999)} Main St",
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
            fh.write(json.dumps(svc) + "\n")


def run(url: str, n: int) -> tuple[float, float]:
    with tempfile.TemporaryDirectory() as tmp:
        data = Path(tmp) / f"services-{n}.ndjson"
        generate(data, n)
        engine = make_engine(url)
        if engine.dialect.name == "postgresql":
            with engine.begin() as conn:
                conn.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
        upgrade(url)
        changelog.install()  # what `linkage import` runs with: the change log and the index
        hooks.install()
        rates = []
        for _ in range(2):
            with CatalogSession(engine) as session:
                session.info["actor"] = "import:bench"
                started = time.perf_counter()
                report = run_import(session, str(data), source="bench")
                session.commit()
                seconds = time.perf_counter() - started
            assert report.balanced
            assert report.counts("service").rejected == 0, report.rejected[:3]
            rates.append(n / seconds)
            print(
                f"{n:>7} services: {seconds:6.1f} s = {n / seconds:7.0f} services/s"
                f" (created {report.total('created')}, unchanged {report.total('unchanged')})",
                flush=True,
            )
        engine.dispose()
    return rates[0], rates[1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--services", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--database", default=None, help="Database URL (default: a temporary SQLite file).")
    args = parser.parse_args()
    for n in args.services:
        with tempfile.TemporaryDirectory() as tmp:
            url = args.database or f"sqlite:///{tmp}/bench.db"
            first, again = run(url, n)
            print(f"import {n}: first {first:.0f}/s, re-import {again:.0f}/s (target: 2,000/s first import)")


if __name__ == "__main__":
    main()
