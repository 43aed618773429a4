"""Service areas given as names: counties, cities, states, ZIP lists, "nationwide".

Directories often say "Miami-Dade County", "Chicago" or list ZIP codes instead of drawing a
polygon. `resolve_area` turns such text into a `ServiceArea` where the data allows:

- ZIP codes -> a ZIP list (no boundary data needed);
- a city ("Chicago, IL", or "Chicago" with a default state) -> the ZIPs of that city;
- a county or a state -> its polygon, from a `Boundaries` source the deployment passes in
  (for example the Census cartographic boundary files as GeoJSON); geo ships none;
- "nationwide", "United States", ... -> every US point.

Whatever cannot be resolved is kept as text in `ServiceArea.unresolved`, with a note why.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from os import PathLike
from pathlib import Path
from typing import Any, Literal

import shapely
from shapely.geometry.base import BaseGeometry

from geo.areas import AreaError, ServiceArea, polygonal_shape, to_geometry
from geo.states import BY_FIPS, state_code
from geo.zipdata import city_key, normalize_zip, zip_index

NameKind = Literal["auto", "county", "city", "state", "zip"]
GeoJSONSource = str | PathLike[str] | Mapping[str, Any]

# compared after city_key(): lower case, no spaces
_NATIONWIDE = {"nationwide", "national", "unitedstates", "usa", "us", "alloftheunitedstates"}
_COUNTY_SUFFIX = re.compile(
    r"\s+(county|parish|borough|census area|city and borough|municipality)$", re.IGNORECASE
)
_CITY_SUFFIX = re.compile(r"\s+city$", re.IGNORECASE)
_SPLIT = re.compile(r"\s*(?:\n|;|\|)\s*")
_ZIP_TOKEN = re.compile(r"^\d{5}(?:-\d{4})?$")


@dataclass(frozen=True, slots=True)
class County:
    fips: str
    name: str
    state: str  # USPS code
    geometry: BaseGeometry

    @property
    def independent_city(self) -> bool:
        # County-equivalent codes 510 and up are independent cities (VA, MD, MO, NV).
        return int(self.fips[2:]) >= 500

    @property
    def label(self) -> str:
        kind = "city" if self.independent_city else "County"
        return f"{self.name} {kind}, {self.state}"


def _load(source: GeoJSONSource) -> Mapping[str, Any]:
    if isinstance(source, Mapping):
        return source
    data = json.loads(Path(source).read_text(encoding="utf-8"))
    if not isinstance(data, Mapping) or data.get("type") != "FeatureCollection":
        raise AreaError(f"{source}: expected a GeoJSON FeatureCollection")
    return data


def _prop(props: Mapping[str, Any], *names: str) -> str:
    for name in names:
        value = props.get(name)
        if value not in (None, ""):
            return str(value)
    return ""


def _feature_geometry(feature: Mapping[str, Any]) -> BaseGeometry | str:
    """The feature's polygon, or the reason it has none."""
    if not feature.get("geometry"):
        return "no geometry"
    try:
        return to_geometry(polygonal_shape(feature["geometry"]))
    except AreaError as exc:
        return str(exc)


class Boundaries:
    """County and state polygons looked up by name.

    Feature properties are read the way the Census and us-atlas files spell them:
    ``GEOID``/``fips``/``GEO_ID`` (5-digit county or 2-digit state FIPS) and ``NAME``/``name``.
    """

    def __init__(self, counties: list[County], states: dict[str, BaseGeometry]) -> None:
        self.skipped: list[str] = []
        self._states = states
        self._counties: dict[str, list[County]] = {}
        for county in counties:
            self._counties.setdefault(city_key(county.name), []).append(county)

    @classmethod
    def from_geojson(
        cls, counties: GeoJSONSource | None = None, states: GeoJSONSource | None = None
    ) -> Boundaries:
        """Load county and/or state FeatureCollections (a path or a parsed mapping).

        Features without a usable FIPS code or geometry are skipped and listed in `skipped`.
        """
        county_list: list[County] = []
        state_map: dict[str, BaseGeometry] = {}
        skipped: list[str] = []
        for feature in _load(counties).get("features", []) if counties is not None else []:
            props = feature.get("properties") or {}
            fips = _prop(props, "GEOID", "fips", "GEO_ID", "id")[-5:]
            name = _prop(props, "NAME", "name")
            row = BY_FIPS.get(fips[:2])
            geom = _feature_geometry(feature)
            if len(fips) != 5 or row is None or isinstance(geom, str):
                skipped.append(f"county {fips or '?'} {name}: {geom if isinstance(geom, str) else 'no FIPS'}")
                continue
            county_list.append(County(fips, name, row[0], geom))
        for feature in _load(states).get("features", []) if states is not None else []:
            props = feature.get("properties") or {}
            fips = _prop(props, "STATEFP", "GEOID", "fips", "id")[-2:]
            code = BY_FIPS[fips][0] if fips in BY_FIPS else state_code(_prop(props, "NAME", "name"))
            geom = _feature_geometry(feature)
            if code is None or isinstance(geom, str):
                why = geom if isinstance(geom, str) else "no FIPS"
                skipped.append(f"state {fips} {_prop(props, 'NAME', 'name')}: {why}")
                continue
            state_map[code] = geom
        boundaries = cls(county_list, state_map)
        boundaries.skipped = skipped
        return boundaries

    def counties(self, name: str, state: str | None = None) -> list[County]:
        """Counties called `name` ("Miami-Dade", "Miami-Dade County", "Baltimore city")."""
        wants_city = bool(_CITY_SUFFIX.search(name.strip()))
        base = _CITY_SUFFIX.sub("", _COUNTY_SUFFIX.sub("", name.strip()))
        found = self._counties.get(city_key(base), [])
        if state:
            found = [c for c in found if c.state == state]
        if len(found) > 1:
            preferred = [c for c in found if c.independent_city == wants_city]
            found = preferred or found
        return found

    def state(self, code: str) -> BaseGeometry | None:
        return self._states.get(code)


def _union(geoms: list[BaseGeometry]) -> BaseGeometry | None:
    if not geoms:
        return None
    return to_geometry(shapely.union_all(geoms)) if len(geoms) > 1 else geoms[0]


def _split_state(part: str, default: str | None) -> tuple[str, str | None]:
    """("Miami-Dade County", "FL") from "Miami-Dade County, FL" (or the default state)."""
    if "," in part:
        name, _, tail = part.rpartition(",")
        code = state_code(tail)
        if code:
            return name.strip(), code
    return part.strip(), default


@dataclass
class _Parts:
    geoms: list[BaseGeometry]
    zips: set[str]
    unresolved: list[str]
    notes: list[str]
    kinds: set[str]
    nationwide: bool = False


def _resolve_one(
    part: str, kind: NameKind, state: str | None, boundaries: Boundaries | None, acc: _Parts
) -> None:
    key = city_key(part)
    if kind in ("auto", "zip") and _ZIP_TOKEN.match(part):
        code = normalize_zip(part)
        if code and zip_index().get(code):
            acc.zips.add(code)
            acc.kinds.add("zips")
        else:
            acc.unresolved.append(part)
            acc.notes.append(f"{part}: not a known ZIP code")
        return
    if kind == "auto" and key in _NATIONWIDE:
        acc.nationwide = True
        acc.kinds.add("nationwide")
        return
    if kind == "auto" and key == "statewide" and state:
        part = state
    name, st = _split_state(part, state)
    is_county = kind == "county" or (kind == "auto" and bool(_COUNTY_SUFFIX.search(name)))
    if kind in ("auto", "state") and not is_county and "," not in part and state_code(part):
        code = state_code(part) or ""
        geom = boundaries.state(code) if boundaries else None
        if geom is None:
            acc.unresolved.append(part)
            acc.notes.append(f"{part}: no state boundaries given")
        else:
            acc.geoms.append(geom)
            acc.kinds.add("state")
        return
    if kind in ("auto", "city") and not is_county and st:
        found = zip_index().city(name, st)
        if found is not None:
            acc.zips.update(found[3])
            acc.kinds.add("city")
            return
        if kind == "city":
            acc.unresolved.append(part)
            acc.notes.append(f"{part}: no city {name!r} in {st}")
            return
    if boundaries is None:
        acc.unresolved.append(part)
        acc.notes.append(f"{part}: no county boundaries given")
        return
    counties = boundaries.counties(name, st)
    if len(counties) == 1:
        acc.geoms.append(counties[0].geometry)
        acc.kinds.add("county")
    elif counties:
        states = ", ".join(sorted({c.state for c in counties}))
        acc.unresolved.append(part)
        acc.notes.append(f"{part}: ambiguous, matches counties in {states}; give the state")
    else:
        acc.unresolved.append(part)
        where = f" in {st}" if st else ""
        acc.notes.append(f"{part}: no county or city of that name{where}")


def resolve_area(
    text: str,
    *,
    kind: NameKind = "auto",
    state: str | None = None,
    boundaries: Boundaries | None = None,
) -> ServiceArea:
    """A ServiceArea from names; several names may be separated by newlines, ';' or '|'.

    `kind` says what the names are when the source tells us (a "Counties" column);
    "auto" guesses from the text. `state` is the default state for names without one.
    Comma-separated ZIP lists ("33101, 33125") are understood too.
    """
    default_state = state_code(state) if state else None
    if state and default_state is None:
        raise AreaError(f"{state!r} is not a US state or territory")
    text = text.strip()
    pieces = [p for p in _SPLIT.split(text) if p]
    if pieces and all(_ZIP_TOKEN.match(t) for p in pieces for t in re.split(r"[\s,]+", p) if t):
        pieces = [t for p in pieces for t in re.split(r"[\s,]+", p) if t]
    acc = _Parts([], set(), [], [], set())
    for piece in pieces:
        _resolve_one(piece, kind, default_state, boundaries, acc)
    if not pieces:
        acc.unresolved.append(text)
        acc.notes.append("no area given")
    kinds = acc.kinds | ({"text"} if acc.unresolved else set())
    area_kind = next(iter(kinds)) if len(kinds) == 1 else "mixed"
    return ServiceArea(
        text=text,
        kind=area_kind,  # type: ignore[arg-type]
        geometry=_union(acc.geoms),
        zips=frozenset(acc.zips),
        nationwide=acc.nationwide,
        unresolved=tuple(acc.unresolved),
        note="; ".join(acc.notes),
        parts=tuple(pieces),
    )


def service_area_from_hsds(
    record: Mapping[str, Any], *, boundaries: Boundaries | None = None, state: str | None = None
) -> ServiceArea:
    """A ServiceArea from an HSDS service_area record (extent first, then its name).

    A GeoJSON extent that is broken is not thrown away silently: the area falls back to
    its name and the note says what was wrong with the extent.
    """
    name = str(record.get("name") or record.get("service_area") or "").strip()
    extent = record.get("extent")
    extent_type = str(record.get("extent_type") or "").strip().lower()
    problem = ""
    if extent and extent_type in ("", "geojson"):
        try:
            return ServiceArea(text=name, kind="polygon", geometry=to_geometry(extent))
        except AreaError as exc:
            problem = f"extent ignored: {exc}"
    elif extent and extent_type != "text":
        problem = f"extent type {extent_type!r} is not supported"
    elif extent:
        name = name or str(extent)
    if not name:
        return ServiceArea(text="", kind="text", unresolved=("",), note=problem or "no area given")
    area = resolve_area(name, state=state, boundaries=boundaries)
    if problem:
        note = f"{problem}; {area.note}" if area.note else problem
        area = ServiceArea(
            area.text,
            area.kind,
            area.geometry,
            area.zips,
            area.nationwide,
            area.unresolved,
            note,
            area.parts,
        )
    return area
