"""A record's history, field by field, from the change log (HSDS `metadata`), and reverting
one change through the change log itself, so the revert is history too.

A service's history includes the records that belong to it (its phones, schedules,
locations' addresses, capacities): a report about a wrong phone is corrected on the phone.
"""

from __future__ import annotations

import datetime as dt
import enum
import uuid
from dataclasses import dataclass
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import Enum, inspect, select
from sqlalchemy.orm import Session

from catalog.changelog import value_text as _text
from catalog.models import (
    HSDS_MODELS,
    Address,
    Catalog,
    Metadata,
    Phone,
    Schedule,
    ServiceAtLocation,
    ServiceCapacity,
)
from kernel.errors import Problem

PER_PAGE = 200


@dataclass(frozen=True)
class Entry:
    change: Metadata
    revertible: bool


def model(record_type: str) -> type[Catalog]:
    found = HSDS_MODELS.get(record_type)
    if found is None:
        raise Problem(404, _("No record has that type."))
    return found


def _service_parts(session: Session, service_id: uuid.UUID) -> list[uuid.UUID]:
    """The ids of the records that belong to a service, for its history."""
    sals = list(
        session.scalars(select(ServiceAtLocation.id).where(ServiceAtLocation.service_id == service_id))
    )
    locations = list(
        session.scalars(
            select(ServiceAtLocation.location_id).where(ServiceAtLocation.service_id == service_id)
        )
    )
    located = [x for x in locations if x is not None]
    ids: list[uuid.UUID] = [*sals, *located]
    ids += session.scalars(
        select(Phone.id).where((Phone.service_id == service_id) | Phone.location_id.in_(located))
    )
    ids += session.scalars(
        select(Schedule.id).where(
            (Schedule.service_id == service_id)
            | Schedule.location_id.in_(located)
            | Schedule.service_at_location_id.in_(sals)
        )
    )
    ids += session.scalars(select(Address.id).where(Address.location_id.in_(located)))
    ids += session.scalars(select(ServiceCapacity.id).where(ServiceCapacity.service_id == service_id))
    return ids


def entries(session: Session, record_type: str, record_id: uuid.UUID) -> tuple[Catalog, list[Entry]]:
    """The record and its changes, newest first; a change is revertible while its field still
    holds the value it set (else a later change came after it: revert that one first)."""
    cls = model(record_type)
    record = session.get(cls, record_id)
    if record is None:
        raise Problem(404, _("No record has that id."))
    ids = [record_id]
    if record_type == "service":
        ids += _service_parts(session, record_id)
    rows = list(
        session.scalars(
            select(Metadata)
            .where(Metadata.resource_id.in_(ids))
            .order_by(Metadata.last_action_date.desc(), Metadata.id.desc())
            .limit(PER_PAGE)
        )
    )
    current: dict[uuid.UUID, Any] = {record_id: record}
    out = []
    for row in rows:
        ok = False
        if row.last_action_type == "update" and row.field_name and row.resource_id is not None:
            target = current.get(row.resource_id)
            if target is None and row.resource_type in HSDS_MODELS:
                target = session.get(HSDS_MODELS[row.resource_type], row.resource_id)
                current[row.resource_id] = target
            ok = target is not None and _text(getattr(target, row.field_name, None)) == row.replacement_value
        out.append(Entry(row, ok))
    return record, out


def _parse(cls: type[Catalog], field: str, text: str) -> Any:
    """The change log's text of a value back into the column's value."""
    column = inspect(cls).columns[field]
    if text == "" and column.nullable:
        return None
    kind = column.type
    if isinstance(kind, Enum) and kind.enum_class is not None:
        enum_class: type[enum.Enum] = kind.enum_class
        return enum_class(text)
    python = kind.python_type
    if python is dt.datetime:
        return dt.datetime.fromisoformat(text)
    if python is dt.date:
        return dt.date.fromisoformat(text)
    if python is uuid.UUID:
        return uuid.UUID(text)
    if python in (int, float):
        return python(float(text))
    return text


def revert(session: Session, change_id: uuid.UUID, actor: str) -> Metadata:
    """Put the field back to the value it had before this change, through the change log."""
    change = session.get(Metadata, change_id)
    if change is None or change.last_action_type != "update" or not change.field_name:
        raise Problem(404, _("No change that can be reverted has that id."))
    cls = model(change.resource_type or "")
    record = session.get(cls, change.resource_id)
    if record is None:
        raise Problem(404, _("The record of this change no longer exists."))
    if _text(getattr(record, change.field_name, None)) != change.replacement_value:
        raise Problem(409, _("The field changed again since; revert the later change first."))
    session.info["actor"] = actor
    setattr(record, change.field_name, _parse(cls, change.field_name, change.previous_value))
    session.flush()
    return change
