"""One import: read, clean, check, map ids and diff everything first, then write it at once.

An import runs in two phases, so that on SQLite it holds the database's write lock only for
the second, short one (SQLite has a single write lock: while an import held it for its whole
run, every write of the app waited on the busy timeout and then failed):

1. **Prepare**, reading only (on SQLite on a connection of its own, beside the app's writers,
   which WAL allows): read and flatten the source, clean, map ids, check, geocode, compare each
   record with what the database holds, and build every row to insert (bind processors
   applied, in key order, with their "create" change-log rows and provenance) and every change
   to apply; on SQLite the new services' search documents too, into the staging file
   (importers/staged_documents.py). Nothing is written, so a failure here leaves nothing to undo.
2. **Publish**, in one write transaction (`BEGIN IMMEDIATE` on SQLite): bulk inserts of the
   prepared rows, table by table with parents first; the changes applied through the ORM, so
   the change log records each changed field with its previous and new value; provenance; the
   search documents of every touched service (copied when they were prepared, built from the
   catalog otherwise) and the full-text index; the duplicate candidates. A reader sees none of
   it until the caller commits, and a failure or an interruption rolls all of it back.

`run_import` never commits: the caller (the CLI) commits once or rolls back. On PostgreSQL,
which has no database-wide write lock, and when the session is joined to a connection the
caller holds (the tests), both phases run in the caller's one transaction.
"""

from __future__ import annotations

import contextlib
import gc
import hashlib
import json
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from catalog import changelog
from catalog.models import HSDS_MODELS, CapacityHistory, Location, Metadata, Service, ServiceStatus
from importers.duplicates import find_duplicates
from importers.eligibility_text import ages, eligibility_attributes, term_rows
from importers.formats import READERS, detect_format
from importers.locations import Geocoding
from importers.mapping import NAMESPACE, TableFacts, entity_id, map_row
from importers.models import SourceRecord, content_hash
from importers.normalize import clean_text
from importers.report import ImportFailed, ImportReport
from importers.rows import ReadOptions, Row, RowSpill
from importers.spreadsheet import load_mapping
from importers.staging import DirectStage, FileStage, stage_for
from kernel.db import begin_write, bind_rows, utcnow
from search import documents, facts
from search.hooks import Touched, affected_services, touched_row
from search.index import index_for
from search.rebuild import rebuild
from search.text import words_of

FLUSH_EVERY = 2000
# New provenance rows written at once (PostgreSQL) wait until this many are ready.
PROVENANCE_CHUNK = 50_000
# Records changed by an import are loaded, changed and flushed this many at a time.
UPDATE_CHUNK = 500
# SQLite page cache while an import writes (KiB): its indexes on random UUIDs outgrow the
# usual 32 MiB; 100,000 services went from 1,325 to 1,440 services/s.
IMPORT_CACHE_KIB = 262_144
Progress = Callable[[int, int], None]


class Importer:
    """One import's state. `prepare` reads (through `reader`) and builds; `publish` writes
    (through `session`). Between the two nothing of the import is in the database."""

    def __init__(
        self,
        session: Session,
        source: str,
        report: ImportReport,
        progress: Progress | None,
        batch_rows: int = FLUSH_EVERY,
        reader: Session | None = None,
        stage: DirectStage | FileStage | None = None,
    ) -> None:
        self.session, self.source, self.report, self.progress = session, source, report, progress
        self.reader = reader if reader is not None else session
        self.batch_rows = max(1, batch_rows)
        self.tables = {name: TableFacts(name) for name in HSDS_MODELS}
        self.known: dict[str, set[uuid.UUID]] = {}
        # Provenance read at the start, by record id: (source table, source id, hash, gone).
        self.prov: dict[uuid.UUID, tuple[str, str, bytes, bool]] = {}
        self.seen: dict[uuid.UUID, str] = {}
        self.new_prov: list[dict[str, Any]] = []
        self.changed_prov: list[dict[str, Any]] = []
        self.touched_services: list[uuid.UUID] = []
        self.now = utcnow()
        self.touched = Touched()
        # What the publish changes through the ORM (records that exist): the documents of
        # the services these reach are built in the publish, never taken from the stage.
        self.touched_later = Touched()
        # New records by table, until `_stage` hands them to `stage` every `batch_rows` rows.
        self.pending: dict[str, list[dict[str, Any]]] = {}
        self.stage: DirectStage | FileStage = stage or DirectStage(session, self.batch_rows)
        self.log = changelog.enabled(session)
        # The source's own change history, and the changes to records that exist, by table:
        # (id, {column: new value}).
        self.new_metadata: list[dict[str, Any]] = []
        self.updates: dict[str, list[tuple[uuid.UUID, dict[str, Any]]]] = {}
        self.retiring: list[uuid.UUID] = []
        # The coordinates of this import's locations: checked, remembered and geocoded there.
        self.geocoding = Geocoding(source, report)

    # ------------------------------------------------------------------ loading state

    def _preload(self, tables: set[str]) -> None:
        for name in HSDS_MODELS:
            if name in tables or any(
                self.tables[t].refs.get(k) == name for t in tables for k in self.tables[t].refs
            ):
                model = self.tables[name].model
                self.known[name] = set(self.reader.scalars(select(model.id)))
        rows = self.reader.execute(
            select(
                SourceRecord.entity_id,
                SourceRecord.entity_table,
                SourceRecord.source_table,
                SourceRecord.source_id,
                SourceRecord.content_hash,
                SourceRecord.gone_since,
            ).where(SourceRecord.source == self.source)
        )
        for eid, etable, stable, sid, chash, gone in rows:
            # A hash written longer (before migration 0024) is compared by what is kept now.
            digest = content_hash(bytes(chash))
            self.prov[eid] = (stable or etable, str(eid) if sid is None else sid, digest, gone is not None)

    # ------------------------------------------------------------------ one row

    def apply(self, row: Row) -> None:
        row.source_table = row.source_table or row.table
        self.report.read(row.source_table)
        outcome = self._metadata(row) if row.table == "metadata" else self._apply(row)
        for src, file, line in row.folded:
            self.report.read(src)
            if outcome == "rejected":
                self.report.reject(src, file, line, "service_id", "its service was rejected")
            else:
                self.report.outcome(src, outcome)

    def _apply(self, row: Row) -> str:
        rep = self.report
        table = row.table
        raw = row.data.get("id")
        sid = "" if raw is None else str(raw).strip()
        if not sid:
            rep.reject(row.source_table, row.file, row.row, "id", "the row has no id")
            return "rejected"
        eid = entity_id(self.source, table, sid)
        if eid in self.seen and self.seen[eid] != row.source_table:
            # Two files of one table (regular and holiday schedules) may reuse an id.
            other = self.seen[eid]
            eid = uuid.uuid5(NAMESPACE, f"{self.source}\x1f{row.source_table}\x1f{sid}")
            rep.fix(row.source_table, "id", f"id also used in {other}: given its own")
        if eid in self.seen:
            rep.reject(
                row.source_table, row.file, row.row, "id", "the same id appears twice in this source", sid
            )
            return "rejected"
        self.seen[eid] = row.source_table
        # The source row as read: unchanged since last time means nothing to clean, check or write.
        digest = content_hash(
            hashlib.sha1(
                json.dumps(row.data, sort_keys=True, default=str).encode(), usedforsecurity=False
            ).digest()
        )
        known = self.known.setdefault(table, set())
        prev = self.prov.get(eid)
        if prev is not None and prev[:3] == (row.source_table, sid, digest) and not prev[3] and eid in known:
            rep.outcome(row.source_table, "unchanged")
            return "unchanged"
        values = map_row(self, row, eid)
        if values is None:
            return "rejected"
        model = self.tables[table].model
        if eid in known:
            obj = self.reader.get(model, eid)
            assert obj is not None
            changes = {k: v for k, v in values.items() if k != "id" and getattr(obj, k) != v}
            if prev is not None and prev[3] and isinstance(obj, Service):  # back in the source
                status = values.get("status") or ServiceStatus.active
                if obj.status != status:
                    changes["status"] = status
            self.reader.expunge(obj)  # compared: the object itself is not needed any more
            outcome = "updated" if changes else "unchanged"
            if table == "location":
                self.geocoding.remember(eid, changes, created=False)
            if changes or eid in self.geocoding.to_geocode:
                self.updates.setdefault(table, []).append((eid, changes))
        else:
            # A record waiting for the bulk insert, with what the change log's flush hook
            # would have set on it.
            if table == "service" and self.log and values.get("last_modified") is None:
                values["last_modified"] = self.now
            if table == "service_capacity" and self.log and values.get("updated") is None:
                values["updated"] = self.now
            self.pending.setdefault(table, []).append(values)
            known.add(eid)
            outcome = "created"
            if table == "location":
                self.geocoding.remember(eid, values, created=True)
        if outcome != "unchanged":
            touched_row(self.touched, table, values)
        if table == "service" and outcome != "unchanged":
            self.touched_services.append(eid)
        rep.outcome(row.source_table, outcome)
        stable, stored_id = SourceRecord.stored(table, eid, row.source_table, sid)
        if prev is None:
            self.new_prov.append(
                {
                    "entity_id": eid,
                    "source": self.source,
                    "entity_table": table,
                    "source_table": stable,
                    "source_id": stored_id,
                    "content_hash": digest,
                    "first_seen": self.now,
                    "last_seen": self.now,
                }
            )
        else:
            self.changed_prov.append(
                {
                    "entity_id": eid,
                    "source": self.source,
                    "source_table": stable,
                    "source_id": stored_id,
                    "content_hash": digest,
                    "last_seen": self.now,
                    "gone_since": None,
                }
            )
        return outcome

    def _metadata(self, row: Row) -> str:
        """A source's own change history, kept as given (it is provenance, not our edit)."""
        data = row.data
        target = data.get("resource_type") or "service"
        mid = entity_id(self.source, "metadata", data.get("id") or f"{data.get('resource_id')}/{row.row}")
        known = self.known.setdefault("metadata", set())
        if mid in known:
            self.report.outcome(row.source_table, "unchanged")
            return "unchanged"
        known.add(mid)
        rid = data.get("resource_id")
        fields = ("last_action_date", "last_action_type", "field_name", "previous_value", "replacement_value")
        self.new_metadata.append(
            {
                "id": mid,
                "resource_id": entity_id(self.source, target, rid) if rid else None,
                "resource_type": target,
                "updated_by": str(data.get("updated_by") or ""),
                **{k: "" if data.get(k) is None else str(data[k]) for k in fields},
            }
        )
        self.report.outcome(row.source_table, "created")
        return "created"

    # ------------------------------------------------------------------ phase 1: prepare

    def prepare(self, rows: RowSpill, complete: bool = True) -> None:
        """Everything but the writing, reading only: afterwards the import is a list of rows
        to insert and changes to apply, and the report is complete but for deactivations and
        duplicates. `rows` are read from the spill a chunk at a time, parents first."""
        derived = derive_eligibility(rows, self.report)
        tables = rows.tables()
        self._preload({t for t in tables if t in HSDS_MODELS})
        self.known["metadata"] = (
            set(self.reader.scalars(select(Metadata.id).where(Metadata.updated_by != "")))
            if "metadata" in tables
            else set()
        )
        self.geocoding.prepare(row for _, row in rows.rows("location"))
        total = rows.count()
        with self.reader.no_autoflush:
            self._rows(rows, derived, total)
        if self.progress:
            self.progress(total, total)
        points = self.geocoding.geocode()
        if complete:
            prov = self.prov
            self.retiring = [e for e, p in prov.items() if e not in self.seen and not p[3]]
        self._stage(final=True)
        self.stage.points(Location.__table__, points)
        self.stage.finish()
        # The new services' search documents, built from the staged rows while nothing is
        # locked (SQLite): the publish copies them instead of building them.
        self.stage.prepare_documents()

    def _rows(self, rows: RowSpill, derived: dict[int, dict[str, Any]], total: int) -> None:
        for i, (number, row) in enumerate(rows.rows(), 1):
            if row.table not in HSDS_MODELS and row.table != "metadata":
                self.report.read(row.source_table or row.table)
                self.report.reject(
                    row.source_table or row.table, row.file, row.row, "(table)", "not an HSDS table"
                )
                continue
            if number in derived:
                row.data.update(derived[number])
            self.apply(row)
            if i % self.batch_rows == 0:
                self._stage()  # handed on: memory holds a batch of new rows, not the source
                if self.progress:
                    self.progress(i, total)

    def _stage(self, final: bool = False) -> None:
        """The new records waiting in `pending`, as the driver takes them (bind processors
        applied), to the stage: table by table (parents first), sorted by id, one group per set
        of keys (so column defaults still apply), with their "create" change-log rows and
        their provenance. Done while preparing, not while the write lock is held."""
        dialect = self.reader.get_bind().dialect
        for table, model in HSDS_MODELS.items():
            rows = self.pending.pop(table, None)
            if not rows:
                continue
            rows.sort(key=lambda r: r["id"].hex)  # neighbours in the primary key's B-tree
            groups: dict[tuple[str, ...], list[dict[str, Any]]] = {}
            for r in rows:
                groups.setdefault(tuple(r), []).append(r)
            for group in groups.values():
                self.stage.put(bind_rows(dialect, model.__table__, group))
            if self.log:
                created = changelog.creations(self.session, table, [r["id"] for r in rows])
                self.stage.put(bind_rows(dialect, Metadata.__table__, created))
                if table == "service_capacity":  # and the first row of each figure's history
                    history = changelog.capacity_creations(self.session, rows)
                    self.stage.put(bind_rows(dialect, CapacityHistory.__table__, history))
        # Provenance written at once (PostgreSQL) goes in chunks of PROVENANCE_CHUNK, each in
        # key order, so its pages fill mostly one after another; a staging file sorts it whole.
        direct = isinstance(self.stage, DirectStage)
        if self.new_prov and (final or not direct or len(self.new_prov) >= PROVENANCE_CHUNK):
            self.new_prov.sort(key=lambda r: r["entity_id"].bytes)
            self.stage.put(bind_rows(dialect, SourceRecord.__table__, self.new_prov))
            self.new_prov = []

    # ------------------------------------------------------------------ phase 2: publish

    def publish(self) -> None:
        """Write what `prepare` built, in the session's transaction: only bulk inserts, the
        changes to records that exist, provenance and the search documents."""
        # The search index is brought up to date once, at the end, in this same transaction:
        # rewriting each service's document at every flush would do it many times.
        self.session.info["search_index"] = False
        try:
            order = [*HSDS_MODELS, CapacityHistory.__tablename__, Metadata.__tablename__]
            order.append(SourceRecord.__tablename__)
            self.stage.publish(self.session.connection(), order)
            with self.session.no_autoflush:
                for kw in self.new_metadata:
                    self.session.add(Metadata(**kw))
                self.session.flush()
                self._apply_updates()
        finally:
            self.session.info.pop("search_index", None)
        self._save_provenance()
        self._reindex()

    def _apply_updates(self) -> None:
        """The changes found while preparing, applied to the records as they are now, through
        the ORM (the change log records each field's previous and new value). A record removed
        from the catalog since it was read fails the import: nothing of it is kept."""
        for table, items in self.updates.items():
            model = self.tables[table].model
            for i in range(0, len(items), UPDATE_CHUNK):
                part = items[i : i + UPDATE_CHUNK]
                ids = [eid for eid, _ in part]
                objs = {o.id: o for o in self.session.scalars(select(model).where(model.id.in_(ids)))}
                for eid, changes in part:
                    obj = objs.get(eid)
                    if obj is None:
                        raise ImportFailed(
                            f"a {table} record ({eid}) was removed while the import was read;"
                            " run the import again"
                        )
                    for k, v in changes.items():
                        if getattr(obj, k) != v:
                            setattr(obj, k, v)
                    self.touched.add(obj)
                    self.touched_later.add(obj)
                self.session.flush()

    def _reindex(self) -> None:
        if not self.touched:
            return
        conn = self.session.connection()
        total = self.session.scalar(select(func.count()).select_from(Service)) or 0
        affected = self.touched.services
        if len(affected) * 2 < total:  # the services written directly decide it when they can
            affected = affected_services(conn, self.touched)
        # Documents prepared in the staging file (SQLite), but for services that a change in
        # the publish reaches.
        later = affected_services(conn, self.touched_later) if self.touched_later else set()
        skip = {s.hex for s in later}
        if len(affected) * 2 >= total:
            # Most of the catalog changed (a first import): rebuilding every document reads
            # each table once, where rewriting these would read them in hundreds of chunks.
            stage = self.stage
            rebuild(self.session, (lambda c: stage.copy_documents(c, skip)) if stage.documents else None)
        elif self.stage.documents:
            copied = self.stage.copy_documents(conn, skip)
            rest = [s for s in affected if s.hex not in copied]
            if rest:
                documents.write(conn, rest)
            else:
                facts.after_write(conn, index_for(conn).stem, words_of)
        else:
            documents.write(conn, affected)

    def _save_provenance(self) -> None:
        s = self.session
        if self.changed_prov:
            s.execute(update(SourceRecord), self.changed_prov)
        self._retire(self.retiring)
        s.execute(
            update(SourceRecord)
            .where(
                SourceRecord.source == self.source,
                SourceRecord.gone_since.is_(None),
                SourceRecord.last_seen < self.now,  # rows written above carry it already
            )
            .values(last_seen=self.now)
            .execution_options(synchronize_session=False)
        )
        s.flush()

    def _retire(self, ids: list[uuid.UUID]) -> None:
        """Records no longer in a complete source: services become inactive, nothing is deleted."""
        if not ids:
            return
        for i in range(0, len(ids), 500):
            for svc in self.session.scalars(select(Service).where(Service.id.in_(ids[i : i + 500]))):
                if svc.status == ServiceStatus.active:
                    svc.status = ServiceStatus.inactive
                    self.touched.add(svc)
                    self.touched_later.add(svc)
                    self.report.deactivated["service"] = self.report.deactivated.get("service", 0) + 1
        for i in range(0, len(ids), 500):
            self.session.execute(
                update(SourceRecord)
                .where(SourceRecord.source == self.source, SourceRecord.entity_id.in_(ids[i : i + 500]))
                .values(gone_since=self.now)
                .execution_options(synchronize_session=False)
            )
        self.session.flush()


def derive_eligibility(rows: RowSpill, report: ImportReport) -> dict[int, dict[str, Any]]:
    """Services whose source gave eligibility only as text get its situations and ages too:
    the situations as attribute rows added to `rows`, the ages returned by the service row's
    number in the spill (set on the row when preparing reaches it)."""
    linked = {
        str(r.data.get("link_id"))
        for _, r in rows.rows("attribute")
        if str(r.data.get("link_type") or "").lower() in ("eligibility", "audience")
    }
    codes: dict[str, str] = {}
    extra: list[Row] = []
    derived: dict[int, dict[str, Any]] = {}
    for number, r in rows.rows("service"):
        text = r.data.get("eligibility_description")
        sid = str(r.data.get("id"))
        if not text or sid in linked:
            continue
        text = clean_text(str(text)) or ""
        low, high = ages(text)
        for key, value in (("minimum_age", low), ("maximum_age", high)):
            if value is not None and r.data.get(key) in (None, ""):
                derived.setdefault(number, {})[key] = value
                report.fix("service", key, "read from the eligibility text")
        for attr in eligibility_attributes(sid, text):
            codes[attr["code"]] = attr["label"]
            extra.append(Row("attribute", {**attr, "link_id": sid}, r.file, r.row, "eligibility_text"))
    if extra:
        for table, data in term_rows(codes):
            extra.append(Row(table, data, "(Open Eligibility)", None, f"open_eligibility.{table}"))
        for row in extra:  # added once the spill is no longer being read
            rows.add(row)
    return derived


def run_import(
    session: Session,
    path: str,
    *,
    source: str,
    format: str = "auto",  # noqa: A002 - the option's name
    mapping: str | dict[str, Any] | None = None,
    dry_run: bool = False,
    progress: Progress | None = None,
    batch_rows: int = FLUSH_EVERY,
) -> ImportReport:
    """Import one source; never commits. Raises ImportFailed when the input is unusable.
    Everything is read, checked and built first (on SQLite on a connection of its own, holding
    no lock), then written `batch_rows` at a time in the caller's transaction; on SQLite that
    transaction is begun with the write lock (`BEGIN IMMEDIATE`) unless the caller began one.

    Python's cyclic garbage collector is paused while the import runs: an import makes
    millions of objects that live until it ends and form no cycles worth collecting, and the
    collector's repeated passes over them took a quarter of a large import's time."""
    collecting = gc.isenabled()
    gc.disable()
    try:
        return _run_import(
            session,
            path,
            source=source,
            format=format,
            mapping=mapping,
            dry_run=dry_run,
            progress=progress,
            batch_rows=batch_rows,
        )
    finally:
        if collecting:
            gc.enable()


def _run_import(
    session: Session,
    path: str,
    *,
    source: str,
    format: str,  # noqa: A002 - the option's name
    mapping: str | dict[str, Any] | None,
    dry_run: bool,
    progress: Progress | None,
    batch_rows: int = FLUSH_EVERY,
) -> ImportReport:
    started = time.perf_counter()
    if not source or not source.strip():
        raise ImportFailed("a source name is needed (--source NAME)")
    fmt = detect_format(path) if format == "auto" else format
    if fmt not in READERS:
        raise ImportFailed(f"unknown format {fmt!r}; known: {', '.join(sorted(READERS))}", file=str(path))
    report = ImportReport(source=source, format=fmt, path=str(path), dry_run=dry_run)
    mapping_data = load_mapping(mapping) if isinstance(mapping, str) else mapping
    bind = session.get_bind()
    # The reader's scratch file beside the SQLite catalog (its disk is known to have room).
    scratch = str(Path(db_file).parent) if (db_file := _sqlite_file(bind)) else None
    options = ReadOptions(source=source, mapping=mapping_data, scratch=scratch)
    batch = READERS[fmt](str(path), options, report)
    report.version = batch.version
    rows = batch.rows if isinstance(batch.rows, RowSpill) else RowSpill.of(batch.rows, scratch)
    batch.rows = []  # a reader's list, if it gave one, is in the spill now
    try:
        return _prepare_and_publish(
            session, bind, source, report, progress, batch_rows, rows, batch.complete, started, dry_run
        )
    finally:
        rows.close()


def _sqlite_file(bind: Any) -> str | None:
    url = bind.engine.url
    if url.get_backend_name() != "sqlite" or url.database in (None, "", ":memory:"):
        return None
    return str(url.database)


def _prepare_and_publish(
    session: Session,
    bind: Any,
    source: str,
    report: ImportReport,
    progress: Progress | None,
    batch_rows: int,
    rows: RowSpill,
    complete: bool,
    started: float,
    dry_run: bool,
) -> ImportReport:
    # On SQLite the preparing reads go through a connection of their own: the caller's
    # session then takes the write lock only to publish. Joined to a connection the caller
    # holds (tests), or on PostgreSQL, both phases share the caller's transaction.
    separate = isinstance(bind, Engine) and bind.dialect.name == "sqlite"
    reader = Session(bind) if separate else session
    stage = stage_for(session, batch_rows)
    # Rows written while preparing (PostgreSQL) are under the savepoint a dry run rolls back.
    savepoint = session.begin_nested() if isinstance(stage, DirectStage) else None
    try:
        importer = Importer(session, source, report, progress, batch_rows, reader=reader, stage=stage)
        try:
            importer.prepare(rows, complete)
        finally:
            if separate:
                reader.close()
        return _publish(session, importer, report, started, dry_run, savepoint)
    except BaseException:
        if savepoint is not None and savepoint.is_active:
            savepoint.rollback()
        raise
    finally:
        stage.close()


def _publish(
    session: Session,
    importer: Importer,
    report: ImportReport,
    started: float,
    dry_run: bool,
    savepoint: Any = None,
) -> ImportReport:
    """The write phase: on SQLite in a transaction begun with the write lock (unless the
    caller began one), under a savepoint that a dry run or a failure rolls back."""
    source = importer.source
    bind = session.get_bind()
    writing = time.perf_counter()
    if savepoint is None:
        if isinstance(bind, Engine) and bind.dialect.name == "sqlite" and not session.in_transaction():
            stage = importer.stage
            begin_write(session, attach=stage.attach() if isinstance(stage, FileStage) else None)
        savepoint = session.begin_nested()
    conn = session.connection()
    sqlite = conn.dialect.name == "sqlite"
    if sqlite:  # a bigger page cache while this connection writes the import (restored after)
        cache_pages = conn.exec_driver_sql("PRAGMA cache_size").scalar()
        conn.exec_driver_sql(f"PRAGMA cache_size=-{IMPORT_CACHE_KIB}")
    try:
        importer.publish()
        report.duplicates = find_duplicates(session, source, importer.touched_services)
    except BaseException:
        savepoint.rollback()
        raise
    finally:
        if sqlite:
            with contextlib.suppress(Exception):  # never hide the import's own error
                session.connection().exec_driver_sql(f"PRAGMA cache_size={int(cache_pages or -2000)}")
    if dry_run:
        savepoint.rollback()
    else:
        savepoint.commit()
    report.seconds = time.perf_counter() - started
    report.write_seconds = time.perf_counter() - writing
    return report
