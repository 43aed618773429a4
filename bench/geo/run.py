"""Benchmark geo: `python -m bench.geo` from the project root.

1. distances from one point to 100,000 points (real ZIP centroids, repeated), vectorized,
   and the same with the points prepared once (`PointSet`); geopy's geodesic on 1,000 points
   for scale.
2. "which of these 10,000 service areas cover this point": the 3,230 real US county polygons
   (when ../shared/data/geo is present) plus service-area discs of 3-60 km around real ZIP
   centroids, queried at 2,000 real ZIP centroids.

Targets: distances to 100k points well under 50 ms; point-in-area over 10k areas well
under 10 ms per query.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import shapely
from geopy.distance import geodesic

import geo
from geo.distance import PointSet
from geo.zipdata import zip_index

ROOT = Path(__file__).resolve().parents[2]
COUNTIES = ROOT.parent / "shared" / "data" / "geo" / "boundaries" / "us_counties_10m.geojson"


def _ms(fn: Callable[[], object], repeat: int) -> list[float]:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append((time.perf_counter() - start) * 1000.0)
    return times


def _summary(times: list[float]) -> str:
    ordered = sorted(times)
    p95 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.95))]
    p99 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]
    return (
        f"median {statistics.median(ordered):.3f} ms, p95 {p95:.3f} ms, "
        f"p99 {p99:.3f} ms, max {ordered[-1]:.3f} ms (n={len(ordered)})"
    )


def bench_distances(n: int, repeat: int) -> None:
    _zips, lats, lons = zip_index()._points
    reps = -(-n // len(lats))
    all_lats = np.tile(lats, reps)[:n]
    all_lons = np.tile(lons, reps)[:n]
    origin = (25.7617, -80.1918)
    print(f"distances from one point to {n:,} points")
    print(
        "  distances_km:        ",
        _summary(_ms(lambda: geo.distances_km(*origin, all_lats, all_lons), repeat)),
    )
    points = PointSet(all_lats, all_lons)
    print("  PointSet (prepared): ", _summary(_ms(lambda: points.distances_km(*origin), repeat)))
    print("  + bbox prefilter 50 km:", _summary(_ms(lambda: _within(all_lats, all_lons, origin), repeat)))
    sample = list(zip(all_lats[:1000], all_lons[:1000], strict=True))
    t = _ms(lambda: [geodesic(origin, p).km for p in sample], 3)
    print(
        f"  geopy geodesic, 1,000 points: {statistics.median(t):.1f} ms "
        f"(~{statistics.median(t) * n / 1000 / 1000:.1f} s for {n:,})"
    )


def _within(lats: np.ndarray, lons: np.ndarray, origin: tuple[float, float]) -> np.ndarray:
    min_lat, min_lon, max_lat, max_lon = geo.bbox(*origin, 50.0)
    keep = np.nonzero((lats >= min_lat) & (lats <= max_lat) & (lons >= min_lon) & (lons <= max_lon))[0]
    dist = geo.distances_km(*origin, lats[keep], lons[keep])
    return keep[dist <= 50.0]


def _areas(n: int, rng: np.random.Generator) -> tuple[list[tuple[str, object]], int]:
    items: list[tuple[str, object]] = []
    if COUNTIES.exists():
        for feature in json.loads(COUNTIES.read_text(encoding="utf-8"))["features"]:
            try:
                items.append((feature["properties"]["fips"], geo.to_geometry(feature["geometry"])))
            except geo.AreaError:
                continue
    counties = len(items)
    _zips, lats, lons = zip_index()._points
    centres = rng.choice(len(lats), n - counties, replace=False)
    radius_km = rng.uniform(3.0, 60.0, len(centres))
    # discs stretched east-west so they are round on the ground
    discs = shapely.buffer(shapely.points(np.zeros(len(centres)), np.zeros(len(centres))), 1.0, quad_segs=16)
    for i, disc, r in zip(centres, discs, radius_km, strict=True):
        sx = r / (111.32 * np.cos(np.radians(lats[i])))
        sy = r / 110.57
        shaped = shapely.affinity.affine_transform(disc, [sx, 0, 0, sy, lons[i], lats[i]])
        items.append((f"disc-{i}", shaped))
    return items, counties


def bench_areas(n: int, queries: int) -> None:
    rng = np.random.default_rng(11)
    items, counties = _areas(n, rng)
    start = time.perf_counter()
    index = geo.AreaIndex(items)
    build = time.perf_counter() - start
    _zips, lats, lons = zip_index()._points
    points = rng.choice(len(lats), queries, replace=False)
    index.covering(float(lats[points[0]]), float(lons[points[0]]))  # warm up
    hits: list[int] = []
    times = []
    for i in points:
        lat, lon = float(lats[i]), float(lons[i])
        t0 = time.perf_counter()
        found = index.covering(lat, lon)
        times.append((time.perf_counter() - t0) * 1000.0)
        hits.append(len(found))
    print(
        f"point-in-area over {len(index):,} areas ({counties:,} real counties + "
        f"{len(index) - counties:,} discs of 3-60 km); index built in {build:.2f} s"
    )
    print("  AreaIndex.covering:  ", _summary(times))
    print(f"  areas found per point: median {statistics.median(hits):.0f}, max {max(hits)}")
    geoms = np.array(
        [shapely.geometry.shape(g) if isinstance(g, dict) else g for _k, g in items], dtype=object
    )
    sample = points[:50]
    t = []
    for i in sample:
        pt = shapely.Point(float(lons[i]), float(lats[i]))
        t0 = time.perf_counter()
        shapely.covers(geoms, pt)
        t.append((time.perf_counter() - t0) * 1000.0)
    print("  no tree, all prepared:", _summary(t))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--points", type=int, default=100_000)
    parser.add_argument("--areas", type=int, default=10_000)
    parser.add_argument("--queries", type=int, default=2_000)
    parser.add_argument("--repeat", type=int, default=30)
    args = parser.parse_args()
    start = time.perf_counter()
    zip_index()._points  # noqa: B018 - build the offline ZIP index before timing
    print(f"offline ZIP index: {len(zip_index()):,} ZIPs loaded in {time.perf_counter() - start:.2f} s")
    bench_distances(args.points, args.repeat)
    bench_areas(args.areas, args.queries)


if __name__ == "__main__":
    main()
