"""What a process keeps between searches, on the demo county: never different from a fresh read.

The demo county (300+ services, every filter's facts) is searched with the per-process memory
and without it, over a table of parameter sets, and the answers must be identical. The demo
is loaded once for the module (these tests only read it); tests that write are in
test_search_cache.py, because a module-long write transaction would lock SQLite for them.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from tests.conftest import demo_loaded
from tests.search.test_search_cache import _run

NOW = dt.datetime(2026, 11, 20, 15, 30, tzinfo=dt.UTC)  # a Friday, 10:30 in Columbus
COLUMBUS = {"lat": "39.9612", "lon": "-82.9988"}
CASES: list[dict[str, str]] = [
    {"q": "shelter"},
    {"q": "food pantry", "page": "2", "per_page": "5"},
    {"q": "shleter"},
    {"q": "i need a bed tonight", **COLUMBUS, "radius_km": "10"},
    {"q": "detox", **COLUMBUS, "sort": "distance"},
    {"q": "counseling", "language": "es"},
    {"q": "shelter", "gender": "female", "age": "30"},
    {"q": "meals", "free": "true", **COLUMBUS, "radius_km": "25"},
    {"q": "clinic", "accessible": "true"},
    {"q": "shelter", "available": "true", **COLUMBUS, "radius_km": "30"},
    {"q": "", "taxonomy": "1101"},
    {"q": "help", "taxonomy": "1102", **COLUMBUS, "radius_km": "20"},
    {"q": "", **COLUMBUS, "radius_km": "5", "open_now": "true"},
    {"q": "", "at": "2026-11-21T23:30", **COLUMBUS, "radius_km": "15", "sort": "distance"},
    {"q": "housing legal", "status": "any"},
    {"q": "zzzz nothing matches this"},
    {"q": "", "covering": "true", **COLUMBUS},
]


@pytest.fixture(scope="module")
def demo(engine: Any) -> Any:
    """The demo county once for the module: the comparisons only read it."""
    with demo_loaded(engine, NOW) as session:
        yield session


@pytest.mark.parametrize("catalog_after", [0, 1000], ids=["catalog", "joined"])
@pytest.mark.parametrize("params", CASES, ids=[str(i) for i in range(len(CASES))])
def test_kept_and_fresh_searches_agree(demo: Any, params: dict[str, str], catalog_after: int) -> None:
    """Match sets filled from the catalog's facts, or by a join, and then served from
    memory, answer exactly as a fresh read."""
    fresh = _run(demo, params, cache=False)
    kept_first = _run(demo, params, cache=True, catalog_after=catalog_after)
    kept_again = _run(demo, params, cache=True, catalog_after=catalog_after)
    for body in (kept_first, kept_again):
        assert body["total"] == fresh["total"]
        assert body["results"] == fresh["results"]
        assert body["facets"] == fresh["facets"]
        assert body["suggestions"] == fresh["suggestions"]
        assert body["query"] == fresh["query"]


def test_the_demo_cases_find_something(demo: Any) -> None:
    """The comparison above is only worth something if most cases have results."""
    found = [bool(_run(demo, p, cache=True)["total"]) for p in CASES]
    assert sum(found) >= len(CASES) - 2
