"""Query parameters of the HSDS API, parsed into typed values or a 400 naming the culprit."""

from __future__ import annotations

import datetime as dt
import math
import uuid
from collections.abc import Iterable, Mapping

from geo import LocationError, locate_zip, normalize_zip
from hsds import versions
from hsds.queries import Near, PlaceFilters, ServiceFilters
from kernel.errors import Problem, bad_param

DEFAULT_PER_PAGE = 50
MAX_PER_PAGE = 1000
# `minimal` asks for every service in one page; this many ids stays a small response.
MINIMAL_PER_PAGE = 10000

_TRUE = {"true", "1", "yes"}
_FALSE = {"false", "0", "no"}


def only(args: Mapping[str, str], allowed: Iterable[str]) -> None:
    """Refuse parameters this path does not define: a typo must not silently widen a result."""
    allowed = set(allowed)
    for name in args:
        if name not in allowed:
            known = ", ".join(sorted(allowed)) or "none"
            raise bad_param(name, f"unknown parameter {name!r}; this path takes: {known}")


def boolean(args: Mapping[str, str], name: str) -> bool:
    raw = args.get(name)
    if raw is None or raw == "":
        return False
    value = raw.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise bad_param(name, f"{name} must be true or false, got {raw!r}")


def integer(args: Mapping[str, str], name: str, default: int, low: int, high: int | None = None) -> int:
    raw = args.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw.strip())
    except ValueError:
        raise bad_param(name, f"{name} must be a whole number, got {raw!r}") from None
    if value < low or (high is not None and value > high):
        bound = f"between {low} and {high}" if high is not None else f"at least {low}"
        raise bad_param(name, f"{name} must be {bound}, got {value}")
    return value


def uuid_param(args: Mapping[str, str], name: str) -> uuid.UUID | None:
    raw = args.get(name)
    if raw is None or raw == "":
        return None
    try:
        return uuid.UUID(raw.strip())
    except ValueError:
        raise bad_param(name, f"{name} must be a UUID, got {raw!r}") from None


def path_id(raw: str, what: str) -> uuid.UUID:
    """A malformed id names nothing we hold: 404, like an unknown one."""
    try:
        return uuid.UUID(raw)
    except ValueError:
        raise Problem(404, f"There is no {what} with id {raw!r}.", title="Not Found") from None


def datetime_param(args: Mapping[str, str], name: str) -> dt.datetime | None:
    raw = args.get(name)
    if raw is None or raw == "":
        return None
    text = raw.strip().replace(" ", "+")  # a '+' in a query string arrives as a space
    try:
        value = dt.datetime.fromisoformat(text.replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError:
        raise bad_param(
            name, f"{name} must be an ISO 8601 date-time such as 2024-05-01T00:00:00Z, got {raw!r}"
        ) from None
    return value if value.tzinfo else value.replace(tzinfo=dt.UTC)


def hsds_version(args: Mapping[str, str], accept: str | None) -> str:
    """The HSDS version asked for: `version=3.0|3.1`, else an Accept profile, else 3.0.

    The parameter wins over the header; an Accept profile we do not write is no error
    (content negotiation falls back to the default), a wrong `version` is.
    """
    raw = args.get("version")
    if raw is not None and raw.strip():
        value = raw.strip()
        if value not in versions.VERSIONS:
            raise bad_param("version", f"version must be one of {', '.join(versions.VERSIONS)}, got {raw!r}")
        return value
    return accept_profile(accept) or versions.DEFAULT


def accept_profile(accept: str | None) -> str | None:
    """The version whose profile URI an Accept header names with the most weight (RFC 6906)."""
    best: tuple[float, str] | None = None
    for media_range in (accept or "").split(","):
        quality, named = 1.0, []
        for param in media_range.split(";")[1:]:
            key, _, value = param.strip().partition("=")
            key, value = key.strip().lower(), value.strip().strip('"')
            if key == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
            elif key == "profile":
                named = value.split()
        for uri in named:
            version = versions.of_profile(uri)
            if version and quality > 0 and (best is None or quality > best[0]):
                best = (quality, version)
    return best[1] if best else None


def output_format(args: Mapping[str, str]) -> str:
    raw = (args.get("format") or "json").strip().lower()
    if raw not in ("json", "ndjson"):
        raise bad_param("format", f"format must be json or ndjson, got {args.get('format')!r}")
    return raw


def paging(args: Mapping[str, str], default_per_page: int = DEFAULT_PER_PAGE) -> tuple[int, int]:
    number = integer(args, "page", 1, 1)
    high = max(MAX_PER_PAGE, default_per_page)
    size = integer(args, "per_page", default_per_page, 1, high)
    return number, size


def service_filters(args: Mapping[str, str]) -> ServiceFilters:
    search = (args.get("search") or "").strip() or None
    return ServiceFilters(
        search=search,
        taxonomy_term_id=uuid_param(args, "taxonomy_term_id"),
        taxonomy_id=uuid_param(args, "taxonomy_id"),
        organization_id=uuid_param(args, "organization_id"),
        modified_after=datetime_param(args, "modified_after"),
    )


def place_filters(args: Mapping[str, str]) -> PlaceFilters:
    """`postcode` alone, or `postcode` with `proximity` in metres from the postcode's centroid."""
    postcode = (args.get("postcode") or "").strip() or None
    raw_proximity = (args.get("proximity") or "").strip()
    if raw_proximity and not postcode:
        raise bad_param("proximity", "proximity is measured from a postcode's centroid: give postcode too")
    centroid: tuple[float, float] | None = None
    if postcode:
        zip5 = normalize_zip(postcode)
        if zip5 is not None:
            try:
                place = locate_zip(zip5)
                centroid = (place.lat, place.lon)
            except LocationError:
                centroid = None
    if not raw_proximity:
        return PlaceFilters(postcode=postcode, centroid=centroid)
    try:
        metres = float(raw_proximity)
    except ValueError:
        raise bad_param(
            "proximity", f"proximity must be a distance in metres, got {raw_proximity!r}"
        ) from None
    if not math.isfinite(metres) or metres <= 0:
        raise bad_param(
            "proximity", f"proximity must be a positive distance in metres, got {raw_proximity!r}"
        )
    if centroid is None:
        raise bad_param("postcode", f"postcode {postcode!r} is not a postcode we know the centroid of")
    return PlaceFilters(postcode=postcode, centroid=centroid, near=Near(centroid[0], centroid[1], metres))
