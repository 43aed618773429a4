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

from search.bm25 import contributions, idf
from search.models import TEXT_FIELDS
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

    def term_frequencies(self, conn: Connection) -> tuple[dict[str, tuple[Any, Any]], Any]:
        """Every indexed term -> (its documents, ascending int64; the term's column-weighted
        frequency in each, float64), and every document's length in tokens (an array by id),
        from the engine's own tokens (search/postings.py builds its ranking from them)."""
        ...

    def phrase_ids(self, conn: Connection, phrase: str) -> Any:
        """Ids (int64) of the documents holding this phrase of several words, unscored."""
        ...

    def phrase_scores(
        self,
        conn: Connection,
        phrase: str,
        terms: dict[str, tuple[Any, Any]],
        lengths: Any,
        documents: int,
        avgdl: float,
    ) -> tuple[Any, Any]:
        """A phrase's documents (ascending) and its BM25 contribution in each, for the postings;
        `terms` and `lengths` are term_frequencies' answer."""
        ...

    def changed_scores(
        self, conn: Connection, query: TextQuery, ids: Sequence[int], documents: int, avgdl: float, df: Any
    ) -> tuple[Any, Any]:
        """Ids (ascending) and BM25 scores of these documents that match (those written since
        the postings), scored as the postings are; `df(term)` is a term's document count."""
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

    # Whether `stems` gives the engine's own stems (else a word the postings lack is checked).
    exact_stems: bool

    def stems(self, conn: Connection, words: Sequence[str]) -> dict[str, str | None]:
        """Each word's index term as the engine makes it (None: a word it leaves out)."""
        ...

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


class _Stemmer:
    """A snowball stemmer with its answers kept: the pure-Python stemmer costs about 0.2 ms a
    word, and a process stems the same words again and again."""

    def __init__(self, algorithm: str) -> None:
        self._stemmer = snowballstemmer.stemmer(algorithm)
        self._stems: dict[str, str] = {}

    def __call__(self, word: str) -> str:
        found = self._stems.get(word)
        if found is None:
            found = self._stems[word] = str(self._stemmer.stemWord(word))
            if len(self._stems) > 50_000:
                self._stems.clear()
        return found


class Fts5Index:
    """SQLite: FTS5 external-content table `search_fts`; points by a (latitude, longitude) btree."""

    name = "sqlite-fts5"
    _fts = table("search_fts", column("rowid"), column("rank"))

    def __init__(self) -> None:
        self._stemmer = _Stemmer("porter")
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

    def term_frequencies(self, conn: Connection) -> tuple[dict[str, tuple[Any, Any]], Any]:
        """From an fts5vocab 'instance' table (one row per token: term, document, column),
        aggregated per term in SQLite; the column weights are the index's own bm25 ones."""
        rank = conn.exec_driver_sql("SELECT v FROM search_fts_config WHERE k = 'rank'").scalar()
        weights = [float(w) for w in str(rank or "").partition("(")[2].rstrip(")").split(",") if w.strip()]
        weights += [1.0] * (len(TEXT_FIELDS) - len(weights))
        conn.exec_driver_sql(
            "CREATE VIRTUAL TABLE IF NOT EXISTS temp.search_vocab_instance "
            "USING fts5vocab(main, search_fts, 'instance')"
        )
        case = "CASE col " + " ".join(f"WHEN '{c}' THEN {i}" for i, c in enumerate(TEXT_FIELDS)) + " END"
        rows = conn.exec_driver_sql(
            f"SELECT term, group_concat(doc), group_concat({case}) "
            "FROM temp.search_vocab_instance GROUP BY term"
        ).all()
        w = np.array(weights, dtype=np.float64)
        out: dict[str, tuple[Any, Any]] = {}
        docs_all: list[Any] = []
        for term, docs_text, cols_text in rows:
            docs = np.array(docs_text.split(","), dtype=np.int64)
            cols = np.array(cols_text.split(","), dtype=np.int64)
            starts = np.flatnonzero(np.r_[True, docs[1:] != docs[:-1]])
            out[str(term)] = docs[starts], np.add.reduceat(w[cols], starts)
            docs_all.append(docs)
        if not docs_all:
            return out, np.zeros(1)
        every = np.concatenate(docs_all)
        return out, np.bincount(every).astype(np.float64)

    def phrase_ids(self, conn: Connection, phrase: str) -> Any:
        rows = conn.exec_driver_sql("SELECT rowid FROM search_fts WHERE search_fts MATCH ?", (f'"{phrase}"',))
        return np.array([r[0] for r in rows.cursor.fetchall()], dtype=np.int64)

    def phrase_scores(
        self,
        conn: Connection,
        phrase: str,
        terms: dict[str, tuple[Any, Any]],
        lengths: Any,
        documents: int,
        avgdl: float,
    ) -> tuple[Any, Any]:
        """FTS5's own bm25 of the phrase alone: its part of any query's bm25."""
        rows = conn.exec_driver_sql(
            "SELECT rowid, -rank FROM search_fts WHERE search_fts MATCH ? ORDER BY rowid", (f'"{phrase}"',)
        )
        return _arrays(rows.cursor.fetchall())

    def changed_scores(
        self, conn: Connection, query: TextQuery, ids: Sequence[int], documents: int, avgdl: float, df: Any
    ) -> tuple[Any, Any]:
        """The engine's own bm25 for these documents (the same formula as the postings').

        FTS5 recounts each phrase's documents for every rowid looked up (a `rowid IN (...)`
        of a few documents cost tens of milliseconds on common words), but once per range:
        documents written since the postings mostly have the newest ids (a rewrite deletes
        and inserts), so those in a window below the highest id are read as one range."""
        match = self.match_expression(query)
        ordered = sorted(int(x) for x in ids)
        top = conn.exec_driver_sql("SELECT max(rowid) FROM search_document").scalar() or 0
        lo = next((x for x in ordered if x >= int(top) - 2 * len(ordered) - 1000), None)
        found: list[Any] = []
        if lo is not None:
            wanted = set(ordered)
            rows = conn.exec_driver_sql(
                "SELECT rowid, -rank FROM search_fts WHERE search_fts MATCH ? AND rowid >= ?", (match, lo)
            ).cursor.fetchall()
            found.extend(r for r in rows if r[0] in wanted)
            ordered = [x for x in ordered if x < lo]
        for i in range(0, len(ordered), 500):
            marks = ", ".join(str(x) for x in ordered[i : i + 500])  # integers only: safe to inline
            found.extend(
                conn.exec_driver_sql(
                    f"SELECT rowid, -rank FROM search_fts WHERE search_fts MATCH ? AND rowid IN ({marks})",
                    (match,),
                ).cursor.fetchall()
            )
        found.sort()
        return _arrays(found)

    def vocabulary(self, conn: Connection) -> dict[str, int]:
        def load(min_df: int) -> Any:
            return conn.execute(text("SELECT term, doc FROM search_vocab WHERE doc >= :n"), {"n": min_df})

        return self._vocab.get(conn, load, self.generation(conn))

    def terms(self, conn: Connection, min_df: int) -> dict[str, int]:
        rows = conn.execute(text("SELECT term, doc FROM search_vocab WHERE doc >= :n"), {"n": min_df})
        return _kept_terms(rows, min_df)

    def stem(self, word: str) -> str:
        return self._stemmer(word)

    exact_stems = False

    def stems(self, conn: Connection, words: Sequence[str]) -> dict[str, str | None]:
        """The porter stemmer FTS5 runs, in Python (FTS5 has no stopwords)."""
        return {w: self.stem(w) for w in words}

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
        self._stemmer = _Stemmer("english")
        self._vocab = _Vocabulary()
        self._server_stems: dict[str, str | None] = {}

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

    def term_frequencies(self, conn: Connection) -> tuple[dict[str, tuple[Any, Any]], Any]:
        """From every document's tsvector, aggregated per lexeme on the server; a position
        weighs by its label (A name 10, B taxonomy and keywords 4, C 2, D 1)."""
        rows = conn.exec_driver_sql(
            "SELECT u.lexeme, string_agg(d.id::text, ',' ORDER BY d.id), "
            f"string_agg(({_PG_WEIGHTED})::text, ',' ORDER BY d.id), "
            "string_agg(coalesce(array_length(u.positions, 1), 1)::text, ',' ORDER BY d.id) "
            "FROM search_document d, unnest(d.tsv) u GROUP BY u.lexeme"
        ).all()
        out: dict[str, tuple[Any, Any]] = {}
        docs_all, counts_all = [], []
        for term, docs_text, freq_text, count_text in rows:
            docs = np.array(docs_text.split(","), dtype=np.int64)
            out[str(term)] = docs, np.array(freq_text.split(","), dtype=np.float64)
            docs_all.append(docs)
            counts_all.append(np.array(count_text.split(","), dtype=np.float64))
        if not docs_all:
            return out, np.zeros(1)
        return out, np.bincount(np.concatenate(docs_all), weights=np.concatenate(counts_all))

    def phrase_ids(self, conn: Connection, phrase: str) -> Any:
        tsq = " <-> ".join(phrase.split())
        rows = conn.execute(
            text("SELECT id FROM search_document WHERE tsv @@ to_tsquery('english', :q)"), {"q": tsq}
        )
        return np.array(sorted(r[0] for r in rows.cursor.fetchall()), dtype=np.int64)

    def phrase_scores(
        self,
        conn: Connection,
        phrase: str,
        terms: dict[str, tuple[Any, Any]],
        lengths: Any,
        documents: int,
        avgdl: float,
    ) -> tuple[Any, Any]:
        """The sum of the phrase's words' contributions in the documents holding it."""
        ids = self.phrase_ids(conn, phrase)
        values = np.zeros(len(ids))
        for w in phrase.split():
            docs, freq = terms.get(self.stem(w), (np.zeros(0, np.int64), np.zeros(0)))
            if not len(docs) or not len(ids):
                continue
            pos = np.minimum(np.searchsorted(docs, ids), len(docs) - 1)
            ok = docs[pos] == ids
            values[ok] += contributions(
                freq[pos[ok]], lengths[ids[ok]].astype(np.float64), idf(documents, len(docs)), avgdl
            )
        return ids, values

    def changed_scores(
        self, conn: Connection, query: TextQuery, ids: Sequence[int], documents: int, avgdl: float, df: Any
    ) -> tuple[Any, Any]:
        """BM25 from these documents' tsvectors, read for the query's lexemes only."""
        if not ids:
            return _arrays([])
        words = " ".join(w for group in query.groups for alt in group for w in alt.split())
        rows = conn.execute(
            text(
                f"SELECT d.id, u.lexeme, ({_PG_WEIGHTED}) AS f, "
                "(SELECT sum(coalesce(array_length(x.positions, 1), 1)) FROM unnest(d.tsv) x) AS len "
                "FROM search_document d, unnest(d.tsv) u "
                "WHERE d.id = ANY(:ids) AND d.tsv @@ to_tsquery('english', :q) "
                "AND u.lexeme = ANY(tsvector_to_array(to_tsvector('english', :w)))"
            ),
            {"ids": [int(i) for i in ids], "q": self.tsquery(query), "w": words},
        ).all()
        matched = sorted({int(r[0]) for r in rows})  # a match holds one of the query's lexemes
        if not matched:
            return _arrays([])
        freq: dict[tuple[int, str], float] = {}
        length: dict[int, float] = {}
        holders: dict[str, int] = {}
        for doc, lexeme, f, n in rows:
            freq[(int(doc), str(lexeme))] = float(f)
            length[int(doc)] = float(n or 0)
            holders[str(lexeme)] = holders.get(str(lexeme), 0) + 1
        total = documents + len(ids)
        mean = avgdl if documents else (sum(length.values()) / len(length) if length else 1.0)
        alts = [alt for group in query.groups for alt in group]
        scores = []
        for doc in matched:
            value = 0.0
            for alt in alts:
                for w in alt.split():
                    term = self.stem(w)
                    f = freq.get((doc, term))
                    if f:
                        hits = max(int(df(term)), holders.get(term, 0))
                        value += float(
                            contributions(
                                np.array([f]), np.array([length.get(doc, 1.0)]), idf(total, hits), mean
                            )[0]
                        )
            scores.append((doc, value))
        return _arrays(scores)

    def doc_freq(self, conn: Connection, word: str) -> int:
        """From the postings and the documents written since (a LIMIT 1 over the GIN index
        let the planner scan the whole table for a word no document holds: about 70 ms)."""
        # Whether postings exist, whether they hold the word, and the documents written
        # since: one round trip.
        has_postings, held, changed = conn.execute(
            text(
                "SELECT (SELECT 1 FROM search_postings WHERE term = ''), "
                "(SELECT 1 FROM search_postings WHERE term <> '' "
                "AND term = ANY(tsvector_to_array(to_tsvector('english', :w))) LIMIT 1), "
                "(SELECT string_agg(doc_id::text, ',') FROM search_changed)"
            ),
            {"w": word},
        ).one()
        if has_postings is None:
            tsq = func.plainto_tsquery(self._english, word)
            found = conn.execute(
                select(literal(1)).select_from(D).where(self._tsv.op("@@")(tsq)).limit(1)
            ).first()
            return 1 if found else 0
        if held is not None:
            return 1
        log = [int(i) for i in changed.split(",")] if changed else []
        found = (
            log
            and conn.execute(
                text(
                    "SELECT 1 FROM search_document WHERE id = ANY(:ids) "
                    "AND tsv @@ plainto_tsquery('english', :w) LIMIT 1"
                ),
                {"ids": log, "w": word},
            ).first()
        )
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
        return self._stemmer(word)

    exact_stems = True

    def stems(self, conn: Connection, words: Sequence[str]) -> dict[str, str | None]:
        """The server's own: the english configuration's stem, or None for its stopwords. A
        word's answer is kept (the configuration does not change under a running process), so
        only words this process has not stemmed yet cost a round trip, one for all of them."""
        kept = self._server_stems
        if len(kept) > 50_000:
            kept.clear()
        new = [w for w in words if w not in kept]
        if new:
            rows = conn.execute(
                text(
                    "SELECT w, tsvector_to_array(to_tsvector('english', w)) FROM unnest(CAST(:w AS text[])) w"
                ),
                {"w": new},
            ).all()
            for word, lexemes in rows:
                kept[str(word)] = str(lexemes[0]) if lexemes else None
                if lexemes and len(lexemes) > 1:  # split by the parser: not one term; the engine's word
                    kept[str(word)] = " ".join(lexemes)
        return {w: kept[w] for w in words}

    def optimize(self, conn: Connection) -> None:
        conn.execute(text("ANALYZE search_document"))

    def generation(self, conn: Connection) -> int | None:
        """The count of committed writes; None inside a transaction that wrote to the index
        (it must see its own writes, which no other process has seen)."""
        value, written = conn.execute(
            text("SELECT value, current_setting('linkage.search_written', true) FROM search_generation")
        ).one()
        return None if written == "1" else int(value)


_PG_WEIGHTED = (
    "SELECT coalesce(sum(CASE w WHEN 'A' THEN 10 WHEN 'B' THEN 4 WHEN 'C' THEN 2 ELSE 1 END), 1) "
    "FROM unnest(u.weights) w"
)


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
