"""The presets on the demo directory (Harbor County): golden rules any answer must keep."""

from __future__ import annotations

import datetime as dt

import pytest

from matching.parse import parse_request
from matching.presets import PRESETS
from matching.service import find_matches
from tests.conftest import demo_loaded

NOW = dt.datetime(2026, 1, 14, 23, 30, tzinfo=dt.UTC)  # a Wednesday, 18:30 in Columbus
DOWNTOWN = {"lat": 39.9612, "lon": -82.9988}


@pytest.fixture(scope="module")
def demo(engine):
    """The demo loaded once for this module, in a transaction rolled back at its end."""
    with demo_loaded(engine, NOW) as session:
        yield session


def _run(db, preset: str, **client):
    p = PRESETS[preset]
    body = {
        "needs": p["needs"],
        "urgency": p.get("urgency"),
        "location": DOWNTOWN,
        "radius_km": 40,
        "at": NOW.isoformat(),
        "limit": 50,
        "client": {
            "populations": p.get("populations", []),
            "household": p.get("household"),
            "age": p.get("age"),
        }
        | client,
    }
    return find_matches(db, parse_request(body), tz="America/New_York", now=NOW)


def test_every_preset_finds_explained_matches_in_the_demo(demo):
    for name in PRESETS:
        outcome = _run(demo, name, gender="female")
        assert outcome.ranking.matches, name
        for m in outcome.ranking.matches:
            assert m.reasons, (name, m.name)
            assert 0 < m.score <= 1
        scores = [m.score for m in outcome.ranking.matches]
        assert scores == sorted(scores, reverse=True)
        for e in outcome.ranking.excluded:
            assert e.reasons, (name, e.name)


def test_youth_preset_never_offers_an_adults_only_place(demo):
    outcome = _run(demo, "youth", gender="male")
    for m in outcome.ranking.matches:
        assert not any("client is 17" in r for r in m.reasons)
        assert "only for veterans" not in m.reasons
    reasons = [r for e in outcome.ranking.excluded for r in e.reasons]
    assert any(r.startswith("serves ages 18") for r in reasons)


def test_family_preset_excludes_places_for_single_adults(demo):
    outcome = _run(demo, "family_tonight", gender="female", age=31)
    matched = {m.service_id for m in outcome.ranking.matches}
    excluded = {e.service_id: e.reasons for e in outcome.ranking.excluded}
    assert matched
    assert not matched & set(excluded)
    assert any("only for individuals" in r or "only for men" in r for rs in excluded.values() for r in rs)


def test_dv_shelters_admit_survivors_only_and_favour_women(demo):
    women = _run(demo, "domestic_violence", gender="female", age=30)
    shelters = [m for m in women.ranking.matches if "Domestic Violence Shelter" in m.name]
    assert shelters
    assert all("especially for women" in " ".join(m.reasons) for m in shelters)
    not_survivor = _run(demo, "domestic_violence", gender="male", age=30, populations=[])
    assert not any("Domestic Violence Shelter" in m.name for m in not_survivor.ranking.matches)
    assert any(
        r == "only for domestic violence survivors" for e in not_survivor.ranking.excluded for r in e.reasons
    )
