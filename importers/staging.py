"""Where an import's new rows wait between being prepared and being published.

On SQLite (`FileStage`) they wait in a staging file of their own, a plain SQLite database
beside the catalog's that no other connection opens: written while the import reads, with
no lock on the catalog, in bounded memory (a batch at a time), and streamed from there into
the catalog's tables by the publish, table by table (parents first) and in key order, so the
write transaction does nothing but the inserts. The file is removed when the import ends,
whatever the outcome.

On PostgreSQL (`DirectStage`), which has no database-wide write lock, the rows are written
at once into the caller's transaction, as they are prepared: nobody sees them before the
commit, and nothing else waits for them.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
import tempfile
from pathlib import Path
from typing import Any

from sqlalchemy import bindparam, update
from sqlalchemy.exc import DBAPIError

from importers import staged_documents
from importers.locations import POINT_COLUMNS
from kernel.db import BoundRows, write_rows

# The staging file's name on the catalog's connection when it is attached there (`attach`).
ALIAS = "linkage_stage"


class DirectStage:
    """Rows written as soon as they are prepared (PostgreSQL: one transaction, no global lock)."""

    def __init__(self, session: Any, step: int) -> None:
        self.session, self.step = session, step
        self.documents = 0  # none prepared: they are written in the one transaction

    def put(self, bound: BoundRows) -> None:
        conn = self.session.connection()
        for start in range(0, len(bound), self.step):
            write_rows(conn, bound, start, start + self.step)

    def points(self, table: Any, rows: list[dict[str, Any]]) -> None:
        """Geocoded points of locations already written (part of their creation)."""
        if rows:
            self.session.connection().execute(_points_update(table), rows)

    def finish(self) -> None:
        """Everything is written already."""

    def prepare_documents(self) -> int:
        """None: the documents are written in the import's one transaction."""
        return 0

    def copy_documents(self, conn: Any, skip: set[str]) -> set[str]:
        """Nothing was prepared."""
        return set()

    def publish(self, conn: Any, order: list[str]) -> None:
        """Everything is written already."""

    def close(self) -> None:
        """Nothing to remove."""


class FileStage:
    """Rows kept in a staging SQLite file until `publish` streams them into the catalog."""

    def __init__(self, database: str | None, dialect: Any, step: int) -> None:
        folder = Path(database).parent if database and database != ":memory:" else None
        fd, name = tempfile.mkstemp(prefix=".linkage-import-", suffix=".db", dir=folder)
        os.close(fd)
        self.path, self.step, self.dialect = os.path.abspath(name), step, dialect
        self.db = sqlite3.connect(name, isolation_level=None)
        self.db.execute("PRAGMA journal_mode=OFF")  # a scratch file: nothing to recover
        self.db.execute("PRAGMA synchronous=OFF")
        self.db.execute("BEGIN")
        # (target table, keys) -> staging table; rows that need column defaults stay in memory.
        self.groups: dict[tuple[str, tuple[str, ...]], str] = {}
        self.tables: dict[str, Any] = {}
        self.in_memory: list[BoundRows] = []
        self.documents = 0  # search documents prepared in the file (prepare_documents)

    def put(self, bound: BoundRows) -> None:
        table = bound.table
        if bound.values is None:
            self.in_memory.append(bound)
            return
        key = (table.name, tuple(bound.keys))
        name = self.groups.get(key)
        if name is None:
            name = self.groups[key] = f"s{len(self.groups)}"
            self.tables[table.name] = table
            cols = ", ".join(f'"{k}"' for k in bound.keys)
            self.db.execute(f'CREATE TABLE "{name}" ({cols})')
        marks = ", ".join("?" for _ in bound.keys)
        self.db.executemany(f'INSERT INTO "{name}" VALUES ({marks})', bound.values)

    def points(self, table: Any, rows: list[dict[str, Any]]) -> None:
        """Geocoded points of staged locations, set in the staging file (outside the lock)."""
        if not rows:
            return
        to_text = table.c.id.type._cached_bind_processor(self.dialect) or str
        for (name, keys), stage in self.groups.items():
            if name != table.name or not set(POINT_COLUMNS) <= set(keys):
                continue
            sets = ", ".join(f'"{c}" = ?' for c in POINT_COLUMNS)
            self.db.executemany(
                f'UPDATE "{stage}" SET {sets} WHERE "id" = ?',
                [(*(r[c] for c in POINT_COLUMNS), to_text(r["b_id"])) for r in rows],
            )

    def finish(self) -> None:
        """Put each staging table in the order the publish reads it (sorting there would be
        done while the catalog's write lock is held)."""
        for (_name, keys), stage in self.groups.items():
            first = "id" if "id" in keys else keys[0]
            self.db.execute(f'CREATE TABLE "{stage}_sorted" AS SELECT * FROM "{stage}" ORDER BY "{first}"')
            self.db.execute(f'DROP TABLE "{stage}"')
            self.db.execute(f'ALTER TABLE "{stage}_sorted" RENAME TO "{stage}"')
        self.db.execute("COMMIT")

    def prepare_documents(self) -> int:
        """Build the new services' search documents into the staging file, outside the lock
        (`importers.staged_documents`); returns how many."""
        self.documents = staged_documents.prepare(self.db, self.path, self.groups, self.in_memory)
        return self.documents

    def copy_documents(self, conn: Any, skip: set[str]) -> set[str]:
        """Copy the prepared documents into the catalog on `conn`, but those of the services
        in `skip` (raw ids); returns the services (raw ids) whose documents were copied."""
        if not self.documents:
            return set()
        attached = any(
            r[1] == ALIAS and r[2] == self.path for r in conn.exec_driver_sql("PRAGMA database_list")
        )
        staged_documents.copy(conn, ALIAS if attached else None, self.db, skip)
        return staged_documents.services(self.db)

    def publish(self, conn: Any, order: list[str]) -> None:
        """Stream every staged row into the catalog on `conn`, table by table in `order`,
        each in its key order (the first key: the primary key, or provenance's entity id)."""
        driver = conn.connection.driver_connection
        attached = any(
            r[1] == ALIAS and r[2] == self.path for r in conn.exec_driver_sql("PRAGMA database_list")
        )
        for table_name in order:
            for (name, keys), stage in self.groups.items():
                if name != table_name:
                    continue
                cols = ", ".join(f'"{k}"' for k in keys)
                if attached:  # one statement: SQLite copies the rows without Python
                    source = f'"{ALIAS}"."{stage}"'
                    conn.exec_driver_sql(
                        f'INSERT INTO main."{name}" ({cols}) SELECT {cols} FROM {source} ORDER BY rowid'
                    )
                    continue
                marks = ", ".join("?" for _ in keys)
                sql = f'INSERT INTO "{name}" ({cols}) VALUES ({marks})'
                rows = self.db.execute(f'SELECT {cols} FROM "{stage}" ORDER BY rowid')
                try:
                    driver.executemany(sql, rows)
                except sqlite3.Error as exc:
                    # Given SQLAlchemy's shape, so the edges that keep SQL and values out of
                    # messages (database_error_text) see it like any other database error.
                    raise DBAPIError.instance(sql, None, exc, sqlite3.Error, hide_parameters=True) from exc
            for bound in self.in_memory:
                if bound.table.name == table_name:
                    write_rows(conn, bound)

    def attach(self) -> tuple[str, str]:
        """(alias, file) for `kernel.db.begin_write`: attached to the connection that publishes,
        the staged rows are copied by `INSERT ... SELECT` inside SQLite (a third faster than
        handing them through Python); a connection already in a transaction cannot attach,
        and streams them instead."""
        return ALIAS, self.path

    def close(self) -> None:
        self.db.close()
        with contextlib.suppress(FileNotFoundError):
            os.unlink(self.path)


def _points_update(table: Any) -> Any:
    return (
        update(table).where(table.c.id == bindparam("b_id")).values({k: bindparam(k) for k in POINT_COLUMNS})
    )


def stage_for(session: Any, step: int) -> DirectStage | FileStage:
    """The staging that suits the session's database."""
    bind = session.get_bind()
    if bind.dialect.name != "sqlite":
        return DirectStage(session, step)
    return FileStage(bind.engine.url.database, bind.dialect, step)
