"""Validate a match request body into typed values, naming the field at fault.

Pure: the API view and the page both use it, and so can a CLI or another caller. Needs stay
raw strings here; the query layer resolves them against the taxonomy, and the location
against ``geo``.
"""

from __future__ import annotations

import math
import re
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from matching import populations as pop
from matching.types import GENDERS, HOUSEHOLDS, INSURANCES, URGENCIES
from matching.weights import Weights, WeightsError
from wording import _

MAX_NEEDS = 10
MAX_SERVICES = 500
MAX_LIMIT = 200
DEFAULT_LIMIT = 20
DEFAULT_RADIUS_KM = 25.0
MAX_RADIUS_KM = 500.0
_LANG = re.compile(r"^[a-z]{2}$")


class InvalidField(ValueError):
    """A request field that is missing, malformed or out of range."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message


@dataclass(frozen=True)
class MatchRequest:
    needs: tuple[str, ...] = ()
    age: int | None = None
    gender: str | None = None
    household: str | None = None
    populations: frozenset[str] = frozenset()
    languages: tuple[str, ...] = ()
    insurance: str | None = None
    accessibility: tuple[str, ...] = ()
    pets: bool | None = None
    has_id: bool | None = None
    location: str | None = None
    lat: float | None = None
    lon: float | None = None
    radius_km: float = DEFAULT_RADIUS_KM
    urgency: str | None = None
    at: datetime | None = None  # naive: the deployment's wall clock (find_matches reads it there)
    services: tuple[str, ...] = ()  # only these services' locations are ranked
    limit: int = DEFAULT_LIMIT
    weights: Mapping[str, float] = field(default_factory=dict)


def parse_request(body: Any, base_weights: Mapping[str, float] | None = None) -> MatchRequest:
    """Turn a JSON body into a MatchRequest or raise InvalidField naming the field."""
    if not isinstance(body, Mapping):
        raise InvalidField("body", _("the body must be a JSON object"))
    client = body.get("client") or {}
    if not isinstance(client, Mapping):
        raise InvalidField("client", _("client must be an object"))
    lat, lon, text = _location(body.get("location"))
    try:
        weights = Weights.default().with_overrides(base_weights, "MATCH_WEIGHTS")
        weights = weights.with_overrides(body.get("weights"))
    except WeightsError as exc:
        raise InvalidField(exc.field, str(exc)) from exc
    return MatchRequest(
        needs=_needs(body.get("needs")),
        age=_age(client.get("age")),
        gender=_choice(client.get("gender"), GENDERS, "client.gender"),
        household=_choice(client.get("household"), HOUSEHOLDS, "client.household"),
        populations=_populations(client.get("populations")),
        languages=_languages(client.get("languages")),
        insurance=_choice(client.get("insurance"), INSURANCES, "client.insurance"),
        accessibility=_strings(client.get("accessibility"), "client.accessibility"),
        pets=_bool(client.get("pets"), "client.pets"),
        has_id=_bool(client.get("has_id"), "client.has_id"),
        location=text,
        lat=lat,
        lon=lon,
        radius_km=_radius(body.get("radius_km")),
        urgency=_choice(body.get("urgency"), URGENCIES, "urgency"),
        at=_at(body.get("at")),
        services=_services(body.get("services")),
        limit=_limit(body.get("limit")),
        weights=weights,
    )


def _needs(raw: Any) -> tuple[str, ...]:
    if raw is None:
        return ()
    if isinstance(raw, str):
        raw = [raw]
    if not isinstance(raw, list) or not all(isinstance(n, str | int) for n in raw):
        raise InvalidField("needs", _("needs must be a list of taxonomy term ids, codes or words"))
    needs = tuple(str(n).strip() for n in raw if str(n).strip())
    if len(needs) > MAX_NEEDS:
        raise InvalidField("needs", _("needs may list at most %(max)s items", max=MAX_NEEDS))
    return needs


def _age(raw: Any) -> int | None:
    if raw is None or raw == "":
        return None
    if isinstance(raw, str) and raw.strip().isdigit():
        raw = int(raw.strip())
    if isinstance(raw, float) and raw.is_integer():
        raw = int(raw)
    if isinstance(raw, bool) or not isinstance(raw, int) or not 0 <= raw <= 120:
        raise InvalidField("client.age", _("client.age must be a whole number 0-120"))
    return raw


def _choice(raw: Any, allowed: tuple[str, ...], name: str) -> str | None:
    if raw is None or raw == "":
        return None
    value = raw.strip().lower().replace("-", "_").replace(" ", "_") if isinstance(raw, str) else raw
    if name == "client.insurance" and value == "uninsured":
        value = "none"
    if value not in allowed:
        raise InvalidField(
            name, _("%(name)s must be one of %(allowed)s", name=name, allowed=", ".join(allowed))
        )
    return None if value == "unknown" else str(value)


def _strings(raw: Any, name: str) -> tuple[str, ...]:
    if raw is None or raw == "":
        return ()
    if isinstance(raw, str):
        raw = [raw]
    if not isinstance(raw, list) or not all(isinstance(x, str) for x in raw):
        raise InvalidField(name, _("%(name)s must be a list of strings", name=name))
    return tuple(x.strip() for x in raw if x.strip())


def _populations(raw: Any) -> frozenset[str]:
    codes: set[str] = set()
    for i, item in enumerate(_strings(raw, "client.populations")):
        try:
            codes |= pop.resolve(item)
        except pop.UnknownPopulation:
            field = f"client.populations[{i}]"
            raise InvalidField(
                field,
                _(
                    "%(field)s: %(value)s is not an Open Eligibility situation code, "
                    "name or known alias (for example veterans, domestic violence, pregnant, lgbtq)",
                    field=field,
                    value=repr(item),
                ),
            ) from None
    return frozenset(codes)


def _languages(raw: Any) -> tuple[str, ...]:
    out = []
    for i, item in enumerate(_strings(raw, "client.languages")):
        code = item.lower()
        if not _LANG.match(code):
            field = f"client.languages[{i}]"
            raise InvalidField(
                field,
                _(
                    "%(field)s: %(value)s is not an ISO 639-1 code such as 'es'",
                    field=field,
                    value=repr(item),
                ),
            )
        out.append(code)
    return tuple(out)


def _bool(raw: Any, name: str) -> bool | None:
    if raw is None or raw == "":
        return None
    if isinstance(raw, bool):
        return raw
    if isinstance(raw, str) and raw.lower() in ("true", "yes", "1", "on", "false", "no", "0"):
        return raw.lower() in ("true", "yes", "1", "on")
    raise InvalidField(name, _("%(name)s must be true or false", name=name))


def _location(raw: Any) -> tuple[float | None, float | None, str | None]:
    if raw is None or raw == "":
        return None, None, None
    if isinstance(raw, str):
        return None, None, raw.strip()
    if isinstance(raw, Mapping):
        point: list[float] = []
        for name, bound in (("lat", 90), ("lon", 180)):
            value = raw.get(name)
            if isinstance(value, bool) or not isinstance(value, int | float):
                value = math.nan
            if not math.isfinite(value) or abs(value) > bound:
                field = f"location.{name}"
                raise InvalidField(
                    field,
                    _(
                        "%(field)s must be a number between -%(bound)s and %(bound)s",
                        field=field,
                        bound=bound,
                    ),
                )
            point.append(float(value))
        return point[0], point[1], None
    raise InvalidField("location", _("location must be text (an address, ZIP or city) or {lat, lon}"))


def _radius(raw: Any) -> float:
    if raw is None or raw == "":
        return DEFAULT_RADIUS_KM
    try:
        value = float(raw)
    except (TypeError, ValueError):
        value = math.nan
    if isinstance(raw, bool) or not math.isfinite(value) or not 0 < value <= MAX_RADIUS_KM:
        raise InvalidField(
            "radius_km",
            _("radius_km must be a number above 0 and at most %(max)s", max=format(MAX_RADIUS_KM, "g")),
        )
    return value


def _at(raw: Any) -> datetime | None:
    if raw is None or raw == "":
        return None
    try:
        value = datetime.fromisoformat(str(raw).replace("Z", "+00:00"))
    except ValueError:
        raise InvalidField("at", _("at must be an ISO 8601 date-time such as 2026-01-31T21:00:00Z")) from None
    return value


def _services(raw: Any) -> tuple[str, ...]:
    if raw is None or raw == []:
        return ()
    if not isinstance(raw, list) or not all(isinstance(x, str) for x in raw):
        raise InvalidField("services", _("services must be a list of service ids"))
    if len(raw) > MAX_SERVICES:
        raise InvalidField("services", _("services may list at most %(max)s ids", max=MAX_SERVICES))
    out = []
    for i, item in enumerate(raw):
        try:
            out.append(str(uuid.UUID(item.strip())))
        except ValueError:
            field = f"services[{i}]"
            raise InvalidField(
                field,
                _("%(field)s: %(value)s is not a service id", field=field, value=repr(item)),
            ) from None
    return tuple(dict.fromkeys(out))


def _limit(raw: Any) -> int:
    if raw is None or raw == "":
        return DEFAULT_LIMIT
    if isinstance(raw, str) and raw.isdigit():
        raw = int(raw)
    if isinstance(raw, bool) or not isinstance(raw, int) or not 1 <= raw <= MAX_LIMIT:
        raise InvalidField("limit", _("limit must be a whole number 1-%(max)s", max=MAX_LIMIT))
    return raw
