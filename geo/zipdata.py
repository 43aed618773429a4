"""Offline US ZIP centroids and city points from the `zipcodes` package's bundled data.

The package ships ~42,000 ZIP records (centroid, primary city, state, county) inside its
wheel, so this works with no network. The index is built once per process on first use
(about a second) and then answers in microseconds.
"""

from __future__ import annotations

import re
import statistics
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache, cached_property

import numpy as np
import zipcodes

from geo.distance import FloatArray, bbox, distances_km

_ZIP_RE = re.compile(r"^\s*(\d{5})(?:[-\s]?\d{4})?\s*$")
_MILITARY_STATES = frozenset({"AA", "AE", "AP"})
_CITY_ABBREVIATIONS = {"st": "saint", "ste": "sainte", "ft": "fort", "mt": "mount"}


@dataclass(frozen=True, slots=True)
class ZipRecord:
    zip: str
    lat: float
    lon: float
    city: str
    state: str
    county: str
    kind: str  # STANDARD, PO BOX, UNIQUE, MILITARY
    active: bool
    other_cities: tuple[str, ...] = ()


def normalize_zip(value: object) -> str | None:
    """Five-digit ZIP from "33101", "33101-1234", 33101 or a spreadsheet's 2134 (lost zero).

    Returns None when the value is not a ZIP. Integers (and digit strings of 3-4 digits,
    as spreadsheets leave them) are padded with leading zeros.
    """
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int):
        return f"{value:05d}" if 0 < value < 100000 else None
    if isinstance(value, float):
        return f"{int(value):05d}" if value.is_integer() and 0 < value < 100000 else None
    text = str(value).strip()
    match = _ZIP_RE.match(text)
    if match:
        return match.group(1)
    if text.isdigit() and 3 <= len(text) <= 4:
        return text.zfill(5)
    return None


def city_key(name: str) -> str:
    """Comparable form of a place name: case, spaces, dots, hyphens, St/Ft/Mt do not matter.

    "St. Louis" and "Saint Louis", "DeKalb" and "De Kalb", "Miami-Dade" and "Miami Dade"
    compare equal.
    """
    words = re.sub(r"[.'’]", "", name.lower()).replace("-", " ").split()
    return "".join(_CITY_ABBREVIATIONS.get(w, w) for w in words)


class ZipIndex:
    """ZIP -> record, (city, state) -> point, and point -> nearest ZIP."""

    def __init__(self, records: Iterable[ZipRecord]) -> None:
        self._by_zip: dict[str, ZipRecord] = {r.zip: r for r in records}

    @cached_property
    def _cities(self) -> dict[tuple[str, str], tuple[float, float, str, tuple[str, ...]]]:
        primary: dict[tuple[str, str], list[ZipRecord]] = defaultdict(list)
        secondary: dict[tuple[str, str], list[ZipRecord]] = defaultdict(list)
        for rec in self._by_zip.values():
            if not rec.active or rec.state in _MILITARY_STATES:
                continue
            primary[(city_key(rec.city), rec.state)].append(rec)
            for other in rec.other_cities:
                secondary[(city_key(other), rec.state)].append(rec)
        cities = {}
        for key in set(primary) | set(secondary):
            recs = primary.get(key) or secondary[key]
            # Street ZIPs describe where people are; PO-box and unique ZIPs sit on post offices.
            standard = [r for r in recs if r.kind == "STANDARD"] or recs
            lat = statistics.median(r.lat for r in standard)
            lon = statistics.median(r.lon for r in standard)
            cities[key] = (lat, lon, recs[0].city, tuple(sorted(r.zip for r in recs)))
        return cities

    @cached_property
    def _points(self) -> tuple[list[str], FloatArray, FloatArray]:
        ordered = sorted(
            (r for r in self._by_zip.values() if r.state not in _MILITARY_STATES),
            key=lambda r: r.lat,
        )
        lats = np.array([r.lat for r in ordered], dtype=np.float64)
        lons = np.array([r.lon for r in ordered], dtype=np.float64)
        return ([r.zip for r in ordered], lats, lons)

    def __len__(self) -> int:
        return len(self._by_zip)

    def get(self, zip_code: str) -> ZipRecord | None:
        return self._by_zip.get(zip_code)

    def city(self, city: str, state: str) -> tuple[float, float, str, tuple[str, ...]] | None:
        """(lat, lon, city as the data spells it, its ZIPs) for a city in a state, or None."""
        return self._cities.get((city_key(city), state.upper()))

    def nearest_zip(self, lat: float, lon: float, max_km: float = 30.0) -> str | None:
        """The ZIP whose centroid is nearest to the point, if one is within `max_km`.

        A stand-in for "which ZIP is this point in" where ZIP polygons are not available.
        """
        zips, all_lats, all_lons = self._points
        min_lat, min_lon, max_lat, max_lon = bbox(lat, lon, max_km)
        lo, hi = (int(i) for i in np.searchsorted(all_lats, [min_lat, max_lat], side="left"))
        if lo >= hi:
            return None
        lons = all_lons[lo:hi]
        keep = np.nonzero((lons >= min_lon) & (lons <= max_lon))[0]
        if keep.size == 0:
            return None
        dist = distances_km(lat, lon, all_lats[lo:hi][keep], lons[keep])
        best = int(np.argmin(dist))
        if dist[best] > max_km:
            return None
        return zips[lo + int(keep[best])]


def _records_from_package() -> Iterable[ZipRecord]:
    for row in zipcodes.list_all():  # type: ignore[no-untyped-call]
        try:
            lat, lon = float(row["lat"]), float(row["long"])
        except (TypeError, ValueError):
            continue
        yield ZipRecord(
            zip=row["zip_code"],
            lat=lat,
            lon=lon,
            city=row["city"],
            state=row["state"],
            county=row.get("county") or "",
            kind=row.get("zip_code_type") or "",
            active=bool(row.get("active", True)),
            other_cities=tuple(row.get("acceptable_cities") or ()),
        )


@cache
def zip_index() -> ZipIndex:
    """The process-wide index over the bundled ZIP data (built on first use)."""
    return ZipIndex(_records_from_package())
