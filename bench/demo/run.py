"""Benchmark the demo directory: `python -m bench.demo` from the project root.

Generates Harbor County (seed 2026) and loads it with `load_demo` into a fresh SQLite file
built by the migrations (or into DATABASE_URL when set, which must be empty), then times
the three catalog pages over a sample of services through the Flask test client.

Target: `linkage demo` in a few seconds; each page in tens of milliseconds.
"""

from __future__ import annotations

import os
import statistics
import tempfile
import time
from pathlib import Path

from app import create_app
from app.commands import upgrade
from demo import generate, load_demo


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        url = os.environ.get("DATABASE_URL") or f"sqlite:///{Path(tmp) / 'bench.db'}"
        upgrade(url)
        app = create_app({"DATA_DIR": tmp, "DATABASE_URL": url, "SECRET_KEY": "bench"})
        runs = []
        for _ in range(3):
            started = time.process_time()
            services = generate(2026)
            runs.append(time.process_time() - started)
        print(f"generate: {len(services)} services, best {min(runs) * 1000:.0f} ms CPU of 3")
        with app.app_context():
            started, cpu = time.perf_counter(), time.process_time()
            count = load_demo(if_empty=True, seed=2026)
            wall, cpu = time.perf_counter() - started, time.process_time() - cpu
            print(f"load_demo: {count} services in {wall:.2f} s wall, {cpu:.2f} s CPU (one commit)")
        client = app.test_client()
        pages = {
            "home search": [f"/?q={w}" for w in ("shelter", "food", "detox", "legal", "family")],
            "service": [f"/services/{s['id']}" for s in services[::16]],
            "organization": [f"/organizations/{s['organization']['id']}" for s in services[::16]],
        }
        for name, urls in pages.items():
            times = []
            for url_ in urls * 3:
                started = time.process_time()
                assert client.get(url_).status_code == 200
                times.append((time.process_time() - started) * 1000)
            median, worst = statistics.median(times), max(times)
            print(f"{name}: CPU median {median:.1f} ms, max {worst:.1f} ms ({len(times)} requests)")
