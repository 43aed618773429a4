"""The documents' facts kept in the database in a compact form, so a new process reads them fast.

A search filters, measures and sorts its matches with numpy over every document's facts
(candidates.py). Reading those from `search_document` row by row costs about 5 ms per 1,000
documents; a new process, or one that saw a write, would pay it before its first answer.
Instead:

- `search_facts` holds one packed copy of every document's facts (numpy arrays and their
  distinct values) and the vocabulary typos are corrected against, with a random `version`.
  A full rebuild writes it; so does any write whose change log has grown past `log_limit`,
  from the copy and the log (cheap: only the changed documents are read), in that writer's
  transaction.
- `search_changed` names every document inserted, updated or deleted since that copy, each
  with a new random `seq` per change (triggers of migration 0023, in the writer's
  transaction, so a rolled-back write leaves no trace).

A process keeps the copy it read and, when the index's generation changes, reads the log
(ids only) and the facts of the documents whose entry it has not applied yet: a write costs
the next search the changed documents, not the catalog. Every committed write is in the log
or in the copy, so it is seen by the next search of every process.
"""

from __future__ import annotations

import io
import json
import secrets
import threading
from collections.abc import Sequence
from typing import Any

import numpy as np
from sqlalchemy import text
from sqlalchemy.engine import Connection

from search.candidates import COLUMNS, Candidates
from search.index import SMALL_INDEX

# Rows of the change log a process may have to read before the copy is written again.
LOG_MIN = 2000
LOG_SHARE = 20  # ... or one document in this many, on large catalogs
_ARRAYS = (
    "ids", "lat", "lon", "min_age", "max_age", "free", "accessible", "status", "gender", "langs", "hours",
    "facet",
)  # fmt: skip
_VALUES = ("statuses", "genders", "lang_values", "hour_values", "facet_values")


def log_limit(documents: int) -> int:
    """How many changed documents the log may name before the copy is rewritten."""
    return max(LOG_MIN, documents // LOG_SHARE)


def pack(store: Candidates, vocabulary: dict[str, int]) -> bytes:
    """The facts as one binary: numpy arrays plus the distinct values and vocabulary as JSON."""
    meta = {name: getattr(store, name) for name in _VALUES}
    meta["vocabulary"] = vocabulary
    arrays = {name: getattr(store, name) for name in _ARRAYS}
    buf = io.BytesIO()
    np.savez(buf, meta=np.frombuffer(json.dumps(meta).encode(), dtype=np.uint8), **arrays)
    return buf.getvalue()


def unpack(data: bytes) -> tuple[Candidates, dict[str, int]]:
    with np.load(io.BytesIO(data), allow_pickle=False) as found:
        meta = json.loads(found["meta"].tobytes())
        arrays = {name: found[name] for name in _ARRAYS}
    values = {name: meta[name] for name in _VALUES}
    values["facet_values"] = [tuple(v) for v in values["facet_values"]]
    store = Candidates(score=np.zeros(len(arrays["ids"])), **arrays, **values)
    return store, {str(k): int(v) for k, v in meta["vocabulary"].items()}


def read_rows(conn: Connection, ids: Sequence[int] | None = None) -> Candidates:
    """Facts of these documents (None: of all) straight from search_document, in id order."""
    names = ", ".join(c.name for c in COLUMNS)
    if ids is None:
        result = conn.exec_driver_sql(f"SELECT {names}, 0.0 FROM search_document ORDER BY id")
        return Candidates.from_rows(result.cursor.fetchall())
    rows: list[Any] = []
    ordered = sorted(ids)
    for i in range(0, len(ordered), 900):
        part = ordered[i : i + 900]
        marks = ", ".join(str(int(x)) for x in part)  # integers only: safe to inline
        rows.extend(
            conn.exec_driver_sql(f"SELECT {names}, 0.0 FROM search_document WHERE id IN ({marks})").all()
        )
    rows.sort(key=lambda r: r[0])
    return Candidates.from_rows(rows)


def _read_log(conn: Connection) -> dict[int, int]:
    return {int(i): int(s) for i, s in conn.exec_driver_sql("SELECT doc_id, seq FROM search_changed").all()}


def _read_version(conn: Connection) -> int | None:
    found = conn.exec_driver_sql("SELECT version FROM search_facts WHERE id = 1").scalar()
    return None if found is None else int(found)


def _read_copy(conn: Connection) -> tuple[int, Candidates, dict[str, int]] | None:
    row = conn.exec_driver_sql("SELECT version, data FROM search_facts WHERE id = 1").first()
    if row is None:
        return None
    store, vocabulary = unpack(bytes(row[1]))
    return int(row[0]), store, vocabulary


def patched(store: Candidates, changed: set[int], fresh: Candidates) -> Candidates:
    """`store` without the changed documents, plus their facts as read now (`fresh`)."""
    if not changed:
        return store
    gone = np.isin(store.ids, np.fromiter(changed, dtype=np.int64, count=len(changed)))
    kept = store.take(np.flatnonzero(~gone), store.score[~gone])
    return Candidates.concat(kept, fresh)


def _grown(
    vocabulary: dict[str, int], fresh: Candidates, conn: Connection, stem: Any, words: Any
) -> dict[str, int]:
    """The vocabulary with the words of changed documents added (a term a changed document
    lost keeps its count until the next full rebuild: corrections are checked against the
    index before they are offered)."""
    out = dict(vocabulary)
    if not len(fresh):
        return out
    from search.models import TEXT_FIELDS

    cols = ", ".join(TEXT_FIELDS)
    ids = ", ".join(str(int(i)) for i in fresh.ids)
    seen: dict[str, int] = {}
    for row in conn.exec_driver_sql(f"SELECT {cols} FROM search_document WHERE id IN ({ids})"):
        for term in {stem(w) for w in words(" ".join(row))}:
            if len(term) >= 3 and term.isalpha():
                seen[term] = seen.get(term, 0) + 1
    for term, n in seen.items():
        out[term] = out.get(term, 0) + n
    return out


def write(conn: Connection, vocabulary: dict[str, int], store: Candidates | None = None) -> None:
    """Write the copy (all facts read afresh unless given) and empty the change log."""
    store = store if store is not None else read_rows(conn)
    data = pack(store, vocabulary)
    version = secrets.randbits(62)
    conn.exec_driver_sql("DELETE FROM search_facts")
    conn.execute(
        text("INSERT INTO search_facts (id, version, data) VALUES (1, :v, :d)"), {"v": version, "d": data}
    )
    conn.exec_driver_sql("DELETE FROM search_changed")


def after_write(conn: Connection, stem: Any, words: Any) -> bool:
    """In a writer's transaction: fold the change log into the copy once it names more than
    `log_limit` documents (`stem` and `words` split and stem new documents' text for the
    vocabulary as the engine does). Returns whether it did."""
    logged = int(conn.exec_driver_sql("SELECT count(*) FROM search_changed").scalar_one())
    if logged <= LOG_MIN:
        return False
    documents = int(conn.exec_driver_sql("SELECT count(*) FROM search_document").scalar_one())
    if logged <= log_limit(documents):
        return False
    if conn.dialect.name == "postgresql":  # one rewriter at a time, reading what others committed
        conn.exec_driver_sql("SELECT id FROM search_facts WHERE id = 1 FOR UPDATE").all()
    copy = _read_copy(conn)
    if copy is None:
        write(conn, {})
    else:
        _, store, vocabulary = copy
        log = _read_log(conn)
        fresh = read_rows(conn, list(log))
        write(conn, _grown(vocabulary, fresh, conn, stem, words), patched(store, set(log), fresh))
    # The log is empty now: the ranking's postings must not be older than the copy.
    from search import postings
    from search.index import index_for

    postings.write(conn, index_for(conn), words)
    return True


class FactStore:
    """This process's copy of one index's facts, brought up to date with the log on demand."""

    def __init__(self) -> None:
        self.version: int | None = None
        self.base: Candidates | None = None
        self.vocabulary: dict[str, int] = {}
        self.current: Candidates | None = None
        self.applied: dict[int, int] = {}
        self.lock = threading.Lock()

    def facts(self, conn: Connection) -> Candidates:
        """Every document's facts as this transaction sees them (copy + log)."""
        with self.lock:
            version = _read_version(conn)
            if version is None:  # no copy yet (a database older than the copy): read all
                self.version, self.current, self.applied = None, None, {}
                return read_rows(conn)
            if version != self.version or self.current is None:
                copy = _read_copy(conn)
                if copy is None:
                    return read_rows(conn)
                self.version, self.base, self.vocabulary = copy
                self.current, self.applied = self.base, {}
            log = _read_log(conn)
            changed = {i for i, s in log.items() if self.applied.get(i) != s}
            changed |= set(self.applied) - set(log)  # entries rolled back: read as they are now
            if changed:
                self.current = patched(self.current, changed, read_rows(conn, list(changed)))
                self.applied = log
            return self.current

    def words(self, conn: Connection) -> dict[str, int]:
        """The copy's vocabulary (terms with their document counts)."""
        with self.lock:
            version = _read_version(conn)
            if version is not None and version != self.version:
                copy = _read_copy(conn)
                if copy is not None:
                    self.version, self.base, self.vocabulary = copy
                    self.current, self.applied = self.base, {}
            return self.vocabulary


_STORES: dict[int, FactStore] = {}


def store_for(index: Any) -> FactStore:
    """This process's copy for one index (one per database URL, like the index)."""
    found = _STORES.get(id(index))
    if found is None:
        found = _STORES.setdefault(id(index), FactStore())
    return found


def vocabulary(conn: Connection, index: Any) -> dict[str, int]:
    """Terms to correct typos against: the copy's on large catalogs (no scan of the index in
    a new process), the engine's own, read live, on small ones and where the copy has none."""
    store = store_for(index)
    words = store.words(conn)
    if words and store.base is not None and len(store.base) >= SMALL_INDEX:
        return words
    found: dict[str, int] = index.vocabulary(conn)
    return found
