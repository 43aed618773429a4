"""Search parameters checked into typed values; each error names the parameter at fault."""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, TypeVar

import geo
import hours
from wording import _

MAX_PER_PAGE = 100
MAX_RADIUS_KM = 500.0
SORTS = ("relevance", "distance")
STATUSES = ("active", "inactive", "defunct", "temporarily closed", "any")
_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}
_GENDERS = {
    "female": "female", "f": "female", "woman": "female", "women": "female", "girl": "female",
    "male": "male", "m": "male", "man": "male", "men": "male", "boy": "male",
    "transgender": "transgender", "trans": "transgender", "nonbinary": "nonbinary", "non-binary": "nonbinary",
}  # fmt: skip
T = TypeVar("T")


class ParamError(ValueError):
    """A parameter that cannot be used, and why (the API answers 400 naming it)."""

    def __init__(self, param: str, detail: str) -> None:
        super().__init__(detail)
        self.param = param
        self.detail = detail


@dataclass
class SearchParams:
    q: str = ""
    lat: float | None = None
    lon: float | None = None
    near: str | None = None
    radius_km: float | None = None
    taxonomy: list[str] = field(default_factory=list)
    open_now: bool = False
    at: dt.datetime | None = None
    # When to evaluate open_now and hours_label without filtering on them (at= filters).
    hours_at: dt.datetime | None = None
    language: str | None = None
    age: float | None = None
    gender: str | None = None
    free: bool = False
    accessible: bool = False
    available: bool = False
    covering: bool = False
    status: str = "active"
    sort: str = "relevance"
    page: int = 1
    per_page: int = 20

    @property
    def point(self) -> tuple[float, float] | None:
        return (self.lat, self.lon) if self.lat is not None and self.lon is not None else None

    @property
    def open_filter(self) -> bool:
        return self.open_now or self.at is not None


def _one(args: Mapping[str, Any], name: str) -> str | None:
    getlist = getattr(args, "getlist", None)
    values = getlist(name) if getlist else ([args[name]] if name in args else [])
    values = [str(v).strip() for v in values]
    if len(values) > 1 and name != "taxonomy":
        raise ParamError(name, _("give %(name)s once, not %(count)s times", name=name, count=len(values)))
    return values[0] if values else None


def _number(name: str, value: str, lo: float, hi: float, cast: Callable[[str], T] = float) -> T:  # type: ignore[assignment]
    try:
        number = cast(value)
    except ValueError:
        if cast is int:
            raise ParamError(
                name, _("%(name)s must be a whole number, got %(value)s", name=name, value=repr(value))
            ) from None
        raise ParamError(
            name, _("%(name)s must be a number, got %(value)s", name=name, value=repr(value))
        ) from None
    if not math.isfinite(float(number)) or not lo <= float(number) <= hi:  # type: ignore[arg-type]
        raise ParamError(
            name,
            _(
                "%(name)s must be between %(lo)s and %(hi)s, got %(value)s",
                name=name,
                lo=format(lo, "g"),
                hi=format(hi, "g"),
                value=repr(value),
            ),
        )
    return number


def _flag(name: str, value: str | None) -> bool:
    if value is None:
        return False
    if value.lower() in _TRUE:
        return True
    if value.lower() in _FALSE:
        return False
    raise ParamError(name, _("%(name)s must be true or false, got %(value)s", name=name, value=repr(value)))


def parse_at(value: str, timezone: str, name: str = "at") -> dt.datetime:
    """ISO 8601 date-time; without an offset it is read in the deployment's time zone."""
    try:
        return hours.moment(value, timezone)
    except ValueError:
        raise ParamError(
            name,
            _(
                "%(name)s must be an ISO 8601 date-time such as 2026-05-01T23:30, got %(value)s",
                name=name,
                value=repr(value),
            ),
        ) from None


def parse_params(
    args: Mapping[str, Any],
    *,
    timezone: str = "UTC",
    locate: Callable[[str], geo.Place] | None = None,
) -> SearchParams:
    """The query string as typed values. `near` is placed by `locate` (the app passes its
    cached geocoder, the one matching uses), offline by `geo.locate` without one."""
    p = SearchParams()
    p.q = (_one(args, "q") or "")[:300]
    lat, lon, near = _one(args, "lat"), _one(args, "lon"), _one(args, "near")
    if (lat is None) != (lon is None):
        missing = "lon" if lon is None else "lat"
        raise ParamError(
            missing,
            _(
                "%(missing)s is needed with %(given)s",
                missing=missing,
                given="lat" if missing == "lon" else "lon",
            ),
        )
    if lat is not None and lon is not None:
        if near:
            raise ParamError("near", _("give either near or lat and lon, not both"))
        p.lat = _number("lat", lat, -90, 90)
        p.lon = _number("lon", lon, -180, 180)
    elif near:
        try:
            place = locate(near) if locate else geo.locate(near)
        except geo.LocationError as exc:
            raise ParamError(
                "near", _("near: cannot place %(near)s: %(why)s", near=repr(near), why=exc)
            ) from None
        p.near, p.lat, p.lon = near, place.lat, place.lon
    if (radius := _one(args, "radius_km")) is not None:
        p.radius_km = _number("radius_km", radius, 0.001, MAX_RADIUS_KM)
        if p.point is None:
            raise ParamError("radius_km", _("radius_km needs a point: lat and lon, or near"))
    getlist = getattr(args, "getlist", None)
    raw_tax = getlist("taxonomy") if getlist else [args.get("taxonomy") or ""]
    p.taxonomy = [t.strip() for v in raw_tax for t in str(v).split(",") if t.strip()]
    p.open_now = _flag("open_now", _one(args, "open_now"))
    if at := _one(args, "at"):
        p.at = parse_at(at, timezone)
    if hours_at := _one(args, "hours_at"):
        p.hours_at = parse_at(hours_at, timezone, "hours_at")
    if language := _one(args, "language"):
        if not language.replace("-", "").isalpha() or len(language) > 40:
            raise ParamError(
                "language",
                _(
                    "language must be a code such as es or a name such as Spanish, got %(value)s",
                    value=repr(language),
                ),
            )
        p.language = language.lower().split("-")[0] if len(language) <= 5 else language.lower()
    if (age := _one(args, "age")) is not None:
        p.age = _number("age", age, 0, 130)
    if gender := _one(args, "gender"):
        if gender.lower() not in _GENDERS:
            raise ParamError(
                "gender",
                _("gender must be female, male, transgender or nonbinary, got %(value)s", value=repr(gender)),
            )
        p.gender = _GENDERS[gender.lower()]
    p.free = _flag("free", _one(args, "free"))
    p.accessible = _flag("accessible", _one(args, "accessible"))
    p.available = _flag("available", _one(args, "available"))
    p.covering = _flag("covering", _one(args, "covering"))
    if p.covering and p.point is None:
        raise ParamError("covering", _("covering needs a point: lat and lon, or near"))
    if status := _one(args, "status"):
        if status.lower() not in STATUSES:
            raise ParamError(
                "status",
                _(
                    "status must be one of %(allowed)s, got %(value)s",
                    allowed=", ".join(STATUSES),
                    value=repr(status),
                ),
            )
        p.status = status.lower()
    if sort := _one(args, "sort"):
        if sort not in SORTS:
            raise ParamError("sort", _("sort must be relevance or distance, got %(value)s", value=repr(sort)))
        if sort == "distance" and p.point is None:
            raise ParamError("sort", _("sort=distance needs a point: lat and lon, or near"))
        p.sort = sort
    if (page := _one(args, "page")) is not None:
        p.page = _number("page", page, 1, 10_000, int)
    if (per_page := _one(args, "per_page")) is not None:
        p.per_page = _number("per_page", per_page, 1, MAX_PER_PAGE, int)
    return p
