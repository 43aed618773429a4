"""A ranking of our own: each term's documents with their BM25 contribution, packed.

The engines score every match of a text (FTS5's bm25 for each matching row, PostgreSQL's
ts_rank reading each match's tsvector from the heap), and a lay text of two or three words
that no document holds whole is retried with any word, which matches a large part of the
catalog: scoring those matches was most of a text's first search. Instead:

- `search_postings` (migration 0026) holds, for every term the engine indexed, its documents
  (int32 ids, ascending) and each one's BM25 contribution (float32): idf * f * (k1 + 1) /
  (f + k1 * (1 - b + b * D / avgdl)), f the term's column-weighted frequency in the document
  (FTS5: the bm25 column weights; PostgreSQL: A 10, B 4, C 2, D 1) and D the document's
  length in tokens. It is built from the engine's own tokens (FTS5's fts5vocab 'instance'
  table, PostgreSQL's tsvector), so stemming agrees, by `linkage index rebuild` and whenever
  the facts copy is folded (facts.after_write): the postings are never older than the copy,
  so the documents changed since are exactly those the change log (`search_changed`) names.
  A row with the empty term holds the corpus figures (documents, average length).
- A search reads the postings of its words (one row each), sums the contributions in a dense
  array with numpy and keeps the documents that match every group (or any, when retried):
  the same sum FTS5's bm25 makes, per phrase of the query. A phrase of several words takes
  its documents from the engine (ids only, no score) and the sum of its words' contributions.
- Documents the change log names are left out of the postings' answer and asked of the
  engine, restricted to their ids, so every write is searchable when it commits.
- A word the postings lack but the engine holds (a stemmer disagreement) sends the whole
  text to the engine's own scoring, as before.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
from sqlalchemy import bindparam, text
from sqlalchemy.engine import Connection

from search.bm25 import contributions, idf
from search.index import SearchIndex, TextQuery
from search.models import search_document as D

META = ""  # the row holding the corpus figures


@dataclass(frozen=True)
class Corpus:
    """What the contributions were computed against."""

    documents: int
    avgdl: float


def write(conn: Connection, index: SearchIndex, words: Callable[[str], list[str]]) -> None:
    """Every term's postings afresh from the engine's tokens (inside the caller's transaction);
    `words` splits a synonym as a search does (search.text.words_of)."""
    terms, lengths = index.term_frequencies(conn)
    documents = int(conn.exec_driver_sql("SELECT count(*) FROM search_document").scalar_one())
    avgdl = float(lengths.sum()) / documents if documents else 1.0
    rows = [{"t": META, "d": json.dumps({"documents": documents, "avgdl": avgdl}).encode(), "i": b""}]
    for term, (docs, freq) in terms.items():
        if not term:
            continue
        values = contributions(freq, lengths[docs].astype(np.float64), idf(documents, len(docs)), avgdl)
        rows.append({"t": term, "d": docs.astype("<i4").tobytes(), "i": values.astype("<f4").tobytes()})
    for phrase in _phrases(conn, words):
        docs, values = index.phrase_scores(conn, phrase, terms, lengths, documents, avgdl)
        rows.append({"t": phrase, "d": docs.astype("<i4").tobytes(), "i": values.astype("<f4").tobytes()})
    conn.exec_driver_sql("DELETE FROM search_postings")
    conn.execute(text("INSERT INTO search_postings (term, docs, impacts) VALUES (:t, :d, :i)"), rows)


def _phrases(conn: Connection, words: Callable[[str], list[str]]) -> list[str]:
    """The phrases of several words a search can ask: every one of them comes from the
    synonym table (a text's own words are searched one by one)."""
    rows = conn.exec_driver_sql("SELECT term FROM search_synonym UNION SELECT synonym FROM search_synonym")
    found = {" ".join(words(str(r[0]))) for r in rows}
    return sorted(p for p in found if " " in p)


# The change log's document ids, read in the postings' own statement (one round trip and one
# snapshot for both), on the row of the corpus figures that every read asks for.
_CHANGED = {
    "sqlite": "(SELECT group_concat(doc_id) FROM search_changed)",
    "postgresql": "(SELECT string_agg(doc_id::text, ',') FROM search_changed)",
}


def _read(
    conn: Connection, terms: set[str]
) -> tuple[
    Corpus | None, dict[str, tuple[npt.NDArray[np.int64], npt.NDArray[np.float64]]], npt.NDArray[np.int64]
]:
    """The postings of these terms, the corpus figures and the documents written since the
    postings (the change log, ascending), as this transaction sees them."""
    log_of = _CHANGED[conn.dialect.name]
    stmt = text(
        f"SELECT term, docs, impacts, CASE WHEN term = :meta THEN {log_of} END "
        "FROM search_postings WHERE term IN :t"
    ).bindparams(bindparam("t", expanding=True))
    corpus: Corpus | None = None
    log = np.zeros(0, dtype=np.int64)
    out: dict[str, tuple[npt.NDArray[np.int64], npt.NDArray[np.float64]]] = {}
    for term, docs, impacts, changed_ids in conn.execute(stmt, {"t": sorted(terms | {META}), "meta": META}):
        if term == META:
            meta = json.loads(bytes(docs))
            corpus = Corpus(int(meta["documents"]), float(meta["avgdl"]))
            if changed_ids:
                log = np.array(sorted(int(i) for i in str(changed_ids).split(",")), dtype=np.int64)
            continue
        ids = np.frombuffer(bytes(docs), dtype="<i4").astype(np.int64)
        out[term] = ids, np.frombuffer(bytes(impacts), dtype="<f4").astype(np.float64)
    return corpus, out, log


def match_scores(conn: Connection, index: SearchIndex, query: TextQuery) -> tuple[Any, Any] | None:
    """Ids (ascending) and scores of every document matching the query, from the postings and
    the engine for the documents written since; None when the postings cannot answer (none
    built yet, or a word they lack that the engine holds): the caller asks the engine."""
    every = {w for group in query.groups for alt in group for w in alt.split()}
    stem = index.stems(conn, sorted(every))  # None: a word the engine leaves out (a stopword)
    # A group whose every alternative the engine leaves out is left out, as the engine does.
    groups = [g for g in query.groups if any(any(stem[w] for w in alt.split()) for alt in g)]
    if not groups:
        return np.zeros(0, dtype=np.int64), np.zeros(0)
    singles = {alt for group in groups for alt in group if " " not in alt and stem[alt]}
    phrases = {alt for group in groups for alt in group if " " in alt}
    stems = {alt: str(stem[alt]) for alt in singles}
    words = {w: str(stem[w]) for alt in phrases for w in alt.split() if stem[w]}
    corpus, found, log = _read(conn, set(stems.values()) | set(words.values()) | phrases)
    if corpus is None:
        return None
    missing = [alt for alt in singles if stems[alt] not in found]
    if (
        missing
        and not index.exact_stems
        and index.match_rows(conn, TextQuery([missing]), [], [D.c.id], limit=1)
    ):
        return None  # the engine holds one under a stem we do not make
    hi = int(log[-1]) + 1 if len(log) else 1
    for docs, _ in found.values():
        if len(docs):
            hi = max(hi, int(docs[-1]) + 1)
    kept = {alt for alt in phrases if alt in found}  # scored when the postings were built
    phrase_ids = {alt: found[alt][0] if alt in kept else index.phrase_ids(conn, alt) for alt in phrases}
    for ids in phrase_ids.values():
        if len(ids):
            hi = max(hi, int(ids.max()) + 1)
    score = np.zeros(hi)
    matched = np.zeros(hi, dtype=bool) if query.any_group else np.ones(hi, dtype=bool)
    for group in groups:
        hit = np.zeros(hi, dtype=bool)
        for alt in group:
            if " " not in alt:
                if alt not in stems:
                    continue
                docs, values = found.get(stems[alt], (np.zeros(0, np.int64), np.zeros(0)))
                hit[docs] = True
                score[docs] += values
                continue
            ids = phrase_ids[alt]
            hit[ids] = True
            if alt in kept:
                score[ids] += found[alt][1]
                continue
            for w in alt.split():
                if w not in words:
                    continue
                docs, values = found.get(words[w], (np.zeros(0, np.int64), np.zeros(0)))
                pos = np.searchsorted(docs, ids)
                ok = pos < len(docs)
                ok[ok] = docs[pos[ok]] == ids[ok]
                score[ids[ok]] += values[pos[ok]]
        matched = (matched | hit) if query.any_group else (matched & hit)
    matched[log] = False
    ids = np.flatnonzero(matched).astype(np.int64)
    values = score[ids]
    if len(log):
        more_ids, more = index.changed_scores(
            conn, query, [int(i) for i in log], corpus.documents, corpus.avgdl,
            lambda term: len(found[term][0]) if term in found else 0,
        )  # fmt: skip
        if len(more_ids):
            ids = np.concatenate([ids, more_ids])
            values = np.concatenate([values, more])
            order = np.argsort(ids, kind="stable")
            ids, values = ids[order], values[order]
    return ids, values


def rescore(
    conn: Connection, index: SearchIndex, query: TextQuery, ids: npt.NDArray[np.int64]
) -> npt.NDArray[np.float64] | None:
    """The postings' scores for these matched documents (None: the engine's stand)."""
    found = match_scores(conn, index, query)
    if found is None:
        return None
    all_ids, values = found
    pos = np.searchsorted(all_ids, ids)
    pos[pos >= len(all_ids)] = 0
    out: npt.NDArray[np.float64] = (
        np.where(all_ids[pos] == ids, values[pos], 0.0) if len(all_ids) else (np.zeros(len(ids)))
    )
    return out
