"""Places and coordinate checks.

Every answer of the geocoder is a `Place` that says how exact it is and where it came from,
so a ranking can tell a rooftop from a ZIP centroid. Coordinates typed by a person or read
from a file are checked by `check_coordinates`, which names the mistake (swapped columns,
Web-Mercator metres, a lost minus sign, ...) and, when it can, the point that was meant.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal

from wording import N_, _

Precision = Literal["rooftop", "street", "postcode", "city", "coordinates"]

PRECISIONS: tuple[Precision, ...] = ("coordinates", "rooftop", "street", "postcode", "city")

IssueCode = Literal[
    "missing",
    "not_a_number",
    "not_finite",
    "out_of_range",
    "projected_metres",
    "swapped",
    "longitude_sign",
    "null_island",
    "outside_country",
]

# Web-Mercator (EPSG:3857) half-extent in metres and the sphere radius it uses.
_MERCATOR_MAX = 20037508.342789244
_MERCATOR_R = 6378137.0
# Below this many metres a value is more likely a typo than a projected coordinate.
_MERCATOR_MIN_SEEN = 10_000.0

# Boxes (min_lat, min_lon, max_lat, max_lon) that hold the US, its states and territories.
# Coarse on purpose: they only tell a plausible point from a swapped or mistyped one.
US_BOXES: tuple[tuple[float, float, float, float], ...] = (
    (24.3, -125.0, 49.5, -66.8),  # contiguous states
    (51.0, -180.0, 71.6, -129.9),  # Alaska
    (51.0, 172.0, 53.2, 180.0),  # Aleutians west of the antimeridian
    (18.8, -178.5, 28.5, -154.7),  # Hawaii incl. the north-western islands
    (17.6, -68.0, 18.6, -64.5),  # Puerto Rico, US Virgin Islands
    (13.2, 144.5, 20.6, 146.1),  # Guam, Northern Mariana Islands
    (-14.6, -171.1, -11.0, -168.1),  # American Samoa
)


class LocationError(ValueError):
    """A location that cannot be used, with the reason and what was tried."""

    def __init__(self, message: str, *, tried: tuple[str, ...] = ()) -> None:
        super().__init__(message)
        self.reason = message
        self.tried = tried


@dataclass(frozen=True, slots=True)
class Place:
    """A resolved point with its precision and its source.

    `label` is the text to show ("Miami, FL", "ZIP 33101"); `note` says what was given up on
    the way (for example an address that fell back to its ZIP centroid).
    """

    lat: float
    lon: float
    precision: Precision
    source: str
    label: str = ""
    note: str = ""
    postcode: str | None = None

    @property
    def point(self) -> tuple[float, float]:
        return (self.lat, self.lon)


@dataclass(frozen=True, slots=True)
class CoordinateIssue:
    """What is wrong with a coordinate pair, and the likely intended point if there is one."""

    code: IssueCode
    message: str
    suggestion: tuple[float, float] | None = None

    def __str__(self) -> str:
        return self.message


def in_us(lat: float, lon: float) -> bool:
    """Whether a point falls in one of the coarse US boxes."""
    return any(a <= lat <= c and b <= lon <= d for a, b, c, d in US_BOXES)


def mercator_to_lat_lon(x: float, y: float) -> tuple[float, float]:
    """Web-Mercator metres (EPSG:3857) to WGS84 degrees."""
    lon = math.degrees(x / _MERCATOR_R)
    lat = math.degrees(2.0 * math.atan(math.exp(y / _MERCATOR_R)) - math.pi / 2.0)
    return (lat, lon)


def _as_float(value: object, name: str) -> float | CoordinateIssue:
    if value is None or (isinstance(value, str) and not value.strip()):
        return CoordinateIssue("missing", _("%(name)s is missing", name=_(name)))
    if isinstance(value, bool):
        return CoordinateIssue(
            "not_a_number", _("%(name)s %(value)s is not a number", name=_(name), value=repr(value))
        )
    try:
        number = float(value.strip() if isinstance(value, str) else value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return CoordinateIssue(
            "not_a_number", _("%(name)s %(value)s is not a number", name=_(name), value=repr(value))
        )
    if not math.isfinite(number):
        return CoordinateIssue(
            "not_finite", _("%(name)s is %(value)s (not a finite number)", name=_(name), value=number)
        )
    return number


def _num(value: float) -> str:
    return f"{value:.1f}" if abs(value) >= 1000 else f"{value:.7g}"


def _fmt(lat: float, lon: float) -> str:
    return f"{_num(lat)},{_num(lon)}"


def check_coordinates(lat: object, lon: object, *, country: str | None = "US") -> CoordinateIssue | None:
    """Say what is wrong with a latitude/longitude pair, or None when it looks right.

    Accepts numbers or numeric strings (as read from CSV). Detects, in this order: a missing
    value, text that is not a number, NaN/infinity, Web-Mercator metres stored as degrees
    (suggesting the converted point), latitude/longitude swapped, values out of range,
    0,0 ("null island"). With `country="US"` it also flags points outside the US and names
    the two usual causes: swapped columns and a lost minus sign on the longitude. Importers
    use the `suggestion` to report (never silently apply) the intended point.
    """
    flat = _as_float(lat, N_("latitude"))
    if isinstance(flat, CoordinateIssue):
        return flat
    flon = _as_float(lon, N_("longitude"))
    if isinstance(flon, CoordinateIssue):
        return flon
    us = country is not None and country.upper() == "US"

    def plausible(a: float, b: float) -> bool:
        return in_us(a, b) if us else (-90.0 <= a <= 90.0 and -180.0 <= b <= 180.0)

    if abs(flat) > 180.0 or abs(flon) > 180.0:
        largest = max(abs(flat), abs(flon))
        if _MERCATOR_MIN_SEEN <= largest <= _MERCATOR_MAX * 1.001:
            for x, y, how in ((flon, flat, ""), (flat, flon, N_(", swapped"))):
                guess = mercator_to_lat_lon(x, y)
                if plausible(*guess):
                    return CoordinateIssue(
                        "projected_metres",
                        _(
                            "%(point)s looks like Web-Mercator metres (EPSG:3857%(how)s), "
                            "not degrees; as degrees it would be %(guess)s",
                            point=_fmt(flat, flon),
                            how=_(how) if how else "",
                            guess=_fmt(*guess),
                        ),
                        (round(guess[0], 7), round(guess[1], 7)),
                    )
        return CoordinateIssue(
            "out_of_range",
            _(
                "%(point)s is out of range: latitude must be within -90..90 and longitude within -180..180",
                point=_fmt(flat, flon),
            ),
        )
    if abs(flat) > 90.0:
        if abs(flon) <= 90.0 and plausible(flon, flat):
            return CoordinateIssue(
                "swapped",
                _(
                    "latitude %(lat)s is out of range; latitude and longitude look swapped "
                    "(did you mean %(point)s?)",
                    lat=_num(flat),
                    point=_fmt(flon, flat),
                ),
                (flon, flat),
            )
        return CoordinateIssue(
            "out_of_range", _("latitude %(lat)s is out of range (must be within -90..90)", lat=_num(flat))
        )
    if flat == 0.0 and flon == 0.0:
        return CoordinateIssue("null_island", _("0,0 is a placeholder, not a real location"))
    if not us or in_us(flat, flon):
        return None
    if in_us(flon, flat):
        return CoordinateIssue(
            "swapped",
            _(
                "%(point)s is outside the US; latitude and longitude look swapped (did you mean %(guess)s?)",
                point=_fmt(flat, flon),
                guess=_fmt(flon, flat),
            ),
            (flon, flat),
        )
    if in_us(flat, -flon):
        return CoordinateIssue(
            "longitude_sign",
            _(
                "%(point)s is outside the US; the longitude looks like it lost its minus sign "
                "(did you mean %(guess)s?)",
                point=_fmt(flat, flon),
                guess=_fmt(flat, -flon),
            ),
            (flat, -flon),
        )
    return CoordinateIssue(
        "outside_country", _("%(point)s is outside the United States", point=_fmt(flat, flon))
    )


def validate_point(lat: object, lon: object, *, country: str | None = "US") -> tuple[float, float]:
    """Return the pair as floats, or raise `LocationError` with the reason."""
    issue = check_coordinates(lat, lon, country=country)
    if issue is not None:
        raise LocationError(issue.message)
    return (float(lat), float(lon))  # type: ignore[arg-type]
