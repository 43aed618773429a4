"""Engine, one session per request, and the SQLite settings the rest of the code relies on."""

from __future__ import annotations

import contextlib
import datetime as dt
import operator
import os
import re
import time
import uuid
from typing import Annotated, Any

from flask import Flask, Response, current_app, g
from sqlalchemy import DateTime, LargeBinary, MetaData, Text, Uuid, create_engine, event
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import DeclarativeBase, Session, mapped_column, sessionmaker
from sqlalchemy.types import TypeDecorator, UserDefinedType

# One naming convention so Alembic's batch mode works the same on SQLite and PostgreSQL.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


_UUID7_LAST = [0]


def uuid7() -> uuid.UUID:
    """A time-ordered UUID (RFC 9562 version 7), for rows written in bulk that refer to
    nothing outside (change-log and provenance rows): new ids land at the end of the primary
    key's B-tree instead of all over it. Monotonic within this process."""
    ms = time.time_ns() // 1_000_000
    rand = int.from_bytes(os.urandom(10), "big")
    value = (ms << 80) | (0x7 << 76) | ((rand >> 62) & 0xFFF) << 64 | (0b10 << 62) | (rand & ((1 << 62) - 1))
    if value <= _UUID7_LAST[0]:
        value = _UUID7_LAST[0] + 1  # same millisecond: count up, keeping the order
    _UUID7_LAST[0] = value
    return uuid.UUID(int=value)


class BoundRows:
    """Rows of one table made ready for the driver (bind processors applied, tuples in column
    order) by `bind_rows`, to be written later by `write_rows`: an import does this work
    before it takes the write lock, so the write itself is only the driver's executemany."""

    __slots__ = ("keys", "rows", "table", "values")

    def __init__(
        self, table: Any, keys: list[str], values: list[tuple[Any, ...]] | None, rows: list[dict[str, Any]]
    ) -> None:
        self.table, self.keys, self.values, self.rows = table, keys, values, rows

    def __len__(self) -> int:
        return len(self.values) if self.values is not None else len(self.rows)


def bind_rows(dialect: Any, table: Any, rows: list[dict[str, Any]]) -> BoundRows:
    """Prepare rows that all have the same keys for `write_rows` (see `insert_rows`)."""
    keys = list(rows[0]) if rows else []
    missing = rows and [
        c for c in table.c if c.key not in rows[0] and (c.default is not None or c.server_default)
    ]
    copy = dialect.name == "postgresql" and dialect.driver == "psycopg"
    if not rows or (dialect.name != "sqlite" and not copy) or missing:
        return BoundRows(table, keys, None, rows)
    return BoundRows(table, keys, _bound_tuples(dialect, table, keys, rows), [])


def write_rows(conn: Any, bound: BoundRows, start: int = 0, stop: int | None = None) -> None:
    """Insert the prepared rows `bound[start:stop]` on this connection."""
    table, keys = bound.table, bound.keys
    if bound.values is None:
        part = bound.rows[start:stop]
        if part:
            conn.execute(table.insert(), part)
        return
    values = bound.values[start:stop]
    if not values:
        return
    names = ", ".join(f'"{table.c[k].name}"' for k in keys)
    if conn.dialect.name == "sqlite":
        marks = ", ".join("?" for _ in keys)
        conn.exec_driver_sql(f'INSERT INTO "{table.name}" ({names}) VALUES ({marks})', values)
        return
    sql = f'COPY "{table.name}" ({names}) FROM STDIN'
    dbapi = conn.dialect.loaded_dbapi
    try:
        with conn.connection.driver_connection.cursor() as cur, cur.copy(sql) as out:
            for row in values:
                out.write_row(row)
    except dbapi.Error as exc:
        # The driver's own error, raised outside SQLAlchemy: given SQLAlchemy's shape, so the
        # edges that keep SQL and values out of messages (database_error_text) see it too.
        raise DBAPIError.instance(sql, None, exc, dbapi.Error, hide_parameters=True) from exc


def insert_rows(conn: Any, table: Any, rows: list[dict[str, Any]]) -> None:
    """Core executemany of rows that all have the same keys. The column types' bind processors
    are applied here, once per distinct value, and the rows handed to the driver as tuples,
    which is about a third cheaper than SQLAlchemy's per-row parameter building for large
    batches: on SQLite as one executemany, on PostgreSQL (psycopg 3) as one COPY, which
    spares the server a statement per few hundred rows. Anything needing a column default
    the rows lack takes the ordinary path."""
    if rows:
        write_rows(conn, bind_rows(conn.dialect, table, rows))


def _bound_tuples(
    dialect: Any, table: Any, keys: list[str], rows: list[dict[str, Any]]
) -> list[tuple[Any, ...]]:
    procs = [table.c[k].type._cached_bind_processor(dialect) for k in keys]
    get = operator.itemgetter(*keys)
    # Columns whose values need processing, with the last value seen: a batch often repeats
    # one value (the import's timestamp), and a date-time costs microseconds to format.
    todo = [(i, p) for i, p in enumerate(procs) if p is not None]
    last: list[Any] = [object()] * len(keys)
    done: list[Any] = [None] * len(keys)
    values = []
    for r in rows:
        row = list(get(r)) if len(keys) > 1 else [get(r)]
        for i, p in todo:
            v = row[i]
            if v is None:
                continue
            if v is not last[i] or isinstance(v, (dict, list)):  # containers may change in place
                last[i], done[i] = v, p(v)
            row[i] = done[i]
        values.append(tuple(row))
    return values


def show_parameters(engine: Engine | None) -> None:
    """Let this engine's errors carry their statement's parameters again (`--debug` only)."""
    if engine is not None:
        engine.hide_parameters = False


def database_error_text(exc: DBAPIError) -> str:
    """What a person may be told of a database error: never the statement or its parameters
    (SQLAlchemy's text of the error holds both). SQLite's messages name a constraint or a
    state ("database is locked"), never a value, so its first line is kept; PostgreSQL's quote
    values ('invalid input syntax for type uuid: "..."', the DETAIL line), so from there only
    the error's kind and the constraint, table and column it names are kept."""
    orig = getattr(exc, "orig", None)
    if orig is None:
        return type(exc).__name__
    diag = getattr(orig, "diag", None)
    if diag is not None:  # psycopg
        parts = [type(orig).__name__]
        for label, value in (
            ("constraint", diag.constraint_name),
            ("table", diag.table_name),
            ("column", diag.column_name),
        ):
            if value:
                parts.append(f"{label} {value}")
        if getattr(orig, "sqlstate", None):
            parts.append(f"SQLSTATE {orig.sqlstate}")
        return ", ".join(parts)
    text = str(orig).strip()
    return text.splitlines()[0] if text else type(orig).__name__


def utcnow() -> dt.datetime:
    """Called per row (never evaluated once at import)."""
    return dt.datetime.now(dt.UTC)


class UTCDateTime(TypeDecorator[dt.datetime]):
    """Aware UTC datetimes on both engines; SQLite would otherwise hand back naive values."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect: Any) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            value = value.replace(tzinfo=dt.UTC)
        return value.astimezone(dt.UTC)

    def process_result_value(self, value: dt.datetime | None, dialect: Any) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=dt.UTC)
        return value.astimezone(dt.UTC)


class UUIDBytes(TypeDecorator[uuid.UUID]):
    """A UUID in 16 bytes on every engine: PostgreSQL's own `uuid`, a 16-byte BLOB on SQLite
    (SQLAlchemy's `Uuid` writes 32 hex characters there). For bookkeeping tables written a
    row per catalog row (provenance, the change log), never joined in SQL to a catalog id
    (those are the 32-character text): compare them only with bound Python UUIDs."""

    impl = LargeBinary(16)
    cache_ok = True

    def load_dialect_impl(self, dialect: Any) -> Any:
        if dialect.name == "postgresql":
            return dialect.type_descriptor(Uuid())
        return dialect.type_descriptor(LargeBinary(16))

    def process_bind_param(self, value: uuid.UUID | None, dialect: Any) -> Any:
        if value is None or dialect.name == "postgresql":
            return value
        return value.bytes

    def process_result_value(self, value: Any, dialect: Any) -> uuid.UUID | None:
        if value is None or isinstance(value, uuid.UUID):
            return value
        return uuid.UUID(bytes=bytes(value))


class _Untyped(UserDefinedType[Any]):
    """A column declared BLOB, which SQLite gives no type affinity: an integer stays an
    integer and a text a text (a TEXT column would turn the integer into its digits)."""

    cache_ok = True

    def get_col_spec(self, **_kw: Any) -> str:
        return "BLOB"


class CodedText(TypeDecorator[str]):
    """Text from a short, fixed list of words, stored on SQLite as the word's place in the list
    (an integer of one byte, or of none for 0 and 1), any other text as itself; plain text on
    PostgreSQL. For bookkeeping columns that repeat a few words on every row (the change log's
    table names and actions). The list is only ever appended to: a place keeps its word."""

    impl = Text
    cache_ok = True

    def __init__(self, words: tuple[str, ...]) -> None:
        super().__init__()
        self.words = words
        self._codes = {w: i for i, w in enumerate(words)}

    def load_dialect_impl(self, dialect: Any) -> Any:
        return _Untyped() if dialect.name == "sqlite" else Text()

    def process_bind_param(self, value: str | None, dialect: Any) -> Any:
        if value is None or dialect.name != "sqlite":
            return value
        return self._codes.get(value, value)

    def process_result_value(self, value: Any, dialect: Any) -> str | None:
        if isinstance(value, int):
            return self.words[value]
        return value


_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
_ISO = re.compile(r"([0-9]{4})-([0-9]{2})-([0-9]{2})(?:T([0-9]{2}):([0-9]{2}):([0-9]{2})(?:\.([0-9]{3}))?Z)?")
# Forms kept as integers: milliseconds since 1970 times _FORMS plus the form's number.
_MILLIS_Z, _DATE, _SECONDS_Z, _FORMS = 0, 1, 2, 4


def _iso_code(value: str) -> int | None:
    found = _ISO.fullmatch(value)
    if found is None:
        return None
    y, mo, d, h, mi, s, ms = found.groups()
    form = _DATE if h is None else (_SECONDS_Z if ms is None else _MILLIS_Z)
    try:
        when = dt.datetime(int(y), int(mo), int(d), int(h or 0), int(mi or 0), int(s or 0), tzinfo=dt.UTC)
    except ValueError:
        return None
    millis = (when - _EPOCH) // dt.timedelta(milliseconds=1) + int(ms or 0)
    return millis * _FORMS + form


def _iso_text(code: int) -> str:
    millis, form = divmod(code, _FORMS)
    when = _EPOCH + dt.timedelta(milliseconds=millis)
    day = f"{when.year:04d}-{when.month:02d}-{when.day:02d}"
    if form == _DATE:
        return day
    clock = f"{day}T{when.hour:02d}:{when.minute:02d}:{when.second:02d}"
    return f"{clock}.{when.microsecond // 1000:03d}Z" if form == _MILLIS_Z else f"{clock}Z"


class IsoText(TypeDecorator[str]):
    """ISO 8601 text kept exactly as given, stored on SQLite as an integer (6 bytes instead of
    24) when it is a UTC date-time to the millisecond or second ending in Z or a plain date
    (what we write, and HSDS's dates); any other text as itself. Integers keep time order
    among themselves; SQLite sorts all integers before any text, so an odd form sorts last."""

    impl = Text
    cache_ok = True

    def load_dialect_impl(self, dialect: Any) -> Any:
        return _Untyped() if dialect.name == "sqlite" else Text()

    def process_bind_param(self, value: str | None, dialect: Any) -> Any:
        if value is None or dialect.name != "sqlite":
            return value
        code = _iso_code(value)
        return value if code is None else code

    def process_result_value(self, value: Any, dialect: Any) -> str | None:
        if isinstance(value, int):
            return _iso_text(value)
        return value


UUIDPk = Annotated[uuid.UUID, mapped_column(Uuid, primary_key=True, default=uuid.uuid4)]
Timestamp = Annotated[dt.datetime, mapped_column(UTCDateTime, default=utcnow)]


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map = {uuid.UUID: Uuid, dt.datetime: UTCDateTime}


def make_engine(url: str, **kwargs: Any) -> Engine:
    """Create an engine; SQLite gets WAL, foreign keys, a busy timeout, a larger page cache and
    real transactions. Bound parameters are left out of every database error's text (they may
    hold a client's name); `show_parameters` puts them back for a `--debug` run."""
    kwargs.setdefault("hide_parameters", True)
    if url.startswith("sqlite"):
        engine = create_engine(url, **kwargs)
        configure_sqlite(engine)
        return engine
    kwargs.setdefault("pool_pre_ping", True)
    return create_engine(url, **kwargs)


def configure_sqlite(engine: Engine) -> None:
    """pysqlite's own transaction handling breaks SAVEPOINT; take over BEGIN ourselves."""

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        dbapi_conn.isolation_level = None
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute("PRAGMA busy_timeout=10000")
        cur.execute("PRAGMA synchronous=NORMAL")
        # A 32 MiB page cache (the default is 2 MiB): bulk writes to tables with several
        # indexes on random UUIDs ran about a quarter faster; pages are taken only when used.
        cur.execute("PRAGMA cache_size=-32768")
        if ":memory:" not in str(engine.url):
            cur.execute("PRAGMA journal_mode=WAL")
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        options = conn.get_execution_options()
        attach = options.get(ATTACH_OPTION)
        if attach:  # only outside a transaction; detached when the connection goes back
            alias, path = attach
            conn.exec_driver_sql(f'ATTACH DATABASE ? AS "{alias}"', (path,))
            conn.connection.info.setdefault(ATTACH_OPTION, []).append(alias)
        # BEGIN IMMEDIATE takes the write lock at once (see begin_write); a plain BEGIN
        # would read first and could not write later if another connection wrote meanwhile.
        conn.exec_driver_sql("BEGIN IMMEDIATE" if options.get(WRITE_LOCK_OPTION) else "BEGIN")

    @event.listens_for(engine, "checkin")
    def _on_checkin(dbapi_conn: Any, record: Any) -> None:
        for alias in record.info.pop(ATTACH_OPTION, []):
            with contextlib.suppress(Exception):  # a closed connection has nothing attached
                dbapi_conn.execute(f'DETACH DATABASE "{alias}"')


WRITE_LOCK_OPTION = "linkage_write_lock"
# (alias, file): a SQLite database attached to the connection before its transaction begins.
ATTACH_OPTION = "linkage_attach"


def begin_write(session: Session, attach: tuple[str, str] | None = None) -> None:
    """Begin the session's transaction holding the database's write lock, for a service that
    counts and then writes (a hold on the last bed). On SQLite that is `BEGIN IMMEDIATE`:
    two connections can then never both count before either writes (a plain BEGIN lets
    both read, and the second cannot write afterwards). PostgreSQL locks rows instead
    (`SELECT ... FOR UPDATE`), so this only starts the transaction there. A read the
    session began already is ended first; pending changes are refused (they would be lost).
    """
    if session.new or session.dirty or session.deleted:
        raise RuntimeError("begin_write on a session with unflushed changes")
    bind = session.get_bind()
    if isinstance(bind, Connection):  # joined to an outer transaction (tests): it holds the lock
        session.connection()
        return
    if session.in_transaction():
        session.rollback()
    options: dict[str, Any] = {WRITE_LOCK_OPTION: True}
    if attach is not None:  # SQLite: another database file readable in the same statements
        options[ATTACH_OPTION] = attach
    session.connection(execution_options=options)


def holds_write_lock(session: Session) -> bool:
    """True when the session's transaction took the write lock at BEGIN (or is joined to an
    outer connection that owns the transaction, as in the tests)."""
    if isinstance(session.get_bind(), Connection):
        return True
    return bool(session.connection().get_execution_options().get(WRITE_LOCK_OPTION))


class CatalogSession(Session):
    """The catalog's sessions: the change log (`catalog.changelog.install`) and the search
    index (`search.hooks.install`) hang their flush listeners on this class, never on
    SQLAlchemy's global `Session`, so a plain `Session` (a migration, a script, a test that
    wants raw rows) writes only what it is told, whatever ran before it in the process."""


def catalog_sessions(bind: Any = None, **kwargs: Any) -> sessionmaker[CatalogSession]:
    """The sessionmaker every writer of the catalog uses (the app, the CLI, tests, benches)."""
    kwargs.setdefault("expire_on_commit", False)
    return sessionmaker(bind=bind, class_=CatalogSession, **kwargs)


class Database:
    """Holds the engine and hands each request its own session, committed once at the edge."""

    def __init__(self) -> None:
        self.engine: Engine | None = None
        self.sessionmaker: sessionmaker[CatalogSession] | None = None

    def init_app(self, app: Flask) -> None:
        self.engine = make_engine(app.config["DATABASE_URL"])
        self.sessionmaker = catalog_sessions(self.engine)
        app.extensions["linkage_db"] = self
        app.after_request(self._commit)
        app.teardown_appcontext(self._close)

    def session(self) -> CatalogSession:
        if "db_session" not in g:
            assert self.sessionmaker is not None
            g.db_session = self.sessionmaker()
            g.db_session.info.setdefault("actor", "web")
        return g.db_session

    @staticmethod
    def _commit(response: Response) -> Response:
        session: Session | None = g.get("db_session")
        if session is not None:
            if response.status_code < 400:
                session.commit()
            else:
                session.rollback()
        return response

    @staticmethod
    def _close(_exc: BaseException | None) -> None:
        session: Session | None = g.pop("db_session", None)
        if session is not None:
            session.rollback()
            session.close()


def get_db() -> Database:
    """The current app's database (each app from create_app has its own engine)."""
    return current_app.extensions["linkage_db"]


def get_session() -> CatalogSession:
    """The current request's (or CLI command's) session."""
    return get_db().session()
