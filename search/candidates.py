"""The documents a text matches, as columns, so filters, distances and sorting run in numpy.

A search fetches every match of its text once (id, score, point, and the facts the filters
read), then decides status, language, age, gender, free, accessible, the radius, open-at-a-time
and the page with array operations. Each process keeps the documents' facts and the ids each
text matched for one index generation (a value every committed write to the documents or the
synonyms changes; migration 0005), so the next search for "shelter" near another point costs
a few array operations instead of a full-text query. A transaction that wrote to the index
and has no generation of its own reads afresh. Live facts (capacity) are never kept: they are
read for the rows that survive.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
from sqlalchemy import ColumnElement
from sqlalchemy.engine import Connection

from search.index import SearchIndex, TextQuery
from search.models import search_document as D

COLUMNS = (
    D.c.id, D.c.status, D.c.latitude, D.c.longitude, D.c.min_age, D.c.max_age, D.c.gender, D.c.free,
    D.c.accessible, D.c.lang_codes, D.c.hours, D.c.term_ids,
)  # fmt: skip
# Rows kept across all match sets of one process (about 60 bytes each).
MAX_CACHED_ROWS = 2_000_000
MAX_MEMO = 20_000


def _factorize(values: Sequence[Any]) -> tuple[npt.NDArray[np.int32], list[Any]]:
    """Integer codes and the distinct values, so a per-value test runs once per distinct value."""
    distinct = list(dict.fromkeys(values))
    index = {v: i for i, v in enumerate(distinct)}
    codes = np.fromiter(map(index.__getitem__, values), dtype=np.int32, count=len(values))
    return codes, distinct


def _floats(values: Sequence[Any]) -> npt.NDArray[np.float64]:
    return np.array([np.nan if v is None else v for v in values], dtype=np.float64)


def _merge(
    values: list[Any], more: list[Any], codes: npt.NDArray[np.int32]
) -> tuple[list[Any], npt.NDArray[np.int32]]:
    """`values` extended by the new ones of `more`, and `codes` (into `more`) moved onto it."""
    index = {v: i for i, v in enumerate(values)}
    out = list(values)
    remap = np.zeros(max(1, len(more)), dtype=np.int32)
    for j, v in enumerate(more):
        k = index.get(v)
        if k is None:
            k = index[v] = len(out)
            out.append(v)
        remap[j] = k
    return out, remap[codes].astype(np.int32)


@dataclass(frozen=True)
class Candidates:
    """Every document one text matched, in columns (row i of each array is one document)."""

    ids: npt.NDArray[np.int64]
    score: npt.NDArray[np.float64]
    lat: npt.NDArray[np.float64]
    lon: npt.NDArray[np.float64]
    min_age: npt.NDArray[np.float64]
    max_age: npt.NDArray[np.float64]
    free: npt.NDArray[np.bool_]
    accessible: npt.NDArray[np.bool_]
    status: npt.NDArray[np.int32]
    statuses: list[str]
    gender: npt.NDArray[np.int32]
    genders: list[str]
    langs: npt.NDArray[np.int32]
    lang_values: list[str]
    hours: npt.NDArray[np.int32]
    hour_values: list[str | None]
    # (term_ids, lang_codes) pairs, for facet counts by bincount.
    facet: npt.NDArray[np.int32]
    facet_values: list[tuple[str, str]]

    def __len__(self) -> int:
        return len(self.ids)

    @classmethod
    def from_rows(cls, rows: Sequence[Any]) -> Candidates:
        if not rows:
            cols: list[Sequence[Any]] = [()] * 13
        else:
            cols = list(zip(*rows, strict=True))
        ids, status, lat, lon, min_age, max_age, gender, free, acc, langs, hours, term_ids, score = cols
        status_codes, statuses = _factorize(status)
        gender_codes, genders = _factorize(gender)
        lang_codes, lang_values = _factorize(langs)
        hour_codes, hour_values = _factorize(hours)
        term_codes, term_values = _factorize(term_ids)
        pairs, facet_codes = np.unique(
            term_codes.astype(np.int64) * max(1, len(lang_values)) + lang_codes, return_inverse=True
        )
        width = max(1, len(lang_values))
        facet_values = [(term_values[int(x) // width], lang_values[int(x) % width]) for x in pairs]
        return cls(
            ids=np.array(ids, dtype=np.int64),
            score=np.array(score, dtype=np.float64),
            lat=_floats(lat), lon=_floats(lon), min_age=_floats(min_age), max_age=_floats(max_age),
            free=np.array(free, dtype=bool), accessible=np.array(acc, dtype=bool),
            status=status_codes, statuses=statuses, gender=gender_codes, genders=genders,
            langs=lang_codes, lang_values=lang_values, hours=hour_codes, hour_values=hour_values,
            facet=facet_codes.astype(np.int32).reshape(-1), facet_values=facet_values,
        )  # fmt: skip

    def take(self, rows: npt.NDArray[np.intp], score: npt.NDArray[np.float64]) -> Candidates:
        """These rows of a larger set (the whole catalog), with their text scores."""
        return Candidates(
            ids=self.ids[rows], score=score, lat=self.lat[rows], lon=self.lon[rows],
            min_age=self.min_age[rows], max_age=self.max_age[rows], free=self.free[rows],
            accessible=self.accessible[rows], status=self.status[rows], statuses=self.statuses,
            gender=self.gender[rows], genders=self.genders, langs=self.langs[rows],
            lang_values=self.lang_values, hours=self.hours[rows], hour_values=self.hour_values,
            facet=self.facet[rows], facet_values=self.facet_values,
        )  # fmt: skip

    @classmethod
    def concat(cls, a: Candidates, b: Candidates) -> Candidates:
        """The rows of both (ids distinct), in id order, with b's codes moved onto a's values."""
        if not len(b):
            return a
        statuses, status = _merge(a.statuses, b.statuses, b.status)
        genders, gender = _merge(a.genders, b.genders, b.gender)
        lang_values, langs = _merge(a.lang_values, b.lang_values, b.langs)
        hour_values, hours = _merge(a.hour_values, b.hour_values, b.hours)
        facet_values, facet = _merge(a.facet_values, b.facet_values, b.facet)
        ids = np.concatenate([a.ids, b.ids])
        # Rewritten documents get the newest ids: then the rows are in id order already.
        appended = not len(a.ids) or bool(np.all(np.diff(b.ids) > 0) and b.ids[0] > a.ids[-1])
        order = None if appended else np.argsort(ids, kind="stable")

        def cat(x: Any, y: Any) -> Any:
            both = np.concatenate([x, y])
            return both if order is None else both[order]

        return cls(
            ids=ids if order is None else ids[order], score=cat(a.score, b.score),
            lat=cat(a.lat, b.lat), lon=cat(a.lon, b.lon),
            min_age=cat(a.min_age, b.min_age), max_age=cat(a.max_age, b.max_age),
            free=cat(a.free, b.free), accessible=cat(a.accessible, b.accessible),
            status=cat(a.status, status), statuses=statuses, gender=cat(a.gender, gender), genders=genders,
            langs=cat(a.langs, langs), lang_values=lang_values, hours=cat(a.hours, hours),
            hour_values=hour_values, facet=cat(a.facet, facet), facet_values=facet_values,
        )  # fmt: skip

    def by_value(
        self, codes: npt.NDArray[np.int32], values: Sequence[Any], test: Callable[[Any], bool]
    ) -> npt.NDArray[np.bool_]:
        """A row mask from a test run once per distinct value."""
        table = np.fromiter((bool(test(v)) for v in values), dtype=bool, count=len(values))
        return table[codes] if len(values) else np.zeros(len(codes), dtype=bool)


def fetch(
    conn: Connection, index: SearchIndex, query: TextQuery | None, where: Sequence[ColumnElement[bool]]
) -> Candidates:
    """Matches read with their facts, narrowed by `where` (engines without a generation)."""
    return Candidates.from_rows(index.match_rows(conn, query, where, COLUMNS))


def from_catalog(store: Candidates, ids: npt.NDArray[np.int64], score: npt.NDArray[np.float64]) -> Candidates:
    """The catalog's rows for these matched ids (ids the catalog lacks are dropped)."""
    pos = np.searchsorted(store.ids, ids)
    pos[pos >= len(store.ids)] = 0
    found = store.ids[pos] == ids if len(store.ids) else np.zeros(len(ids), dtype=bool)
    order = np.argsort(pos[found], kind="stable")
    return store.take(pos[found][order], score[found][order])


class _State:
    """What one generation of the index holds; replaced whole when the generation changes."""

    def __init__(self, generation: Hashable) -> None:
        self.generation = generation
        self.matches: OrderedDict[Hashable, Candidates] = OrderedDict()
        self.rows = 0
        self.searches = 0
        self.memo: dict[Hashable, Any] = {}
        self.lock = threading.Lock()


class SearchCache:
    """Per-process memory of one index, valid for one generation (None: the engine has none,
    and nothing is kept)."""

    def __init__(self) -> None:
        self._state = _State(None)
        self._lock = threading.Lock()

    def state(self, generation: Hashable | None) -> _State | None:
        if generation is None:
            return None
        state = self._state
        if state.generation != generation:
            with self._lock:
                if self._state.generation != generation:
                    self._state = _State(generation)
                state = self._state
        return state

    @staticmethod
    def matches(state: _State | None, key: Hashable, load: Callable[[], Candidates]) -> Candidates:
        if state is None:
            return load()
        with state.lock:
            found = state.matches.get(key)
            if found is not None:
                state.matches.move_to_end(key)
                return found
        found = load()
        with state.lock:
            old = state.matches.pop(key, None)
            state.rows -= len(old) if old is not None else 0
            state.matches[key] = found
            state.rows += len(found)
            while state.rows > MAX_CACHED_ROWS and len(state.matches) > 1:
                _, old = state.matches.popitem(last=False)
                state.rows -= len(old)
        return found

    @staticmethod
    def memo(state: _State | None, key: Hashable, load: Callable[[], Any]) -> Any:
        if state is None:
            return load()
        if key in state.memo:
            return state.memo[key]
        value = load()
        if len(state.memo) >= MAX_MEMO:
            state.memo.clear()
        state.memo[key] = value
        return value
