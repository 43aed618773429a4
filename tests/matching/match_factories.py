"""Small hand-written catalogs for the matching tests: state only what matters."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from matching import Candidate, Capacity, ClientNeeds, Need

NOW = datetime(2026, 1, 14, 21, 0, tzinfo=UTC)  # a Wednesday evening
HOME = (25.7743, -80.1937)  # downtown Miami

SHELTER = Need("Emergency Shelter", frozenset({"t-shelter"}), frozenset({"t-housing"}), ("shelter",))
TERM_NAMES = {"t-shelter": "Emergency Shelter", "t-housing": "Housing"}


def cand(service_id: str, **kw: Any) -> Candidate:
    """A shelter 1 km north of HOME unless told otherwise."""
    kw.setdefault("name", service_id.replace("-", " ").title())
    kw.setdefault("location_id", f"loc-{service_id}")
    kw.setdefault("lat", HOME[0] + 0.009)
    kw.setdefault("lon", HOME[1])
    kw.setdefault("term_ids", frozenset({"t-shelter"}))
    kw.setdefault("term_names", TERM_NAMES)
    kw.setdefault("text", kw["name"].lower())
    if "beds" in kw:
        beds = kw.pop("beds")
        updated = kw.pop("updated", NOW - timedelta(minutes=20))
        kw["capacity"] = (Capacity("beds", beds, 40, updated),)
    return Candidate(service_id=service_id, **kw)


def person(**kw: Any) -> ClientNeeds:
    kw.setdefault("needs", (SHELTER,))
    kw.setdefault("lat", HOME[0])
    kw.setdefault("lon", HOME[1])
    kw.setdefault("radius_km", 25.0)
    return ClientNeeds(**kw)
