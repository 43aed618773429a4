"""The demo is loaded through the importer, the catalog's one writer path, as the source "demo"."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from catalog.models import Metadata, Service
from demo import generate, import_demo
from importers.models import SourceRecord
from search.models import search_document

NOW = dt.datetime(2026, 11, 20, 15, 30, tzinfo=dt.UTC)


def _sample() -> list[dict[str, Any]]:
    return generate(2026, NOW)[::20]


def test_the_demo_is_imported_with_provenance_change_log_and_search_documents(db: Session) -> None:
    services = _sample()
    report = import_demo(db, services)
    assert (report.source, report.format) == ("demo", "hsds-json")
    assert report.counts("service").created == len(services)
    assert report.total("rejected") == 0
    ids = [uuid.UUID(s["id"]) for s in services]
    provenance = db.scalars(
        select(SourceRecord.entity_id).where(
            SourceRecord.source == "demo", SourceRecord.entity_table == "service"
        )
    ).all()
    assert sorted(provenance) == sorted(ids)
    created = db.scalars(
        select(Metadata.resource_id).where(
            Metadata.resource_id.in_(ids), Metadata.last_action_type == "create"
        )
    ).all()
    assert sorted(set(created)) == sorted(ids)
    indexed = db.scalars(
        select(search_document.c.service_id).where(search_document.c.service_id.in_(ids))
    ).all()
    assert set(indexed) == set(ids)


def test_loading_the_same_demo_again_changes_nothing(db: Session) -> None:
    services = _sample()
    import_demo(db, services)
    again = import_demo(db, services)
    assert again.total("created") == again.total("updated") == 0
    assert again.counts("service").unchanged == len(services)


def test_linkage_demo_prints_the_import_and_loads_once_with_if_empty(app, db: Session) -> None:
    runner = app.test_cli_runner()
    first = runner.invoke(args=["demo", "--if-empty", "--seed", "2026"])
    assert first.exit_code == 0, first.output
    assert "Imported as source 'demo': " in first.output
    assert "0 rejected" in first.output
    assert "Loaded 316 demo services (Harbor County, seed 2026)" in first.output
    assert db.scalar(select(func.count()).select_from(Service)) == 316
    second = runner.invoke(args=["demo", "--if-empty"])
    assert second.exit_code == 0, second.output
    assert "already has services; the demo was not loaded" in second.output
    assert db.scalar(select(func.count()).select_from(Service)) == 316
