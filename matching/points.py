"""An in-process index of where each service is and what it is filed under.

At 100k services the SQL join from a bounding box to services and their terms costs
~100 ms on SQLite (every step is a lookup by a text UUID). This index keeps only the
slow-changing skeleton in numpy arrays -- coordinates, taxonomy terms and the words of
names and descriptions -- and answers "which service locations near here fit these needs"
in about a millisecond. It is rebuilt when older than its time-to-live, so a new or moved
service shows up within that time; everything that changes by the minute (status,
capacity, hours, eligibility, referrals) is still read live from the database for the
chosen candidates.
"""

from __future__ import annotations

import bisect
import re
import threading
import time
import uuid
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
from sqlalchemy import select
from sqlalchemy.orm import Session

import geo
from catalog.models import Attribute, Location, Service, ServiceAtLocation, TaxonomyTerm
from matching.facts import Ids
from matching.types import ClientNeeds

TEXT_CHARS = 600  # words are looked for in the name and the start of the description
_RESTRICTION_LINKS = ("eligibility", "audience", "requirement")
_WORD = re.compile(r"\w[\w'-]*")


@dataclass
class Points:
    lat: npt.NDArray[np.float64]
    lon: npt.NDArray[np.float64]
    service_index: npt.NDArray[np.int64]  # per service location: its service's row
    sal_ids: list[Any]  # ids as the database hands them over (see matching.facts.Ids)
    service_ids: list[Any]
    by_term: dict[Any, npt.NDArray[np.int64]]  # term -> service rows filed under it
    vocab: list[str]  # sorted words of names, description starts and term names
    postings: list[npt.NDArray[np.int64]]  # per word: the service rows that use it
    built: float
    sqlite: bool = False

    @classmethod
    def build(cls, session: Session) -> Points:
        ids = Ids(session)
        services: dict[Any, int] = {}
        service_ids: list[Any] = []
        words: dict[str, list[int]] = defaultdict(list)
        stmt = select(ids.col(Service.id), Service.name, Service.description)
        for row, (sid, name, description) in enumerate(session.execute(stmt)):
            services[sid] = row
            service_ids.append(sid)
            for word in set(_WORD.findall(f"{name or ''} {(description or '')[:TEXT_CHARS]}".lower())):
                words[word].append(row)
        term_names = {t: n for t, n in session.execute(select(ids.col(TaxonomyTerm.id), TaxonomyTerm.name))}
        by_term: dict[Any, list[int]] = defaultdict(list)
        cols = (ids.col(Attribute.link_id), ids.col(Attribute.taxonomy_term_id), Attribute.link_type)
        stmt = select(*cols).where(Attribute.taxonomy_term_id.is_not(None))
        for link_id, term_id, link_type in session.execute(stmt):
            row = services.get(link_id)
            if row is None or (link_type or "").lower() in _RESTRICTION_LINKS:
                continue
            by_term[term_id].append(row)
            for word in _WORD.findall((term_names.get(term_id) or "").lower()):
                words[word].append(row)
        lat, lon, index, sal_ids = [], [], [], []
        stmt = (
            select(
                ids.col(ServiceAtLocation.id),
                ids.col(ServiceAtLocation.service_id),
                Location.latitude,
                Location.longitude,
            )
            .join(Location, Location.id == ServiceAtLocation.location_id)
            .where(Location.latitude.is_not(None), Location.longitude.is_not(None))
        )
        for sal_id, sid, la, lo in session.execute(stmt):
            row = services.get(sid)
            if row is not None:
                sal_ids.append(sal_id)
                index.append(row)
                lat.append(la)
                lon.append(lo)
        vocab = sorted(words)
        return cls(
            np.asarray(lat, dtype=np.float64),
            np.asarray(lon, dtype=np.float64),
            np.asarray(index, dtype=np.int64),
            sal_ids,
            service_ids,
            {t: np.asarray(rows, dtype=np.int64) for t, rows in by_term.items()},
            vocab,
            [np.asarray(words[w], dtype=np.int64) for w in vocab],
            time.monotonic(),
            ids.sqlite,
        )

    def near(self, needs: ClientNeeds, cap: int) -> list[Any]:
        """Service-location ids that fit a need, nearest first (by name without a location)."""
        if needs.lat is None or needs.lon is None:
            rows = np.arange(len(self.sal_ids))
        else:
            min_lat, min_lon, max_lat, max_lon = geo.bbox(needs.lat, needs.lon, needs.radius_km or 25)
            box = (self.lat >= min_lat) & (self.lat <= max_lat)
            box &= (self.lon >= min_lon) & (self.lon <= max_lon)
            rows = np.flatnonzero(box)
        if needs.needs and len(rows):
            rows = rows[self._fits(needs, rows)]
        if needs.lat is None or needs.lon is None or not len(rows):
            return [self.sal_ids[i] for i in rows[:cap]]
        dist = geo.distances_km(needs.lat, needs.lon, self.lat[rows], self.lon[rows])
        keep = dist <= (needs.radius_km or np.inf)
        rows, dist = rows[keep], dist[keep]
        order = np.argsort(dist, kind="stable")[:cap]
        return [self.sal_ids[i] for i in rows[order]]

    def _fits(self, needs: ClientNeeds, rows: npt.NDArray[np.int64]) -> npt.NDArray[np.bool_]:
        """Filed under a need's term (or its parent), or mentioning one phrase of each of its
        word groups (all of its words when search made none)."""
        fits = np.zeros(len(self.service_ids), dtype=bool)
        for need in needs.needs:
            for term in need.term_ids | need.parent_ids:
                key = uuid.UUID(term).hex if self.sqlite else uuid.UUID(term)
                hits = self.by_term.get(key)
                if hits is not None:
                    fits[hits] = True
            groups = need.word_groups()
            if groups:
                every = np.ones(len(self.service_ids), dtype=bool)
                for group in groups:
                    some = np.zeros(len(self.service_ids), dtype=bool)
                    for phrase in group:
                        has_all = np.ones(len(self.service_ids), dtype=bool)
                        for word in phrase:
                            has_all &= self._prefixed(word)
                        some |= has_all
                    every &= some
                fits |= every
        return fits[self.service_index[rows]]

    def _prefixed(self, word: str) -> npt.NDArray[np.bool_]:
        """Services with a word starting with ``word`` (as the ranking's text match does)."""
        mask = np.zeros(len(self.service_ids), dtype=bool)
        lo = bisect.bisect_left(self.vocab, word)
        hi = bisect.bisect_left(self.vocab, word + "\uffff")
        for k in range(lo, hi):
            mask[self.postings[k]] = True
        return mask


class PointsCache:
    """One Points per process, refreshed when older than ``ttl`` seconds.

    The first build happens in the request that needs it; later refreshes run in a
    background thread with their own session while requests keep using the older index.
    ``ttl`` 0 builds a fresh index for every call (tests, tiny catalogs).
    """

    def __init__(self, ttl: float = 120.0, session_factory: Callable[[], Session] | None = None):
        self.ttl = ttl
        self.session_factory = session_factory
        self._points: Points | None = None
        self._lock = threading.Lock()
        self._refreshing = False

    def get(self, session: Session) -> Points:
        if self.ttl <= 0:
            return Points.build(session)
        points = self._points
        if points is None:
            with self._lock:
                if self._points is None:
                    self._points = Points.build(session)
                return self._points
        if time.monotonic() - points.built >= self.ttl and self.session_factory is not None:
            self._refresh_in_background()
        return points

    def _refresh_in_background(self) -> None:
        with self._lock:
            if self._refreshing:
                return
            self._refreshing = True

        def work() -> None:
            try:
                assert self.session_factory is not None
                with self.session_factory() as session:
                    self._points = Points.build(session)
            finally:
                self._refreshing = False

        threading.Thread(target=work, name="match-points-refresh", daemon=True).start()
