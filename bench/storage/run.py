"""Bytes per service on disk: `python -m bench.storage [--services 10000 100000] [--database URL]`.

Generates N HSDS 3.0 services as NDJSON with the generator of `bench.import.metro` (one
organization per service, 1.4 languages on average, a phone, a weekly schedule, an eligibility
attribute, one service_at_location with its location and address, and for 40% a capacity:
about 9.8 rows per service), imports them into a freshly migrated database through `run_import` (the
path of `linkage import`, change log and search index included), commits, imports the same
file again, and prints the size of every table and index divided by N, grouped as catalog,
provenance, change log, search and other.

On SQLite the sizes come from the `dbstat` virtual table (the pages of each table and index;
the file's free pages are not counted); on PostgreSQL from `pg_relation_size` after a
`VACUUM FULL`, with each table's TOAST counted beside it.
Target: at most 4 KB per service in all on SQLite at 100,000 services.
"""

from __future__ import annotations

import argparse
import importlib
import resource
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from sqlalchemy import text  # noqa: E402
from sqlalchemy.engine import Engine  # noqa: E402

from app.commands import upgrade  # noqa: E402
from catalog import changelog  # noqa: E402
from importers import run_import  # noqa: E402
from kernel.db import CatalogSession, make_engine  # noqa: E402
from search import hooks  # noqa: E402

# The catalog generator of the import benchmark (one organization per service, about 9.8 rows).
generate = importlib.import_module("bench.import.metro").generate
# Tables by what they are for (an index counts with its table).
BOOKKEEPING = {
    "provenance": ("source_record",),
    "change log": ("metadata", "change_created", "change_batch"),
    "search": ("search_",),
}


def sizes(engine: Engine) -> dict[str, int]:
    """Bytes on disk of every table and index, by name."""
    if engine.dialect.name == "sqlite":
        raw = engine.raw_connection()
        try:
            rows = raw.execute("SELECT name, SUM(pgsize) FROM dbstat GROUP BY name").fetchall()
        finally:
            raw.close()
        return {name: int(size) for name, size in rows}
    with engine.connect() as conn:
        rows = conn.execute(
            text(
                "SELECT c.relname, pg_relation_size(c.oid) FROM pg_class c"
                " JOIN pg_namespace n ON n.oid = c.relnamespace"
                " WHERE n.nspname = 'public' AND c.relkind IN ('r', 'i', 't')"
            )
        ).all()
        toast = conn.execute(
            text(
                "SELECT c.relname, pg_total_relation_size(c.oid) - pg_relation_size(c.oid)"
                " - pg_indexes_size(c.oid) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
                " WHERE n.nspname = 'public' AND c.relkind = 'r'"
            )
        ).all()
        out = {name: int(size) for name, size in rows}
        for name, extra in toast:
            if extra:
                out[f"{name} (toast)"] = int(extra)
        return out


def group(name: str, owners: dict[str, str]) -> str:
    base = owners.get(name, name)
    for label, prefixes in BOOKKEEPING.items():
        if base in prefixes or (label == "search" and base.startswith(prefixes)):
            return label
    if base.startswith(("sqlite_", "alembic")):
        return "other"
    return "catalog"


def owners_of(engine: Engine) -> dict[str, str]:
    """Index name -> its table's name."""
    with engine.connect() as conn:
        if engine.dialect.name == "sqlite":
            rows = conn.exec_driver_sql("SELECT name, tbl_name FROM sqlite_master").all()
        else:
            rows = conn.execute(
                text("SELECT indexname, tablename FROM pg_indexes WHERE schemaname = 'public'")
            ).all()
    return {name: table for name, table in rows}


def run(url: str, n: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        data = Path(tmp) / f"services-{n}.ndjson"
        per_service = generate(data, n)
        engine = make_engine(url)
        if engine.dialect.name == "postgresql":
            with engine.begin() as conn:
                conn.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
        upgrade(url)
        changelog.install()
        hooks.install()
        for attempt in ("first import", "same file again"):
            with CatalogSession(engine) as session:
                session.info["actor"] = "import:outside"
                wall, cpu = time.perf_counter(), time.process_time()
                report = run_import(session, str(data), source="outside")
                session.commit()
            assert report.balanced
            assert report.counts("service").rejected == 0, report.rejected[:3]
            print(
                f"{n:>7} services, {attempt}: {time.perf_counter() - wall:6.1f} s wall,"
                f" {time.process_time() - cpu:6.1f} s CPU (created {report.total('created')},"
                f" updated {report.total('updated')}, unchanged {report.total('unchanged')});"
                f" load {Path('/proc/loadavg').read_text().split()[0]}",
                flush=True,
            )
        if engine.dialect.name == "postgresql":
            with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                conn.exec_driver_sql("VACUUM (FULL, ANALYZE)")
        by_name = sizes(engine)
        owners = owners_of(engine)
        engine.dispose()
    total = sum(by_name.values())
    print(f"\n{n} services ({per_service:.2f} HSDS rows each), {engine.dialect.name}: bytes per service")
    groups: dict[str, int] = {}
    for name, size in by_name.items():
        groups[group(name.removesuffix(" (toast)"), owners)] = (
            groups.get(group(name.removesuffix(" (toast)"), owners), 0) + size
        )
    for label in ("catalog", "provenance", "change log", "search", "other"):
        members = sorted(
            ((nm, sz) for nm, sz in by_name.items() if group(nm.removesuffix(" (toast)"), owners) == label),
            key=lambda x: -x[1],
        )
        print(f"  {label:<12} {groups.get(label, 0) / n:8.0f}")
        for nm, sz in members:
            if sz / n >= 20 or label in ("provenance", "change log"):
                print(f"      {nm:<44} {sz / n:8.0f}")
    print(f"  {'in all':<12} {total / n:8.0f}   ({total / 1e6:.1f} MB; target 4,096 per service)")
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"  peak memory {peak:.0f} MB", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--services", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--database", default=None, help="Database URL (default: a temporary SQLite file).")
    args = parser.parse_args()
    for n in args.services:
        with tempfile.TemporaryDirectory() as tmp:
            run(args.database or f"sqlite:///{tmp}/bench.db", n)


if __name__ == "__main__":
    main()
