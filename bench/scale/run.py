"""Benchmark a state-sized catalog end to end:
`python -m bench.scale [--services 1000000] [--metros 50] [--database URL] [--keep DIR]`.

1. Writes an HSDS 3.0 NDJSON source of N services around 50 US metros (bench/scale/source.py:
   one organization per service, about ten rows each), streamed to disk.
2. Creates the schema (`linkage init`) in a fresh SQLite file, or with --database in a schema
   of its own on that PostgreSQL server (dropped at the end unless --keep).
3. Imports the file through the real `linkage import` in a subprocess: wall clock, CPU time and
   peak resident memory of that process (os.wait4's rusage), under an address-space limit
   (--memory-gb, default three quarters of the memory available now) so a run too big for the
   machine fails with MemoryError instead of pushing it into swap.
4. The database's size, by table (SQLite: the dbstat table; PostgreSQL: pg_total_relation_size).
5. `linkage index rebuild` in a subprocess: wall clock and CPU.
6. Search (cold: the first pass of a fresh process; warm: the same queries again) and matching
   (cold pass, whose first match builds the index of locations, then warm), p50/p95 with CPU
   time, in a process of their own (bench/scale/probe.py).

Prints each step and writes the figures as JSON (result-N.json in --keep, else stdout's last
line). The machine's load average is recorded at each step: on a shared machine, read CPU time.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from sqlalchemy import text  # noqa: E402

from bench.scale import source  # noqa: E402
from kernel.db import make_engine  # noqa: E402

GB = 1024**3


def loadavg() -> str:
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


def available_memory() -> int:
    for line in Path("/proc/meminfo").read_text().splitlines():
        if line.startswith("MemAvailable:"):
            return int(line.split()[1]) * 1024
    return 8 * GB


def commit() -> str:
    try:
        out = subprocess.run(["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"],
                             capture_output=True, text=True, check=True)  # fmt: skip
        return out.stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


def linkage(
    env: dict[str, str], *argv: str, limit: int | None = None, log: Path | None = None
) -> dict[str, Any]:
    """Run `linkage ARGV` and measure it alone: wall, user + system CPU, peak RSS."""
    script = Path(sys.executable).with_name("linkage")

    def guard() -> None:
        if limit:
            resource.setrlimit(resource.RLIMIT_AS, (limit, limit))

    started, load = time.perf_counter(), loadavg()
    with log.open("w") if log else open(os.devnull, "w") as out:  # noqa: SIM115
        proc = subprocess.Popen([str(script), *argv], env=env, cwd=ROOT, stdout=out,
                                stderr=subprocess.STDOUT, preexec_fn=guard)  # fmt: skip
        _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    return {
        "command": " ".join(["linkage", *argv[:1]]),
        "exit": proc.returncode,
        "wall_s": time.perf_counter() - started,
        "cpu_s": usage.ru_utime + usage.ru_stime,
        "peak_rss_gb": usage.ru_maxrss * 1024 / GB,
        "load_before": load,
        "load_after": loadavg(),
    }


def sizes(url: str) -> dict[str, float]:
    """MB per table (indexes included), largest first, and the whole database."""
    engine = make_engine(url)
    with engine.connect() as conn:
        if engine.dialect.name == "sqlite":
            rows = conn.execute(text("SELECT name, SUM(pgsize) FROM dbstat GROUP BY name")).all()
            master = dict(conn.execute(text("SELECT name, tbl_name FROM sqlite_master")).all())
            by_table: dict[str, float] = {}
            for name, size in rows:
                table = master.get(name, name)
                by_table[table] = by_table.get(table, 0) + size
            total = Path(engine.url.database or "").stat().st_size
        else:
            by_table = dict(conn.execute(text(
                "SELECT c.relname, pg_total_relation_size(c.oid) FROM pg_class c "
                "JOIN pg_namespace n ON n.oid = c.relnamespace "
                "WHERE c.relkind IN ('r', 'p') AND n.nspname = current_schema()"
            )).all())  # fmt: skip
            total = sum(by_table.values())
    engine.dispose()
    out = {k: v / 1e6 for k, v in sorted(by_table.items(), key=lambda kv: -kv[1]) if v}
    return {"total_mb": total / 1e6, **out}


def database(args: argparse.Namespace, work: Path) -> tuple[str, str | None]:
    if not args.database:
        path = work / f"scale-{args.services}.db"
        for extra in ("", "-wal", "-shm"):
            Path(f"{path}{extra}").unlink(missing_ok=True)
        return f"sqlite:///{path}", None
    schema = f"linkage_scale_{args.services}_{os.getpid()}"
    with make_engine(args.database).begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    sep = "&" if "?" in args.database else "?"
    return f"{args.database}{sep}options=-csearch_path%3D{schema}", schema


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--services", type=int, default=1_000_000)
    ap.add_argument("--metros", type=int, default=50, choices=range(1, len(source.METROS) + 1),
                    metavar=f"1..{len(source.METROS)}")  # fmt: skip
    ap.add_argument("--database", help="a PostgreSQL URL (default: a SQLite file)")
    ap.add_argument("--keep", type=Path, help="keep the source, the database and the figures here")
    ap.add_argument("--queries", type=int, default=200)
    ap.add_argument("--matches", type=int, default=200)
    ap.add_argument("--memory-gb", type=float, help="address-space limit of the import process")
    args = ap.parse_args()
    work = args.keep or Path(tempfile.mkdtemp(prefix="linkage-scale-"))
    work.mkdir(parents=True, exist_ok=True)
    limit = int((args.memory_gb or available_memory() * 0.75 / GB) * GB)
    figures: dict[str, Any] = {"services": args.services, "metros": args.metros, "commit": commit(),
                               "cores": os.cpu_count(), "memory_limit_gb": limit / GB}  # fmt: skip

    data = work / f"services-{args.services}-{args.metros}.ndjson"
    if not data.exists():
        t0, c0, load = time.perf_counter(), time.process_time(), loadavg()
        partial = data.with_suffix(".part")
        shape = source.write(partial, args.services, args.metros)
        partial.rename(data)
        figures["source"] = {"wall_s": time.perf_counter() - t0, "cpu_s": time.process_time() - c0,
                             "load_before": load, **shape}  # fmt: skip
    figures["source_mb"] = data.stat().st_size / 1e6
    print(f"source: {data} ({figures['source_mb']:.0f} MB) {figures.get('source', '')}", flush=True)

    url, schema = database(args, work)
    figures["database"] = "postgresql" if schema else "sqlite"
    env = {**os.environ, "DATABASE_URL": url, "LINKAGE_DATA_DIR": str(work / "data")}
    try:
        figures["commit"] = commit()  # the code the commands below run (a long source may span commits)
        figures["init"] = linkage(env, "init")
        report = work / f"import-{figures['database']}-{args.services}.json"
        log = work / f"import-{figures['database']}-{args.services}.log"
        argv = ["import", str(data), "--source", "scale", "--format", "hsds-json", "--report", str(report)]
        figures["import"] = linkage(env, *argv, limit=limit, log=log)
        figures["import"]["services_per_s"] = args.services / figures["import"]["wall_s"]
        print(f"import: {figures['import']}", flush=True)
        if figures["import"]["exit"] != 0:
            figures["import"]["log_tail"] = log.read_text()[-2000:]
            print(figures["import"]["log_tail"], flush=True)
            return
        read = json.loads(report.read_text())
        figures["import"]["rejected"] = sum(t.get("rejected", 0) for t in read.get("tables", {}).values())
        figures["import"]["balanced"] = read.get("balanced")
        figures["import"]["rows_read"] = sum(t.get("read", 0) for t in read.get("tables", {}).values())
        figures["sizes_mb"] = sizes(url)
        print(f"database: {figures['sizes_mb']['total_mb']:.0f} MB", flush=True)
        figures["rebuild"] = linkage(env, "index", "rebuild")
        print(f"index rebuild: {figures['rebuild']}", flush=True)
        load = loadavg()
        probe = subprocess.run(
            [sys.executable, "-m", "bench.scale.probe", url, "--metros", str(args.metros),
             "--queries", str(args.queries), "--matches", str(args.matches)],
            cwd=ROOT, capture_output=True, text=True, check=True,
        )  # fmt: skip
        figures.update(json.loads(probe.stdout.strip().splitlines()[-1]))
        figures["probe_load"] = [load, loadavg()]
        for key in ("search_cold", "search_warm", "match_cold", "match_warm"):
            f = figures[key]
            print(f"{key:12s} p50 {f['p50_ms']:7.1f} ms  p95 {f['p95_ms']:7.1f} ms  "
                  f"first {f['first_ms']:7.1f} ms  (CPU p50 {f['cpu_p50_ms']:.1f}, "
                  f"p95 {f['cpu_p95_ms']:.1f})",
                  flush=True)  # fmt: skip
    finally:
        out = json.dumps(figures, indent=1)
        (work / f"result-{figures['database']}-{args.services}.json").write_text(out)
        print(out, flush=True)
        if schema and not args.keep:
            with make_engine(args.database).begin() as conn:
                conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
