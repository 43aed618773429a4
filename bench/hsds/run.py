"""Benchmark the HSDS API and export: `python -m bench.hsds [--services N]`.

Builds a catalog of N services (default 20,000) in a migrated SQLite file in a temporary
directory, each with its organization, location, address, phone, schedule and language
(bulk inserts through SQLAlchemy core), then measures the export in each format (time and
the growth of the process's peak memory) and HSDS API requests through the test client.

Targets: export streams (peak memory does not grow with the catalog); a page of 50 fully
nested services well under 1 s.
"""

from __future__ import annotations

import argparse
import random
import resource
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

from sqlalchemy import insert  # noqa: E402

from app import create_app  # noqa: E402
from app.commands import upgrade  # noqa: E402
from catalog.models import (  # noqa: E402
    Address,
    Language,
    Location,
    Organization,
    Phone,
    Schedule,
    Service,
    ServiceAtLocation,
)
from hsds.export import export_hsds  # noqa: E402
from kernel.db import CatalogSession, make_engine, utcnow  # noqa: E402


def build(url: str, n: int) -> list[uuid.UUID]:
    rnd = random.Random(7)
    engine = make_engine(url)
    ids = []
    with engine.begin() as conn:
        for start in range(0, n, 2000):
            rows: dict[Any, list[dict[str, Any]]] = {
                m: []
                for m in (
                    Organization,
                    Service,
                    Location,
                    Address,
                    Phone,
                    Schedule,
                    Language,
                    ServiceAtLocation,
                )
            }
            for i in range(start, min(n, start + 2000)):
                org, svc, loc = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
                ids.append(svc)
                lat, lon = 39.96 + rnd.uniform(-0.3, 0.3), -83.0 + rnd.uniform(-0.3, 0.3)
                rows[Organization].append({"id": org, "name": f"Org {i}", "description": "Helps."})
                rows[Service].append(
                    {
                        "id": svc,
                        "organization_id": org,
                        "name": f"Service {i}",
                        "description": "Food pantry and shelter referrals.",
                        "status": "active",
                        "last_modified": utcnow(),
                    }
                )
                rows[Location].append(
                    {
                        "id": loc,
                        "organization_id": org,
                        "name": f"Site {i}",
                        "latitude": lat,
                        "longitude": lon,
                        "location_type": "physical",
                    }
                )
                rows[Address].append(
                    {
                        "id": uuid.uuid4(),
                        "location_id": loc,
                        "address_1": f"{i} Main St",
                        "city": "Columbus",
                        "state_province": "OH",
                        "postal_code": "43215",
                        "country": "US",
                        "address_type": "physical",
                    }
                )
                rows[Phone].append({"id": uuid.uuid4(), "service_id": svc, "number": "614-555-0100"})
                rows[Schedule].append(
                    {
                        "id": uuid.uuid4(),
                        "service_id": svc,
                        "freq": "WEEKLY",
                        "byday": "MO,TU,WE,TH,FR",
                        "opens_at": "09:00",
                        "closes_at": "17:00",
                    }
                )
                rows[Language].append(
                    {"id": uuid.uuid4(), "service_id": svc, "code": "en", "name": "English"}
                )
                rows[ServiceAtLocation].append({"id": uuid.uuid4(), "service_id": svc, "location_id": loc})
            for model, batch in rows.items():
                conn.execute(insert(model), batch)
    engine.dispose()
    return ids


NEWLINE = b"\n"


def peak_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def timed(label: str, fn: Any, repeat: int = 1) -> list[float]:
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return times


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--services", type=int, default=20000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{Path(tmp) / 'bench.db'}"
        upgrade(url)
        t = time.perf_counter()
        ids = build(url, args.services)
        print(f"catalog: {args.services} services built in {time.perf_counter() - t:.1f} s")
        engine = make_engine(url)
        for fmt, nd in (("json", False), ("json", True), ("csv", False)):
            before = peak_mib()
            with CatalogSession(engine) as session:
                t = time.perf_counter()
                report = export_hsds(session, Path(tmp) / f"out-{fmt}-{nd}", format=fmt, ndjson=nd)
                took = time.perf_counter() - t
            name = "json" + ("+ndjson" if nd else "") if fmt == "json" else "csv"
            print(
                f"export {name}: {took:.1f} s ({args.services / took:,.0f} services/s), "
                f"peak RSS {peak_mib():.0f} MiB (was {before:.0f}); files {report.files}"
            )
        app = create_app({"DATABASE_URL": url, "DATA_DIR": tmp, "SECRET_KEY": "bench", "TESTING": True})
        client = app.test_client()
        rnd = random.Random(3)
        cases = {
            "/hsds/services?per_page=50": lambda: client.get("/hsds/services?per_page=50"),
            "/hsds/services?per_page=50&page=300": lambda: client.get("/hsds/services?per_page=50&page=300"),
            "/hsds/services?full=true&per_page=50": lambda: client.get(
                "/hsds/services?full=true&per_page=50"
            ),
            "/hsds/services/{id}": lambda: client.get(f"/hsds/services/{rnd.choice(ids)}"),
            "/hsds/services?search=pantry&per_page=50": lambda: client.get("/hsds/services?search=pantry+42"),
            "/hsds/service_at_locations?postcode=43215&proximity=2000": lambda: client.get(
                "/hsds/service_at_locations?postcode=43215&proximity=2000"
            ),
        }
        for label, fn in cases.items():
            fn()
            times = timed(label, fn, repeat=20)
            print(f"{label}: median {statistics.median(times) * 1000:.0f} ms, max {max(times) * 1000:.0f} ms")
        t = time.perf_counter()
        body = client.get("/hsds/services?format=ndjson&full=true").get_data()
        took = time.perf_counter() - t
        lines = body.count(NEWLINE)
        print(f"/hsds/services?format=ndjson&full=true: {lines} lines in {took:.1f} s")
        engine.dispose()


if __name__ == "__main__":
    main()
