"""The one shape every reader produces: flat HSDS 3.0 rows that still carry the source's ids.

A reader maps its format's tables and field names to HSDS 3.0 and nothing more; ids stay
as the source wrote them (UUIDs or not) and `importers.operations` turns them into ours, so
that every format gets the same id rules, validation, provenance and report.

Where they wait between reading and preparing, `RowSpill`: preparing takes rows table by
table, parents first (a service is checked against the organizations already read), and a
record that a nested JSON feed repeats (an organization or a taxonomy term on every line) is
merged into one row. Both need the whole source read first. Held in memory as Python objects
that cost about 800 bytes a row: 8 GB for the ten million rows of a million services, most
of an import's peak. Here each row is one marshalled blob in a scratch SQLite file, ordered
by an index on (table order, record key, arrival), so memory holds one chunk of rows at a
time however big the source is; the file is removed when the import ends.

Rows that carry a key (`add(row, key)`) are merged with the others of that key in the order
they arrived, the later values over the earlier ones (None, or also "" for `skip_empty`
fragments, never replacing a value). Rows without a key (a tabular file's rows, each its own
record even when an id repeats, so that the repeat is reported) come out one by one in the
order they were added. Within a table, keyed rows come out in key order.
"""

from __future__ import annotations

import contextlib
import marshal
import os
import pickle
import sqlite3
import tempfile
import weakref
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from catalog.models import HSDS_MODELS
from importers.report import ImportReport


@dataclass(slots=True)
class Row:
    """One HSDS 3.0 record read from `file` at `row` (1-based data row; None for JSON objects).

    `data["id"]` and every `*_id` field hold source ids; `source_table` is the table name in
    the source (`services`, `physical_addresses`, ...) used in the report.
    """

    table: str
    data: dict[str, Any]
    file: str
    row: int | None = None
    source_table: str = ""
    # Rows of other tables folded into this one (eligibility text into its service):
    # (source table, file, row); they share this row's outcome in the report.
    folded: list[tuple[str, str, int | None]] = field(default_factory=list)


@dataclass
class ReadOptions:
    source: str
    mapping: dict[str, Any] | None = None
    base_dir: Path | None = None
    extra: dict[str, Any] = field(default_factory=dict)
    # The folder for a reader's scratch file (`RowSpill`); the system's temporary one if None.
    scratch: str | None = None


@dataclass
class Batch:
    """What a reader read: its rows, the format version it recognised, whether it is complete."""

    rows: list[Row] | RowSpill
    format: str
    version: str = ""
    # A complete snapshot of the source: records it no longer has are marked inactive.
    complete: bool = True


# The order preparing takes tables in: HSDS tables parents first, then the source's own change
# history, then rows of tables that are not HSDS (each rejected when it comes).
ORDER = {name: i for i, name in enumerate(HSDS_MODELS)}
ORDER["metadata"] = len(ORDER)
OTHER = len(ORDER)
CHUNK = 10_000
# Page cache of the scratch file (KiB): enough for its index's upper levels.
CACHE_KIB = 32_768


def _pack(row: Row, skip_empty: bool) -> bytes:
    body = (row.table, row.data, row.file, row.row, row.source_table, row.folded, skip_empty)
    try:
        return b"m" + marshal.dumps(body)
    except ValueError:  # a value marshal does not know (a spreadsheet's dates): pickled
        return b"p" + pickle.dumps(body, protocol=pickle.HIGHEST_PROTOCOL)


def _unpack(blob: bytes) -> tuple[Row, bool]:
    # Our own scratch file, written by this process a moment ago: nothing else writes it.
    data = blob[1:]
    body = marshal.loads(data) if blob[:1] == b"m" else pickle.loads(data)  # noqa: S301, S302
    table, data, file, line, source_table, folded, skip_empty = body
    return Row(table, data, file, line, source_table, [tuple(f) for f in folded]), skip_empty


class RowSpill:
    """The rows of one source, on disk until preparing reads them (see the module's text)."""

    def __init__(self, folder: str | None = None) -> None:
        fd, name = tempfile.mkstemp(prefix=".linkage-read-", suffix=".db", dir=folder)
        os.close(fd)
        self.path = os.path.abspath(name)
        self.db = sqlite3.connect(name, isolation_level=None)
        self.db.execute("PRAGMA journal_mode=OFF")  # a scratch file: nothing to recover
        self.db.execute("PRAGMA synchronous=OFF")
        self.db.execute(f"PRAGMA cache_size=-{CACHE_KIB}")
        self.db.execute(
            "CREATE TABLE frag (seq INTEGER PRIMARY KEY, ord INTEGER NOT NULL,"
            " key TEXT NOT NULL, body BLOB NOT NULL)"
        )
        self.db.execute("BEGIN")
        self.pending: list[tuple[int, str, bytes]] = []
        self.indexed = False
        # A spill nobody closed (a reader called on its own) still leaves no file behind.
        self._remove = weakref.finalize(self, _remove, self.db, self.path)

    @classmethod
    def of(cls, rows: Iterable[Row], folder: str | None = None) -> RowSpill:
        """A reader's list of rows, each its own record, in the spill's order."""
        spill = cls(folder)
        for row in rows:
            spill.add(row)
        return spill

    def add(self, row: Row, key: str | None = None, skip_empty: bool = False) -> None:
        """One row, or one fragment of the record `key` (merged with the others of that key)."""
        ordinal = ORDER.get(row.table, OTHER)
        self.pending.append(
            (ordinal, f"{row.table}\x1f{key}" if key is not None else "", _pack(row, skip_empty))
        )
        if len(self.pending) >= CHUNK:
            self._flush()

    def _flush(self) -> None:
        if self.pending:
            self.db.executemany("INSERT INTO frag (ord, key, body) VALUES (?, ?, ?)", self.pending)
            self.pending = []

    def _ready(self) -> None:
        self._flush()
        if not self.indexed:
            self.db.execute("CREATE INDEX frag_order ON frag (ord, key, seq)")
            self.indexed = True

    def tables(self) -> set[str]:
        """The tables the source has rows of (those that are not HSDS included)."""
        self._ready()
        names = {i: name for name, i in ORDER.items()}
        found = {names[o] for (o,) in self.db.execute("SELECT DISTINCT ord FROM frag") if o in names}
        for (blob,) in self.db.execute("SELECT body FROM frag WHERE ord = ? GROUP BY key", (OTHER,)):
            found.add(_unpack(blob)[0].table)
        return found

    def count(self) -> int:
        """How many rows `rows()` yields: every row without a key, one per key."""
        self._ready()
        single = self.db.execute("SELECT count(*) FROM frag WHERE key = ''").fetchone()[0]
        keyed = self.db.execute("SELECT count(*) FROM (SELECT DISTINCT ord, key FROM frag WHERE key != '')")
        return int(single) + int(keyed.fetchone()[0])

    def rows(self, table: str | None = None) -> Iterator[tuple[int, Row]]:
        """(the first fragment's number, the row) in the spill's order; of one table if given.
        The number names the row for as long as the spill lives."""
        self._ready()
        if table is None:
            cursor = self.db.execute("SELECT seq, key, body FROM frag ORDER BY ord, key, seq")
        else:
            cursor = self.db.execute(
                "SELECT seq, key, body FROM frag WHERE ord = ? ORDER BY ord, key, seq",
                (ORDER.get(table, OTHER),),
            )
        current: tuple[int, Row] | None = None
        current_key = ""
        while chunk := cursor.fetchmany(CHUNK):
            for seq, key, blob in chunk:
                row, skip_empty = _unpack(blob)
                if table is not None and row.table != table:
                    continue  # another table that is not HSDS
                if key and key == current_key and current is not None:
                    empty = (None, "") if skip_empty else (None,)
                    current[1].data.update({k: v for k, v in row.data.items() if v not in empty})
                    continue
                if current is not None:
                    yield current
                current, current_key = (seq, row), key
        if current is not None:
            yield current

    def close(self) -> None:
        self._remove()


def _remove(db: sqlite3.Connection, path: str) -> None:
    with contextlib.suppress(sqlite3.Error):
        db.close()
    with contextlib.suppress(FileNotFoundError):
        os.unlink(path)


class Reader(Protocol):
    def __call__(self, path: str, options: ReadOptions, report: ImportReport) -> Batch: ...
