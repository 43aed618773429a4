"""The change log and the search index are on the catalog's session class, not on every session."""

from __future__ import annotations

import uuid
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session

from app import create_app
from catalog.models import Metadata, Organization, Service
from kernel.db import CatalogSession
from search.models import search_document


def _add_service(session: Session, name: str) -> uuid.UUID:
    org = Organization(id=uuid.uuid4(), name=f"{name} Inc.", description="")
    svc = Service(id=uuid.uuid4(), name=name, organization=org, description="Beds tonight")
    session.add(svc)
    session.flush()
    return svc.id


def _written(conn: Connection, service_id: uuid.UUID) -> tuple[int, int]:
    """(change-log rows, search documents) of one service."""
    logged = conn.scalar(select(func.count()).select_from(Metadata).where(Metadata.resource_id == service_id))
    indexed = conn.scalar(
        select(func.count()).select_from(search_document).where(search_document.c.service_id == service_id)
    )
    return logged or 0, indexed or 0


def test_a_plain_sqlalchemy_session_writes_no_change_log_and_no_search_document(connection):
    session = Session(bind=connection, join_transaction_mode="create_savepoint")
    sid = _add_service(session, "Plain Session Shelter")
    assert _written(connection, sid) == (0, 0)
    session.close()


def test_the_apps_sessions_write_the_change_log_and_the_search_document(
    connection, database_url, tmp_path: Path
):
    """The app's own sessionmaker (not a test's), bound to this test's transaction."""
    app = create_app({"DATA_DIR": str(tmp_path), "DATABASE_URL": database_url, "SECRET_KEY": "test"})
    factory = app.extensions["linkage_db"].sessionmaker
    session = factory(bind=connection, join_transaction_mode="create_savepoint")
    assert isinstance(session, CatalogSession)
    sid = _add_service(session, "Catalog Session Shelter")
    logged, indexed = _written(connection, sid)
    assert logged >= 1  # the service's "create" row
    assert indexed == 1
    session.close()
