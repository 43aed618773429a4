"""Writes the HSDS `metadata` change log and capacity history for every catalog write.

It hangs on the session's before_flush so no writer can forget it: importers, forms, the
CLI and the API all go through the same flush. Who made the change comes from
`session.info["actor"]`, the channel from `session.info["channel"]`.
"""

from __future__ import annotations

import datetime as dt
import enum
import uuid
from typing import Any

from sqlalchemy import event, inspect, select
from sqlalchemy.orm import Session

from catalog.models import CapacityHistory, Catalog, Metadata, Service, ServiceCapacity
from kernel.db import CatalogSession, utcnow, uuid7

# Columns that are bookkeeping, not content; changing them alone is not logged.
_QUIET = {"last_modified"}
# Logged, but not a change of the service's content: confirming a record is current is not
# modifying it (HSDS keeps verification apart from last_modified).
_VERIFICATION = {"assured_date", "assurer_email"}


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, enum.Enum):
        return str(value.value)
    if isinstance(value, dt.datetime):
        return value.isoformat()
    if isinstance(value, (dt.date, uuid.UUID)):
        return str(value)
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def value_text(value: Any) -> str:
    """A value as the change log writes it (what a history compares and a revert reads back)."""
    return _text(value)


def iso_now() -> str:
    return utcnow().isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _log(
    session: Session, obj: Catalog, action: str, field: str = "", old: Any = None, new: Any = None
) -> None:
    session.add(
        Metadata(
            id=uuid7(),
            resource_id=obj.id,
            resource_type=obj.__tablename__,
            last_action_date=session.info.get("_now") or iso_now(),
            last_action_type=action,
            field_name=field,
            previous_value=_text(old),
            replacement_value=_text(new),
            updated_by=str(session.info.get("actor", "system")),
        )
    )


class _Record:
    """A record outside the HSDS tables, named as the change log names one: table and id."""

    def __init__(self, table: str, record_id: uuid.UUID) -> None:
        self.__tablename__ = table
        self.id = record_id


def record(
    session: Session,
    table: str,
    record_id: uuid.UUID,
    action: str,
    field: str = "",
    old: Any = None,
    new: Any = None,
) -> None:
    """A change-log row for a write the flush hook does not see (a search synonym, a table
    outside HSDS), written as the session's actor like every other row."""
    _log(session, _Record(table, record_id), action, field, old, new)  # type: ignore[arg-type]


def recent(session: Session, table: str, limit: int = 20) -> list[Metadata]:
    """The newest change-log rows of one table, newest first (a page of recent edits)."""
    return list(
        session.scalars(
            select(Metadata)
            .where(Metadata.resource_type == table)
            .order_by(Metadata.last_action_date.desc(), Metadata.id.desc())
            .limit(limit)
        )
    )


def enabled(session: Session) -> bool:
    """Whether this session's flushes write the change log (installed, not switched off)."""
    if session.info.get("changelog") is False:
        return False
    return any(
        event.contains(cls, "before_flush", _before_flush)
        for cls in type(session).__mro__
        if isinstance(cls, type) and issubclass(cls, Session)
    )


def creations(session: Session, table: str, ids: list[uuid.UUID]) -> list[dict[str, Any]]:
    """The "create" rows the flush hook would write for these new records, for a writer that
    inserts in bulk without the ORM (the importer): the same content, one timestamp."""
    when = iso_now()
    actor = str(session.info.get("actor", "system"))
    return [
        {
            "id": uuid7(),
            "resource_id": rid,
            "resource_type": table,
            "last_action_date": when,
            "last_action_type": "create",
            "field_name": "",
            "previous_value": "",
            "replacement_value": "",
            "updated_by": actor,
        }
        for rid in ids
    ]


def capacity_creations(session: Session, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The capacity-history rows the flush hook would write for these new capacity figures
    (`_capacity_history`), for a writer that inserts them in bulk (the importer)."""
    when = utcnow()
    actor = str(session.info.get("actor", "system"))
    channel = str(session.info.get("channel", "system"))
    return [
        {
            "id": uuid.uuid4(),
            "capacity_id": r["id"],
            "service_id": r.get("service_id"),
            "available": r.get("available"),
            "maximum": r.get("maximum"),
            "previous_available": None,
            "changed_at": when,
            "changed_by": actor,
            "channel": channel,
        }
        for r in rows
    ]


def _capacity_history(session: Session, cap: ServiceCapacity, previous: float | None) -> None:
    session.add(
        CapacityHistory(
            id=uuid.uuid4(),
            capacity=cap,
            service_id=cap.service_id or (cap.service.id if cap.service else None),
            available=cap.available,
            maximum=cap.maximum,
            previous_available=previous,
            changed_at=utcnow(),
            changed_by=str(session.info.get("actor", "system")),
            channel=str(session.info.get("channel", "system")),
        )
    )


def _before_flush(session: Session, _ctx: Any, _instances: Any) -> None:
    if session.info.get("changelog") is False:
        return
    session.info["_now"] = iso_now()
    try:
        for obj in list(session.new):
            if not isinstance(obj, Catalog):
                continue
            if obj.id is None:
                obj.id = uuid.uuid4()
            _log(session, obj, "create")
            if isinstance(obj, Service) and obj.last_modified is None:
                obj.last_modified = utcnow()
            if isinstance(obj, ServiceCapacity):
                if obj.updated is None:
                    obj.updated = utcnow()
                _capacity_history(session, obj, None)
        for obj in list(session.dirty):
            if not isinstance(obj, Catalog) or not session.is_modified(obj, include_collections=False):
                continue
            state = inspect(obj)
            changed = False
            previous_available: Any = None
            capacity_changed = False
            for attr in state.mapper.column_attrs:
                hist = state.attrs[attr.key].history
                if not hist.has_changes() or attr.key in _QUIET:
                    continue
                old = hist.deleted[0] if hist.deleted else None
                new = hist.added[0] if hist.added else None
                if _text(old) == _text(new):
                    continue
                changed = changed or attr.key not in _VERIFICATION
                _log(session, obj, "update", attr.key, old, new)
                # A new `updated` alone is the provider confirming the same figure: history too.
                if isinstance(obj, ServiceCapacity) and attr.key in ("available", "maximum", "updated"):
                    capacity_changed = True
                    if attr.key == "available":
                        previous_available = old
            if isinstance(obj, ServiceCapacity) and capacity_changed:
                if not state.attrs["updated"].history.has_changes():
                    obj.updated = utcnow()
                if previous_available is None:
                    previous_available = obj.available
                _capacity_history(session, obj, previous_available)
            if changed and isinstance(obj, Service):
                obj.last_modified = utcnow()
        for obj in list(session.deleted):
            if isinstance(obj, Catalog):
                _log(session, obj, "delete")
    finally:
        session.info.pop("_now", None)


def install(session_class: type[Session] = CatalogSession) -> None:
    """Attach the change log to every session of this class (idempotent)."""
    if not event.contains(session_class, "before_flush", _before_flush):
        event.listen(session_class, "before_flush", _before_flush)
