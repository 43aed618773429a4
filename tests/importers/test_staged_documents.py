"""The search documents of an import's new services are built before the publish, from the
staging file (SQLite), and the index the import leaves is the one a rebuild would write."""

from __future__ import annotations

import importlib
import json
import time
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from sqlalchemy import text
from sqlalchemy.orm import Session

from importers.formats import READERS
from importers.operations import Importer, _publish
from importers.report import ImportReport
from importers.rows import ReadOptions, RowSpill
from importers.staging import FileStage, stage_for
from search.rebuild import rebuild

metro = importlib.import_module("bench.import.metro")  # `import` is a keyword: no from-import


def _import(db: Session, feed: Path, source: str = "metro") -> FileStage:
    """One import as run_import makes it, keeping its stage to say what was prepared."""
    report = ImportReport(source=source, format="hsds-json", path=str(feed), dry_run=False)
    stage = stage_for(db, 2000)
    assert isinstance(stage, FileStage)
    try:
        importer = Importer(db, source, report, None, 2000, stage=stage)
        batch = READERS["hsds-json"](str(feed), ReadOptions(source=source), report)
        assert isinstance(batch.rows, RowSpill)
        try:
            importer.prepare(batch.rows, batch.complete)
        finally:
            batch.rows.close()
        _publish(db, importer, report, time.perf_counter(), dry_run=False)
    finally:
        stage.close()
    return stage


def _index(db: Session) -> dict[str, Any]:
    """The documents, term links and postings, by document key (ids may differ)."""
    conn = db.connection()
    assert conn.exec_driver_sql("INSERT INTO search_fts(search_fts) VALUES ('integrity-check')") is not None
    cols = [r[1] for r in conn.exec_driver_sql("PRAGMA table_info(search_document)") if r[1] != "id"]
    docs = {r[0]: r for r in conn.exec_driver_sql(f"SELECT {', '.join(cols)} FROM search_document")}
    keys = dict(conn.exec_driver_sql("SELECT id, key FROM search_document").all())
    links = sorted(conn.exec_driver_sql("SELECT doc_key, term_id FROM search_document_term").all())
    postings = {}
    for term, ids, impacts in conn.execute(text("SELECT term, docs, impacts FROM search_postings")):
        if term == "":
            postings[term] = json.loads(bytes(ids))
            continue
        found = np.frombuffer(bytes(ids), dtype="<i4")
        scores = np.frombuffer(bytes(impacts), dtype="<f4")
        pairs = zip(found, scores, strict=True)
        postings[term] = sorted((keys[int(i)], round(float(s), 4)) for i, s in pairs)
    stale = conn.exec_driver_sql("SELECT count(*) FROM search_changed").scalar_one()
    return {"docs": docs, "links": links, "postings": postings, "stale": stale}


def _sqlite_only(db: Session) -> None:
    if db.get_bind().dialect.name != "sqlite":
        pytest.skip("the staging file is SQLite's")


def test_new_services_documents_are_built_before_the_publish(
    db: Session, tmp_path: Path, make_service: Any
) -> None:
    _sqlite_only(db)
    make_service()  # a service of the catalog: its document is built in the publish
    feed = tmp_path / "metro.ndjson"
    metro.generate(feed, 40)
    stage = _import(db, feed)
    assert stage.documents == 40  # every new service's document came from the staging file
    imported = _index(db)
    assert len(imported["docs"]) == 41
    rebuild(db)
    assert _index(db) == imported


def test_a_new_service_of_an_existing_organization_is_built_in_the_publish(
    db: Session, tmp_path: Path
) -> None:
    _sqlite_only(db)
    feed = tmp_path / "metro.ndjson"
    metro.generate(feed, 30)
    _import(db, feed)
    first = json.loads(feed.read_text(encoding="utf-8").splitlines()[0])
    more = tmp_path / "more.ndjson"
    fresh = {
        "id": "svc-new",
        "name": "Lantern Pantry",
        "status": "active",
        "organization": first["organization"],  # already in the catalog
    }
    with more.open("w", encoding="utf-8") as fh:
        fh.write(json.dumps(fresh) + "\n")
        fh.write(json.dumps({**first, "name": "Renamed Shelter"}) + "\n")
        fh.write(json.dumps({"id": "svc-own", "name": "Quill Clinic", "status": "active"}) + "\n")
    stage = _import(db, more)
    assert stage.documents == 1  # Quill Clinic; Lantern Pantry reads an organization of the catalog
    imported = _index(db)
    orgs = {d[0]: d for d in imported["docs"].values()}
    assert any("Lantern Pantry" in str(d) and first["organization"]["name"] in str(d) for d in orgs.values())
    assert any("Renamed Shelter" in str(d) for d in orgs.values())
    rebuild(db)
    after = _index(db)
    imported["stale"] = after["stale"]
    assert after == imported
