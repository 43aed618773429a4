"""The narrow interface between search and the engine that holds the full-text index.

Both engines keep the index inside the catalog's database, written in the catalog's
transaction (documents.write): SQLite FTS5 with external content (porter + unicode61, bm25
column weights); PostgreSQL a generated, weighted tsvector with a GIN index. Points are
filtered by the (latitude, longitude) btree index (an R*Tree was dropped in migration 0006).
Another engine implements `SearchIndex` and is returned by `index_for`.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

import numpy as np
import snowballstemmer
from sqlalchemy import ColumnElement, and_, column, func, literal, literal_column, select, table, text
from sqlalchemy.engine import Connection, Engine, Row
from sqlalchemy.orm import Session

from search.models import search_document as D

VOCAB_TTL_S = 60.0
MIN_DF = 3
SMALL_INDEX = 5000


@dataclass
class TextQuery:
    """AND of groups (OR of groups when `any_group`); a group is alternatives, each a phrase."""

    groups: list[list[str]] = field(default_factory=list)
    any_group: bool = False

    def __bool__(self) -> bool:
        return bool(self.groups)


class SearchIndex(Protocol):
    """What search needs from an engine; everything else is plain SQL on search_document."""

    name: str

    def match_rows(
        self,
        conn: Connection,
        query: TextQuery | None,
        where: Sequence[ColumnElement[bool]],
        columns: Sequence[Any],
        limit: int | None = None,
    ) -> Sequence[Row[Any]]:
        """Rows of `columns` plus `score` (higher is better) for documents matching all of it."""
        ...

    def match_scores(self, conn: Connection, query: TextQuery) -> tuple[Any, Any]:
        """Ids (int64 array) and scores (float64, higher is better) of every matching document."""
        ...

    def bbox(self, box: tuple[float, float, float, float]) -> ColumnElement[bool]:
        """A prefilter: documents whose point lies in (min_lat, min_lon, max_lat, max_lon)."""
        ...

    def doc_freq(self, conn: Connection, word: str) -> int:
        """1 when some document holds this word (as the engine stems it), else 0."""
        ...

    def vocabulary(self, conn: Connection) -> dict[str, int]:
        """Index terms (stems) with their document frequency, at least MIN_DF."""
        ...

    def terms(self, conn: Connection, min_df: int) -> dict[str, int]:
        """Every index term held by at least `min_df` documents, read afresh (a full scan)."""
        ...

    def stem(self, word: str) -> str: ...

    def generation(self, conn: Connection) -> int | None:
        """A value that changes with every write to the documents or synonyms, as this
        transaction sees them; None when the engine keeps none (nothing is then cached)."""
        ...

    def optimize(self, conn: Connection) -> None:
        """Compact after a full rebuild."""
        ...


def point_in(box: tuple[float, float, float, float]) -> ColumnElement[bool]:
    """Documents whose point lies in the box, by the (latitude, longitude) index."""
    return and_(D.c.latitude.between(box[0], box[2]), D.c.longitude.between(box[1], box[3]))


class _Vocabulary:
    """Per-process cache: reloaded when the index changed and the copy is a few seconds old.

    Small indexes reload on every change (cheap); large ones at most every VOCAB_TTL_S, so a
    new word can take that long to be offered as a correction (it is searchable at once).
    """

    def __init__(self) -> None:
        self.terms: dict[str, int] = {}
        self.loaded = 0.0
        self.version: tuple[Any, ...] = (-1, -1)

    def get(self, conn: Connection, loader: Any, generation: int | None = None) -> dict[str, int]:
        """`generation` is the index's own, when it keeps one for this transaction. Without it
        the version is (count, highest id), which a delete and an insert (or a rolled-back
        insert and another) can leave equal, so it serves only where there is no generation."""
        if generation is not None:
            count = conn.execute(select(func.count()).select_from(D)).scalar_one()
            version: tuple[Any, ...] = (count, "generation", generation)
        else:
            version = tuple(conn.execute(select(func.count(), func.coalesce(func.max(D.c.id), 0))).one())
        age = time.monotonic() - self.loaded
        if version != self.version and (version[0] < SMALL_INDEX or age > VOCAB_TTL_S):
            min_df = MIN_DF if version[0] >= SMALL_INDEX else 1
            self.terms = _kept_terms(loader(min_df), min_df)
            self.loaded = time.monotonic()
            self.version = version
        return self.terms


class Fts5Index:
    """SQLite: FTS5 external-content table `search_fts`; points by a (latitude, longitude) btree."""

    name = "sqlite-fts5"
    _fts = table("search_fts", column("rowid"), column("rank"))

    def __init__(self) -> None:
        self._stemmer = snowballstemmer.stemmer("porter")
        self._vocab = _Vocabulary()

    @staticmethod
    def match_expression(query: TextQuery) -> str:
        groups = ["(" + " OR ".join(f'"{alt}"' for alt in group) + ")" for group in query.groups]
        return "(" + (" OR " if query.any_group else " AND ").join(groups) + ")"

    def match_rows(
        self,
        conn: Connection,
        query: TextQuery | None,
        where: Sequence[ColumnElement[bool]],
        columns: Sequence[Any],
        limit: int | None = None,
    ) -> Sequence[Row[Any]]:
        if not query:
            stmt = select(*columns, literal(0.0).label("score")).where(*where)
        else:
            fts = self._fts
            stmt = (
                select(*columns, (-fts.c.rank).label("score"))
                .select_from(D.join(fts, fts.c.rowid == D.c.id))
                .where(text("search_fts MATCH :match").bindparams(match=self.match_expression(query)), *where)
            )
        return conn.execute(stmt.limit(limit)).all()

    def match_scores(self, conn: Connection, query: TextQuery) -> tuple[Any, Any]:
        result = conn.exec_driver_sql(
            "SELECT rowid, -rank FROM search_fts WHERE search_fts MATCH ?", (self.match_expression(query),)
        )
        return _arrays(result.cursor.fetchall())  # plain tuples: no Row object per match

    def bbox(self, box: tuple[float, float, float, float]) -> ColumnElement[bool]:
        return point_in(box)

    def doc_freq(self, conn: Connection, word: str) -> int:
        found = conn.execute(
            text("SELECT 1 FROM search_fts WHERE search_fts MATCH :m LIMIT 1"), {"m": f'"{word}"'}
        ).first()
        return 1 if found else 0

    def vocabulary(self, conn: Connection) -> dict[str, int]:
        def load(min_df: int) -> Any:
            return conn.execute(text("SELECT term, doc FROM search_vocab WHERE doc >= :n"), {"n": min_df})

        return self._vocab.get(conn, load, self.generation(conn))

    def terms(self, conn: Connection, min_df: int) -> dict[str, int]:
        rows = conn.execute(text("SELECT term, doc FROM search_vocab WHERE doc >= :n"), {"n": min_df})
        return _kept_terms(rows, min_df)

    def stem(self, word: str) -> str:
        return str(self._stemmer.stemWord(word))

    def optimize(self, conn: Connection) -> None:
        conn.execute(text("INSERT INTO search_fts(search_fts) VALUES ('optimize')"))

    def generation(self, conn: Connection) -> int | None:
        return conn.execute(text("SELECT value FROM search_generation WHERE id = 1")).scalar()


class PostgresIndex:
    """PostgreSQL: generated `tsv` (weights A name, B taxonomy/keywords, C organization/eligibility/areas,
    D the rest) with a GIN index; points by a (latitude, longitude) btree."""

    name = "postgresql-fts"
    _tsv = literal_column("search_document.tsv")
    _english = literal_column("'english'::regconfig")

    def __init__(self) -> None:
        self._stemmer = snowballstemmer.stemmer("english")
        self._vocab = _Vocabulary()

    @staticmethod
    def tsquery(query: TextQuery) -> str:
        groups = [
            "(" + " | ".join(" <-> ".join(alt.split()) for alt in group) + ")" for group in query.groups
        ]
        return (" | " if query.any_group else " & ").join(groups)

    def match_rows(
        self,
        conn: Connection,
        query: TextQuery | None,
        where: Sequence[ColumnElement[bool]],
        columns: Sequence[Any],
        limit: int | None = None,
    ) -> Sequence[Row[Any]]:
        if not query:
            stmt = select(*columns, literal(0.0).label("score")).where(*where)
            return conn.execute(stmt.limit(limit)).all()
        tsq = func.to_tsquery(self._english, self.tsquery(query))
        score = func.ts_rank(literal_column("'{0.1,0.3,0.6,1.0}'::float4[]"), self._tsv, tsq)
        stmt = select(*columns, score.label("score")).where(self._tsv.op("@@")(tsq), *where)
        return conn.execute(stmt.limit(limit)).all()

    def match_scores(self, conn: Connection, query: TextQuery) -> tuple[Any, Any]:
        result = conn.execute(
            text(
                "SELECT id, ts_rank('{0.1,0.3,0.6,1.0}'::float4[], tsv, q) FROM search_document, "
                "to_tsquery('english', :q) AS q WHERE tsv @@ q"
            ),
            {"q": self.tsquery(query)},
        )
        return _arrays(result.cursor.fetchall())  # plain tuples: no Row object per match

    def bbox(self, box: tuple[float, float, float, float]) -> ColumnElement[bool]:
        return point_in(box)

    def doc_freq(self, conn: Connection, word: str) -> int:
        tsq = func.plainto_tsquery(self._english, word)
        found = conn.execute(
            select(literal(1)).select_from(D).where(self._tsv.op("@@")(tsq)).limit(1)
        ).first()
        return 1 if found else 0

    def vocabulary(self, conn: Connection) -> dict[str, int]:
        def load(min_df: int) -> Any:
            return conn.execute(
                text("SELECT word, ndoc FROM ts_stat('SELECT tsv FROM search_document') WHERE ndoc >= :n"),
                {"n": min_df},
            )

        return self._vocab.get(conn, load, self.generation(conn))

    def terms(self, conn: Connection, min_df: int) -> dict[str, int]:
        rows = conn.execute(
            text("SELECT word, ndoc FROM ts_stat('SELECT tsv FROM search_document') WHERE ndoc >= :n"),
            {"n": min_df},
        )
        return _kept_terms(rows, min_df)

    def stem(self, word: str) -> str:
        return str(self._stemmer.stemWord(word))

    def optimize(self, conn: Connection) -> None:
        conn.execute(text("ANALYZE search_document"))

    def generation(self, conn: Connection) -> int | None:
        """The count of committed writes; None inside a transaction that wrote to the index
        (it must see its own writes, which no other process has seen)."""
        value, written = conn.execute(
            text("SELECT value, current_setting('linkage.search_written', true) FROM search_generation")
        ).one()
        return None if written == "1" else int(value)


def _kept_terms(rows: Any, min_df: int) -> dict[str, int]:
    """Terms worth correcting to: alphabetic, three letters or more, held by min_df documents."""
    return {t: int(n) for t, n in rows if n >= min_df and len(t) >= 3 and t.isalpha()}


def _arrays(rows: Sequence[Any]) -> tuple[Any, Any]:
    if not rows:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float64)
    both = np.array(rows, dtype=np.float64)  # ids below 2**53 are exact as floats
    return both[:, 0].astype(np.int64), np.ascontiguousarray(both[:, 1])


_INDEXES: dict[str, SearchIndex] = {}


def index_for(bind: Session | Connection | Engine) -> SearchIndex:
    """The index of this database (one instance per URL, so its vocabulary cache is shared)."""
    if isinstance(bind, Session):
        bind = bind.connection()
    engine = bind.engine if isinstance(bind, Connection) else bind
    key = engine.url.render_as_string(hide_password=True)
    found = _INDEXES.get(key)
    if found is None:
        found = PostgresIndex() if engine.dialect.name == "postgresql" else Fts5Index()
        _INDEXES[key] = found
    return found
