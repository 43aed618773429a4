"""A fully nested HSDS service saved and read back equal, on whichever database runs the suite."""

from __future__ import annotations

import json
import uuid
from typing import Any

from sqlalchemy.orm import Session

from catalog.models import Service
from hsds.mapping import from_hsds, to_hsds
from tests.conftest import shared_path


def _prune(value: Any) -> Any:
    """Drop nulls and empty lists: absent and null mean the same in HSDS."""
    if isinstance(value, dict):
        return {k: _prune(v) for k, v in value.items() if v is not None and v != []}
    if isinstance(value, list):
        return [_prune(v) for v in value]
    return value


def _without_metadata(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _without_metadata(v) for k, v in value.items() if k != "metadata"}
    if isinstance(value, list):
        return [_without_metadata(v) for v in value]
    return value


def _metadata_ids(value: Any, out: set[str]) -> set[str]:
    if isinstance(value, dict):
        for k, v in value.items():
            if k == "metadata":
                out.update(m["id"] for m in v)
            else:
                _metadata_ids(v, out)
    elif isinstance(value, list):
        for v in value:
            _metadata_ids(v, out)
    return out


def test_service_full_example_reads_back_equal(db: Session) -> None:
    example = json.loads(shared_path("hsds", "spec-examples-3.0", "json", "service_full.json").read_text())
    from_hsds(db, "service", example)
    db.commit()
    db.expunge_all()

    svc = db.get(Service, uuid.UUID(example["id"]))
    assert svc is not None
    back = to_hsds(svc)
    assert _prune(_without_metadata(back)) == _prune(_without_metadata(example))
    # The source's own change history is kept; our own "create" entries are added beside it.
    assert _metadata_ids(example, set()) <= _metadata_ids(back, set())


def test_unknown_enum_value_names_the_field(db: Session) -> None:
    import pytest

    from hsds.mapping import HSDSError

    with pytest.raises(HSDSError, match=r"service\.status: must be one of"):
        from_hsds(db, "service", {"id": str(uuid.uuid4()), "name": "X", "status": "open-ish"})
