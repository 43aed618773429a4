"""Fixtures over the real geographic reference files in ../shared/data/geo."""

from __future__ import annotations

from pathlib import Path

import pytest

import geo
from tests.conftest import shared_path


def shared_file(*parts: str) -> Path:
    """A file of ../shared/data; missing data fails under CI and skips elsewhere."""
    return shared_path("data", *parts)


def geo_file(*parts: str) -> Path:
    return shared_file("geo", *parts)


@pytest.fixture(scope="session")
def county_boundaries() -> geo.Boundaries:
    """All US counties and states (Census 2017, 1:10M, via us-atlas)."""
    return geo.Boundaries.from_geojson(
        counties=geo_file("boundaries", "us_counties_10m.geojson"),
        states=geo_file("boundaries", "us_states_10m.geojson"),
    )


@pytest.fixture(scope="session")
def detailed_counties() -> geo.Boundaries:
    """Ten counties at 1:500k (Census 2016 cartographic boundaries)."""
    return geo.Boundaries.from_geojson(
        counties=geo_file("boundaries", "selected_counties_cb2016_500k.geojson")
    )
