"""One import at a time: a row that says which source is being imported, since when, by whom.

Two imports at once would fight over the database (on SQLite the second one waited for the
write lock and then failed with "database is locked"); instead the second one reads this row
and says plainly that an import from source X has been running since a given time, or waits
its turn (`linkage import --wait SECONDS`). The row is written and removed in short
transactions of their own, outside the import's, so others see it at once. A row left by a
process that died on this host is taken over; one left on another host is removed with
`linkage import --break-lock`.
"""

from __future__ import annotations

import datetime as dt
import os
import socket
import time
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import Integer, Text, delete, insert, select
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, mapped_column

from kernel.db import Base, UTCDateTime, utcnow

# One name for the whole catalog: imports of different sources write the same tables (and on
# SQLite the same file), so they take turns too.
LOCK_NAME = "catalog"
POLL_SECONDS = 0.5


class ImportLock(Base):
    __tablename__ = "import_lock"
    name: Mapped[str] = mapped_column(Text, primary_key=True)
    source: Mapped[str] = mapped_column(Text)
    started_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    pid: Mapped[int] = mapped_column(Integer)
    host: Mapped[str] = mapped_column(Text)


class ImportBusy(Exception):
    """Another import is running; nothing was read or written."""

    def __init__(self, source: str, started_at: dt.datetime, pid: int, host: str) -> None:
        when = started_at.astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
        super().__init__(
            f"an import from source {source!r} has been running since {when}"
            f" (process {pid} on {host}); run this one when it ends, or give --wait SECONDS"
        )
        self.source, self.started_at, self.pid, self.host = source, started_at, pid, host


def _alive(pid: int, host: str) -> bool:
    """Whether the holder may still run: always true for another host (it cannot be asked)."""
    if host != socket.gethostname():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's process: it exists
        return True
    return True


@contextmanager
def _transaction(where: Engine | Connection) -> Iterator[Connection]:
    """A short transaction of its own on an engine; a savepoint on a connection the caller holds.

    The app's sessions are bound to one connection when a caller (the test suite) keeps the
    whole run in a transaction of its own: the lock must then be written on that connection,
    since a second one would wait for the first's write lock on SQLite.
    """
    if isinstance(where, Engine):
        with where.begin() as conn:
            yield conn
    else:
        with where.begin_nested():
            yield where


def acquire(engine: Engine | Connection, source: str, *, wait: float = 0.0) -> None:
    """Take the import lock for `source`, waiting up to `wait` seconds; ImportBusy otherwise."""
    me = {"name": LOCK_NAME, "source": source, "pid": os.getpid(), "host": socket.gethostname()}
    deadline = time.monotonic() + wait
    t = ImportLock.__table__
    while True:
        with _transaction(engine) as conn:
            held = conn.execute(select(t).where(t.c.name == LOCK_NAME)).first()
        if held is not None and not _alive(held.pid, held.host):
            with _transaction(engine) as conn:  # its holder died: take it over
                conn.execute(
                    delete(t).where(t.c.name == LOCK_NAME, t.c.pid == held.pid, t.c.host == held.host)
                )
            held = None
        if held is None:
            try:
                with _transaction(engine) as conn:
                    conn.execute(insert(t).values(**me, started_at=utcnow()))
                return
            except IntegrityError:  # another import took it between our read and our write
                continue
        if time.monotonic() >= deadline:
            raise ImportBusy(held.source, held.started_at, held.pid, held.host)
        time.sleep(POLL_SECONDS)


def release(engine: Engine | Connection) -> None:
    """Give the lock back (only our own row: a lock broken and taken by another stays theirs)."""
    t = ImportLock.__table__
    with _transaction(engine) as conn:
        conn.execute(
            delete(t).where(t.c.name == LOCK_NAME, t.c.pid == os.getpid(), t.c.host == socket.gethostname())
        )


def break_lock(engine: Engine | Connection) -> ImportLock | None:
    """Remove whatever lock row there is (a holder that died on another host); returns it."""
    t = ImportLock.__table__
    with _transaction(engine) as conn:
        held = conn.execute(select(t).where(t.c.name == LOCK_NAME)).first()
        conn.execute(delete(t).where(t.c.name == LOCK_NAME))
    if held is None:
        return None
    return ImportLock(
        name=held.name, source=held.source, started_at=held.started_at, pid=held.pid, host=held.host
    )
