"""The compact provenance and change log: a database holding rows of the old shape is converted
by the migrations, down and up again, and an unchanged source still imports as unchanged."""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import uuid
from collections.abc import Iterator

import pytest
import sqlalchemy as sa
from alembic import command
from sqlalchemy import func, select
from sqlalchemy.engine import Engine

from app.commands import alembic_config
from catalog import changelog, history
from catalog.models import Metadata, Service
from importers import run_import
from importers.models import HASH_BYTES, SourceRecord
from kernel.db import CatalogSession, UTCDateTime, insert_rows, make_engine
from tests.conftest import _reset_postgres, pg_url_with_schema, shared_path

BEFORE = "0021_import_lock"
SERVICE_ID = uuid.UUID("ac148810-d857-441c-9679-408f346de14b")  # in the spec's examples
OLD_METADATA = sa.Table(
    "metadata",
    sa.MetaData(),
    sa.Column("id", sa.Uuid()),
    sa.Column("resource_id", sa.Uuid()),
    *(
        sa.Column(c, sa.Text())
        for c in (
            "resource_type", "last_action_date", "last_action_type", "field_name", "previous_value",
            "replacement_value", "updated_by",
        )
    ),
)  # fmt: skip
OLD_SOURCE_RECORD = sa.Table(
    "source_record",
    sa.MetaData(),
    sa.Column("id", sa.Uuid()),
    sa.Column("source", sa.Text()),
    sa.Column("source_table", sa.Text()),
    sa.Column("source_id", sa.Text()),
    sa.Column("entity_table", sa.Text()),
    sa.Column("entity_id", sa.Uuid()),
    sa.Column("content_hash", sa.Text()),
    sa.Column("first_seen", UTCDateTime()),
    sa.Column("last_seen", UTCDateTime()),
    sa.Column("gone_since", UTCDateTime()),
)


@pytest.fixture
def scratch_url(tmp_path) -> Iterator[str]:
    """A database of its own (these tests move its schema up and down)."""
    base = os.environ.get("TEST_DATABASE_URL")
    if not base:
        yield f"sqlite:///{tmp_path / 'old.db'}"
        return
    schema = f"linkage_mig_{os.getpid()}_{uuid.uuid4().hex[:6]}"
    eng = make_engine(base)
    _reset_postgres(eng, schema)
    yield pg_url_with_schema(base, schema)
    with eng.begin() as conn:
        conn.execute(sa.text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
    eng.dispose()


def _import(engine: Engine, source: str) -> tuple[int, int, int, int]:
    """Created, updated, change-log rows and provenance rows after an import."""
    changelog.install()
    with CatalogSession(engine) as session:
        session.info["actor"] = f"import:{source}"
        report = run_import(session, str(shared_path("hsds", "spec-examples-3.0", "json")), source=source)
        session.commit()
        logged = session.scalar(select(func.count()).select_from(Metadata)) or 0
        known = session.scalar(
            select(func.count()).select_from(SourceRecord).where(SourceRecord.source == source)
        )
    return report.total("created"), report.total("updated"), logged, known or 0


def test_old_provenance_rows_are_converted_and_an_unchanged_source_writes_nothing(scratch_url: str) -> None:
    cfg = alembic_config(scratch_url)
    command.upgrade(cfg, "head")
    engine = make_engine(scratch_url)
    created, _updated, logged, known = _import(engine, "spec")
    assert created > 0
    command.downgrade(cfg, BEFORE)  # the rows go back to the old shape ...
    legacy = uuid.uuid4()
    hsds = uuid.uuid4()
    first = dt.datetime(2025, 3, 1, 12, 0, 5, 250_000, tzinfo=dt.UTC)
    digest = hashlib.sha1(b"a row", usedforsecurity=False).hexdigest()
    change = uuid.uuid4()
    with engine.begin() as conn:  # ... and a few more of that shape are written by hand
        name = conn.scalar(sa.text("SELECT name FROM service WHERE id = :id"), {"id": SERVICE_ID.hex})
        conn.execute(
            OLD_METADATA.insert(),
            {
                "id": change, "resource_id": SERVICE_ID, "resource_type": "service",
                "last_action_date": "2030-01-01T00:00:00.000Z", "last_action_type": "update",
                "field_name": "name", "previous_value": "Counselling (old name)", "replacement_value": name,
                "updated_by": "someone@example.org",
            },
        )  # fmt: skip
        conn.execute(
            OLD_SOURCE_RECORD.insert(),
            [
                {
                    "id": uuid.uuid4(), "source": "county", "source_table": "regular_schedules",
                    "source_id": "12", "entity_table": "schedule", "entity_id": legacy,
                    "content_hash": digest, "first_seen": first, "last_seen": first, "gone_since": first,
                },
                {
                    "id": uuid.uuid4(), "source": "county", "source_table": "service", "source_id": str(hsds),
                    "entity_table": "service", "entity_id": hsds, "content_hash": digest,
                    "first_seen": first, "last_seen": first + dt.timedelta(days=1), "gone_since": None,
                },
                {  # the same record and source seen earlier under another id: the later one is kept
                    "id": uuid.uuid4(), "source": "county", "source_table": "service", "source_id": "old-7",
                    "entity_table": "service", "entity_id": hsds, "content_hash": digest,
                    "first_seen": first, "last_seen": first, "gone_since": None,
                },
            ],
        )  # fmt: skip
    command.upgrade(cfg, "head")
    with CatalogSession(engine) as session:
        rows = {
            r.entity_id: r
            for r in session.scalars(select(SourceRecord).where(SourceRecord.source == "county"))
        }
        assert set(rows) == {legacy, hsds}
        old = rows[legacy]
        assert (old.table_in_source, old.id_in_source, old.entity_table) == (
            "regular_schedules",
            "12",
            "schedule",
        )
        assert old.content_hash == bytes.fromhex(digest)[:HASH_BYTES]
        assert old.first_seen == first.replace(microsecond=0)
        assert old.gone_since == first.replace(microsecond=0)
        new = rows[hsds]
        # What the row holds already is not stored twice.
        assert (new.source_table, new.source_id) == (None, None)
        assert (new.table_in_source, new.id_in_source) == ("service", str(hsds))
        assert new.last_seen == (first + dt.timedelta(days=1)).replace(microsecond=0)
        assert new.gone_since is None
        # The history page still reads every entry of the record, the converted one first, and
        # reverts it through the change log.
        _record, entries = history.entries(session, "service", SERVICE_ID)
        assert entries[0].change.id == change
        assert entries[0].revertible
        assert {e.change.last_action_type for e in entries} == {"create", "update"}
        own = {e.change.id for e in entries if e.change.resource_id == SERVICE_ID}
        assert {m.id for m in session.get(Service, SERVICE_ID).change_log} == own  # the lazy load too
    again = _import(engine, "spec")
    assert again == (0, 0, logged + 1, known)  # nothing created, updated, logged or remembered anew
    with CatalogSession(engine) as session:
        changelog.install()
        history.revert(session, change, "admin@example.org (revert)")
        session.commit()
        assert session.get(Service, SERVICE_ID).name == "Counselling (old name)"
        undone = session.scalars(
            select(Metadata).where(Metadata.resource_id == SERVICE_ID, Metadata.updated_by.like("admin%"))
        ).one()
        assert (undone.field_name, undone.replacement_value) == ("name", "Counselling (old name)")
    engine.dispose()


ODD_DATES = ["2024-01-01", "2024-01-01T10:00:00Z", "2024-01-01T10:00:00+02:00", "next week", "2024-02-30"]


def test_coded_change_log_reads_back_exactly_in_time_order_and_converts_down_and_up(scratch_url: str) -> None:
    """The change log's table names, actions and dates are stored compactly on SQLite
    (migration 0024): every value reads back as written, through the ORM and through the
    bulk path, our dates keep their order, a create row costs well under the 113 bytes it
    took as text, and the rows written as text before convert down and up unchanged."""
    cfg = alembic_config(scratch_url)
    command.upgrade(cfg, "0029_unmet_need_covering")
    engine = make_engine(scratch_url)
    old = {uuid.uuid4(): (d, "some_table" if i % 2 else "service", "merge") for i, d in enumerate(ODD_DATES)}
    ours = uuid.uuid4()
    old[ours] = ("2031-06-30T23:59:59.999Z", "service_at_location", "update")
    rows = [(k, SERVICE_ID, t, d, a) for k, (d, t, a) in old.items()]
    with engine.begin() as conn:  # rows of the text shape, written before the migration
        if engine.dialect.name == "sqlite":  # 0020 keeps the ids in 16 bytes there
            rows = [(k.bytes, r.bytes, t, d, a) for k, r, t, d, a in rows]
        marks = "?, ?, ?, ?, ?" if engine.dialect.name == "sqlite" else "%s, %s, %s, %s, %s"
        conn.exec_driver_sql(f"INSERT INTO metadata VALUES ({marks}, '', '', '', 'someone')", rows)
    command.upgrade(cfg, "head")
    changelog.install()
    with CatalogSession(engine) as session:
        session.info["actor"] = "import:test"
        ids = [uuid.uuid4() for _ in range(2000)]
        insert_rows(session.connection(), Metadata.__table__, changelog.creations(session, "phone", ids))
        session.commit()
        got = {
            m.id: (m.last_action_date, m.resource_type, m.last_action_type)
            for m in session.scalars(select(Metadata).where(Metadata.resource_id == SERVICE_ID))
        }
        assert got == old
        created = session.scalars(select(Metadata).where(Metadata.resource_id == ids[7])).one()
        assert (created.resource_type, created.last_action_type) == ("phone", "create")
        assert created.last_action_date.endswith("Z")
        assert len(created.last_action_date) == 24
        assert session.scalar(select(func.count()).where(Metadata.resource_type == "phone")) == 2000
        ordered = session.scalars(
            select(Metadata.last_action_date)
            .distinct()
            .where(Metadata.last_action_date.in_([ODD_DATES[0], ODD_DATES[1], created.last_action_date]))
            .order_by(Metadata.last_action_date)
        ).all()
        assert ordered == [ODD_DATES[0], ODD_DATES[1], created.last_action_date]
    if engine.dialect.name == "sqlite":
        raw = engine.raw_connection()
        try:
            size = raw.execute("SELECT SUM(pgsize) FROM dbstat WHERE name = 'metadata'").fetchone()[0]
        finally:
            raw.close()
        assert size / 2000 < 90, size / 2000  # 113 bytes a row as text
    command.downgrade(cfg, "0029_unmet_need_covering")
    with engine.connect() as conn:
        back = conn.exec_driver_sql(
            "SELECT last_action_date, resource_type, last_action_type FROM metadata"
            " WHERE updated_by = 'someone' ORDER BY last_action_date"
        ).all()
    assert sorted(tuple(r) for r in back) == sorted(old.values())
    command.upgrade(cfg, "head")
    engine.dispose()
