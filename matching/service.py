"""One match from a validated request: where, what, who is eligible, best first.

Takes a session and plain values (never a request), so the API, the page and any other
caller share it. Nothing about the client is stored or logged.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

import geo
from catalog import rules
from matching.core import rank
from matching.parse import InvalidField, MatchRequest
from matching.queries import FollowThrough, gather, gather_services, resolve_needs
from matching.types import ClientNeeds, Ranking
from wording import _


def _local(at: datetime | None, tz: str | None) -> datetime | None:
    """A moment without an offset is the deployment's wall clock, as search and the pages read it."""
    if at is None or at.tzinfo is not None:
        return at
    return at.replace(tzinfo=ZoneInfo(tz) if tz else UTC)


@dataclass(frozen=True)
class Outcome:
    ranking: Ranking
    needs: ClientNeeds
    place: geo.Place | None


def find_matches(
    session: Session,
    req: MatchRequest,
    *,
    tz: str | None = None,
    max_ages: rules.MaxAges | None = None,
    follow_through: FollowThrough | None = None,
    geocoder: Any = None,
    locate: Callable[[str], geo.Place] | None = None,
    now: datetime | None = None,
) -> Outcome:
    """Resolve location and needs, gather candidates, rank them. Raises InvalidField."""
    place = None
    lat, lon = req.lat, req.lon
    if req.location:
        try:
            place = locate(req.location) if locate else geo.locate(req.location, geocoder=geocoder)
        except geo.LocationError as exc:
            raise InvalidField("location", _("location: %(why)s", why=exc.reason)) from exc
        lat, lon = place.lat, place.lon
    needs = ClientNeeds(
        needs=resolve_needs(session, req.needs),
        age=req.age,
        gender=req.gender,
        household=req.household,
        populations=req.populations,
        languages=req.languages,
        insurance=req.insurance,
        accessibility=req.accessibility,
        pets=req.pets,
        has_id=req.has_id,
        lat=lat,
        lon=lon,
        radius_km=req.radius_km if lat is not None else None,
        urgency=req.urgency,
        at=_local(req.at, tz),
    )
    now = now or datetime.now(UTC)
    if req.services:  # the worker names the services: rank exactly those, wherever they are
        candidates = gather_services(session, req.services, tz=tz, follow_through=follow_through, now=now)
    else:
        candidates = gather(session, needs, tz=tz, follow_through=follow_through, now=now)
    ranking = rank(needs, candidates, now, req.weights, limit=req.limit, max_ages=max_ages)
    return Outcome(ranking, needs, place)
