"""The row-based builder gives exactly the documents of `to_hsds`, record for record."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from catalog.models import Organization, Service, ServiceAtLocation, TaxonomyTerm
from hsds import rows as hsds_rows
from hsds.mapping import to_hsds


def _unordered(value: Any) -> Any:
    """Lists compared as multisets: the two loaders may order siblings differently."""
    import json

    if isinstance(value, dict):
        return {k: _unordered(v) for k, v in value.items()}
    if isinstance(value, list):
        return sorted((_unordered(v) for v in value), key=lambda v: json.dumps(v, sort_keys=True))
    return value


def test_rows_and_objects_give_the_same_documents(db: Session, catalog: dict[str, Any]) -> None:
    db.expire_all()
    for model, table in (
        (Service, "service"),
        (Organization, "organization"),
        (ServiceAtLocation, "service_at_location"),
        (TaxonomyTerm, "taxonomy_term"),
    ):
        records = db.scalars(select(model).order_by(model.id)).all()
        assert records
        docs = hsds_rows.full(db, table, [r.id for r in records])
        for record, doc in zip(records, docs, strict=True):
            expected = to_hsds(record, full=True)
            assert list(doc) == list(expected), table
            assert _unordered(doc) == _unordered(expected), (table, record.id)
