"""Service areas: polygons, ZIP lists, "nationwide", and names we could not resolve.

An HSDS `service_area.extent` is GeoJSON text; `to_geometry` turns it (or a mapping, or a
shapely geometry) into a valid Polygon/MultiPolygon or says why it cannot. `covers` answers
one area and one point. `AreaIndex` answers "which of these areas cover this point" for
thousands of areas at once: an STRtree narrows to the areas whose bounding box holds the
point, then prepared geometries decide.

GeoJSON order is [longitude, latitude]; every function here takes (lat, lon) like the rest
of `geo`.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Generic, Literal, TypeVar

import numpy as np
import shapely
from shapely.geometry import MultiPolygon, Point, Polygon, shape
from shapely.geometry.base import BaseGeometry

from geo.places import in_us
from geo.zipdata import zip_index

AreaKind = Literal["polygon", "county", "state", "city", "zips", "nationwide", "text", "mixed"]
K = TypeVar("K")


class AreaError(ValueError):
    """An extent that cannot be used as an area, with the reason."""


@dataclass(frozen=True, slots=True)
class ServiceArea:
    """Where a service is offered, as far as the data allows us to know.

    `geometry` and `zips` are the parts we could resolve; `unresolved` keeps the names we
    could not (shown to people as text, never dropped). A ZIP list covers a point when the
    point's nearest ZIP centroid is in the list: an approximation, as ZIP polygons are not
    shipped.
    """

    text: str
    kind: AreaKind
    geometry: BaseGeometry | None = None
    zips: frozenset[str] = frozenset()
    nationwide: bool = False
    unresolved: tuple[str, ...] = ()
    note: str = ""
    parts: tuple[str, ...] = field(default=())

    @property
    def resolved(self) -> bool:
        return not self.unresolved

    def covers(self, lat: float, lon: float) -> bool | None:
        """True or False when known; None when only unresolved text could cover the point."""
        if self.nationwide and in_us(lat, lon):
            return True
        if self.geometry is not None and shapely.covers(self.geometry, Point(lon, lat)):
            return True
        if self.zips and zip_index().nearest_zip(lat, lon) in self.zips:
            return True
        return None if self.unresolved else False


def _parse_json(text: str) -> Any:
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise AreaError(f"extent is not valid JSON: {exc.msg} at character {exc.pos}") from exc


def _from_mapping(data: Mapping[str, Any]) -> BaseGeometry:
    kind = data.get("type")
    if kind == "FeatureCollection":
        features = data.get("features") or []
        if not features:
            raise AreaError("extent is an empty FeatureCollection")
        return shapely.union_all([_from_mapping(f) for f in features])
    if kind == "Feature":
        if not data.get("geometry"):
            raise AreaError("extent is a Feature without a geometry")
        return _from_mapping(data["geometry"])
    if kind not in {"Polygon", "MultiPolygon"}:
        raise AreaError(
            f"extent must be a GeoJSON Polygon or MultiPolygon (or a Feature of one), got {kind!r}"
        )
    return polygonal_shape(data)


def _polygon(rings: Any) -> Polygon | None:
    # A ring needs 4 positions (closed triangle); simplified boundary files contain slivers
    # with fewer, which are dropped rather than failing the whole area.
    rings = [r for r in rings if len(r) >= 4]
    if not rings:
        return None
    return Polygon(rings[0], rings[1:])


def polygonal_shape(data: Mapping[str, Any]) -> BaseGeometry:
    """A shapely (Multi)Polygon from a GeoJSON geometry mapping, skipping degenerate rings."""
    kind = data.get("type")
    coords = data.get("coordinates")
    try:
        if kind == "Polygon":
            polygons = [_polygon(coords)]
        elif kind == "MultiPolygon":
            polygons = [_polygon(rings) for rings in coords or []]
        else:
            return shape(dict(data))
    except (ValueError, TypeError, IndexError, AttributeError) as exc:
        raise AreaError(f"extent {kind} has malformed coordinates: {exc}") from exc
    kept = [p for p in polygons if p is not None]
    if not kept:
        raise AreaError(f"extent {kind} has no ring with at least 4 positions")
    return kept[0] if len(kept) == 1 and kind == "Polygon" else MultiPolygon(kept)


def to_geometry(area: BaseGeometry | Mapping[str, Any] | str) -> BaseGeometry:
    """A valid Polygon/MultiPolygon from GeoJSON text, a GeoJSON mapping or a geometry.

    Raises AreaError when the input is not polygonal, is empty, has coordinates out of
    range or in [lat, lon] order (for US areas), or cannot be repaired.
    """
    if isinstance(area, str):
        area = _parse_json(area)
        if not isinstance(area, Mapping):
            raise AreaError("extent JSON must be an object (a GeoJSON geometry or Feature)")
    if isinstance(area, BaseGeometry):
        geom = area
    elif isinstance(area, Mapping):
        geom = _from_mapping(area)
    else:
        raise AreaError(f"an area must be GeoJSON or a shapely geometry, got {type(area).__name__}")
    if geom.is_empty:
        raise AreaError("extent is empty")
    if not isinstance(geom, Polygon | MultiPolygon):
        raise AreaError(f"extent must be polygonal, got {geom.geom_type}")
    min_x, min_y, max_x, max_y = geom.bounds
    if not all(np.isfinite(geom.bounds)):
        raise AreaError("extent has coordinates that are not finite numbers")
    if min_x < -180 or max_x > 180 or min_y < -90 or max_y > 90:
        raise AreaError(
            f"extent coordinates out of range (bounds {min_x:g},{min_y:g},{max_x:g},{max_y:g}); "
            "GeoJSON is [longitude, latitude] in degrees"
        )
    centre = geom.representative_point()
    if not in_us(centre.y, centre.x) and in_us(centre.x, centre.y):
        raise AreaError("extent coordinates look like [latitude, longitude]; GeoJSON is [lon, lat]")
    if not geom.is_valid:
        geom = shapely.make_valid(geom)
        polygons = [g for g in getattr(geom, "geoms", [geom]) if isinstance(g, Polygon | MultiPolygon)]
        if not polygons:
            raise AreaError("extent is not a valid polygon and cannot be repaired")
        geom = shapely.union_all(polygons)
    return geom


def covers(area: BaseGeometry | Mapping[str, Any] | str | ServiceArea, lat: float, lon: float) -> bool:
    """Whether the area covers the point (a point on the boundary counts as covered).

    For a ServiceArea that is partly text, an unknown answer counts as False; use
    `ServiceArea.covers` to tell "no" from "unknown".
    """
    if isinstance(area, ServiceArea):
        return bool(area.covers(lat, lon))
    return bool(shapely.covers(to_geometry(area), Point(lon, lat)))


def as_service_area(area: ServiceArea | BaseGeometry | Mapping[str, Any] | str) -> ServiceArea:
    if isinstance(area, ServiceArea):
        return area
    return ServiceArea(text="", kind="polygon", geometry=to_geometry(area))


class AreaIndex(Generic[K]):
    """Many service areas, one question: which of them cover this point.

    Build once (e.g. per catalog version) and query per request. `unknown` lists the keys
    whose areas are partly unresolved text: neither in nor out.
    """

    def __init__(
        self, items: Iterable[tuple[K, ServiceArea | BaseGeometry | Mapping[str, Any] | str]]
    ) -> None:
        self.keys: list[K] = []
        geoms: list[BaseGeometry] = []
        geom_owner: list[int] = []
        self._by_zip: dict[str, list[int]] = {}
        self._nationwide: list[int] = []
        self._unknown: list[int] = []
        for key, area in items:
            sa = as_service_area(area)
            i = len(self.keys)
            self.keys.append(key)
            if sa.geometry is not None:
                geoms.append(sa.geometry)
                geom_owner.append(i)
            for z in sa.zips:
                self._by_zip.setdefault(z, []).append(i)
            if sa.nationwide:
                self._nationwide.append(i)
            if sa.unresolved:
                self._unknown.append(i)
        self._geoms = np.array(geoms, dtype=object)
        shapely.prepare(self._geoms)
        self._owner = np.array(geom_owner, dtype=np.int64)
        self._tree = shapely.STRtree(self._geoms)

    def __len__(self) -> int:
        return len(self.keys)

    def covering_indices(self, lat: float, lon: float) -> list[int]:
        point = Point(lon, lat)
        found: set[int] = set()
        if len(self._geoms):
            candidates = self._tree.query(point)
            if candidates.size:
                hit = shapely.covers(self._geoms[candidates], point)
                found.update(self._owner[candidates[hit]].tolist())
        if self._by_zip:
            nearest = zip_index().nearest_zip(lat, lon)
            if nearest is not None:
                found.update(self._by_zip.get(nearest, ()))
        if self._nationwide and in_us(lat, lon):
            found.update(self._nationwide)
        return sorted(found)

    def covering(self, lat: float, lon: float) -> list[K]:
        """Keys of the areas that cover the point, in the order they were given."""
        return [self.keys[i] for i in self.covering_indices(lat, lon)]

    @property
    def unknown(self) -> list[K]:
        """Keys of areas that are (partly) unresolved text."""
        return [self.keys[i] for i in self._unknown]
