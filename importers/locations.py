"""Coordinates during an import: keep good ones, flag impossible ones, geocode the rest offline.

Impossible coordinates (out of range, swapped, Web-Mercator metres, 0,0, outside the US) and
placeholder points (many records of one source on the very same point) are never kept: the
row is flagged in the report with what `geo.check_coordinates` says was meant, and the
location is geocoded from its address instead. Offline geocoding lands on a ZIP or city
centroid; the precision and the source of every point are recorded on the location.
"""

from __future__ import annotations

import uuid
from collections import Counter
from collections.abc import Iterable
from typing import Any

from geo import LocationError, check_coordinates, locate_address
from importers.report import ImportReport
from importers.rows import Row

# This many locations of one import on the same point make it a placeholder, not a place.
PLACEHOLDER_MIN = 10
POINT_COLUMNS = ("latitude", "longitude", "geocode_precision", "geocode_source")


def _point(data: dict[str, Any]) -> tuple[str, str] | None:
    lat, lon = data.get("latitude"), data.get("longitude")
    if lat in (None, "") or lon in (None, ""):
        return None
    try:
        return f"{float(lat):.5f}", f"{float(lon):.5f}"
    except (TypeError, ValueError):
        return None


class Geocoding:
    """The coordinates of one import's locations, owned here: the placeholder points of the
    source, the locations to geocode and the address of each, filled as rows are mapped."""

    def __init__(self, source: str, report: ImportReport) -> None:
        self.source, self.report = source, report
        self.placeholders: set[tuple[str, str]] = set()
        self.to_geocode: dict[uuid.UUID, Any] = {}
        self.addresses: dict[uuid.UUID, dict[str, Any]] = {}

    def prepare(self, rows: Iterable[Row]) -> None:
        """Find placeholder points before any location is written."""
        counts = Counter(p for r in rows if r.table == "location" and (p := _point(r.data)) is not None)
        self.placeholders = {p for p, n in counts.items() if n >= PLACEHOLDER_MIN}
        self.to_geocode = {}
        self.addresses = {}

    def check(self, row: Row, out: dict[str, Any]) -> None:
        """Keep, or drop and flag, the coordinates of one mapped location row."""
        lat, lon = out.get("latitude"), out.get("longitude")
        rep = self.report
        if lat is None or lon is None:
            out["latitude"] = out["longitude"] = None
            out["geocode_precision"] = out["geocode_source"] = None
            rep.fix("location", "latitude", "no coordinates: geocoded from the address")
            self.to_geocode[out["id"]] = None
            return
        issue = check_coordinates(lat, lon)
        reason = None
        if issue is not None:
            reason = issue.message
            if issue.suggestion:
                reason += f" (probably {issue.suggestion[0]:.5f}, {issue.suggestion[1]:.5f})"
        elif _point(out) in self.placeholders:
            reason = f"placeholder point shared by {PLACEHOLDER_MIN} or more locations of this source"
        if reason is not None:
            rep.flag(
                row.source_table,
                row.file,
                row.row,
                "latitude,longitude",
                reason + "; geocoded instead",
                f"{lat}, {lon}",
            )
            out["latitude"] = out["longitude"] = None
            out["geocode_precision"] = out["geocode_source"] = None
            self.to_geocode[out["id"]] = None
            return
        out["geocode_precision"] = "coordinates"
        out["geocode_source"] = f"source:{self.source}"

    def remember_address(self, out: dict[str, Any]) -> None:
        loc = out.get("location_id")
        if loc not in self.to_geocode:  # only the addresses of locations to geocode are needed
            return
        if loc not in self.addresses or str(out.get("address_type")) == "physical":
            self.addresses[loc] = out

    def remember(self, eid: uuid.UUID, values: dict[str, Any], created: bool) -> None:
        """The values to be written for a location (all of a new one's, the changes of one that
        exists): its point goes there once it is geocoded."""
        if eid in self.to_geocode:
            self.to_geocode[eid] = (values, created)

    def geocode(self) -> list[dict[str, Any]]:
        """Geocode the locations that need it from their (already mapped) address, offline,
        into the values remembered for them. The points of new locations are also returned
        (`b_id` and the point's columns): their rows may be staged already."""
        points: list[dict[str, Any]] = []
        for eid, entry in self.to_geocode.items():
            if entry is None:
                continue
            values, created = entry
            addr = self.addresses.get(eid)
            if addr is None:
                self.report.fix("location", "latitude", "no coordinates and no address: left without a point")
                continue
            try:
                place = locate_address(
                    street=addr.get("address_1"),
                    city=addr.get("city"),
                    state=addr.get("state_province"),
                    postcode=addr.get("postal_code"),
                )
            except LocationError as exc:
                self.report.flag(
                    "location", "", None, "address", f"could not be geocoded: {exc.reason}", str(eid)
                )
                continue
            values.update(
                latitude=place.lat,
                longitude=place.lon,
                geocode_precision=place.precision,
                geocode_source=place.source,
            )
            if created:
                points.append({"b_id": eid, **{k: values[k] for k in POINT_COLUMNS}})
            self.report.fix("location", "geocode_precision", f"geocoded offline to {place.precision}")
        # What was held for this is no longer needed (the values live on in the import's rows).
        self.to_geocode, self.addresses = {}, {}
        return points
