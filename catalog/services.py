"""Writes to a service's capacity figures: the one door for the API push, the CSV upload and
the provider's page.

A provider reports figures (unit, available, maximum); `set_figures` checks every one of them
and the right to change the service, then writes all or none. It never commits (the edge
does) and it writes through the ORM, so the change log and the capacity history
(`catalog.changelog`) record who, when and through which channel, and the search index's
flush hook runs in the same transaction: every process reads the new figure once the edge
commits (capacity is never kept in a per-process cache; see `catalog.capacity`).

`parse_figures` turns a JSON body into figures, naming the field at fault as a path
(`available` for one object, `[2].available` for the third of a list). `refusals` says
everything that is wrong with a set of figures without writing, so the CSV upload can report
every bad row before refusing the file.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import enum
import math
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session, selectinload

from catalog import capacity, rules
from catalog.models import Service, ServiceCapacity, Unit
from kernel.authz import may_change_organization
from kernel.errors import Problem
from kernel.identity import Identity
from wording import _

UNIT_MAX = 100  # characters of a unit's name ("bed", "family room", "appointment slot")
FIGURE_KEYS = ("unit", "available", "maximum", "create")


class Keep(enum.Enum):
    """`maximum` left out: an existing figure keeps its maximum (a new one has none)."""

    KEEP = "keep"


KEEP = Keep.KEEP


@dataclass(frozen=True)
class FigureInput:
    """One figure as the provider gives it.

    `unit` names the unit by its name ("bed"), identifier or id. `maximum` may be `KEEP`
    (leave the stored maximum as it is) or `None` (no maximum). `create` allows a unit the
    service has no figure for yet. `at` is where the figure came from, for naming fields in
    errors: "" for a single figure (`available`), "[2]" for the third of a list
    (`[2].available`); a page may use its own prefix.
    """

    unit: str
    available: float
    maximum: float | None | Keep = KEEP
    create: bool = False
    at: str = ""

    def field(self, name: str) -> str:
        return f"{self.at}.{name}" if self.at else name


@dataclass(frozen=True)
class StoredFigure:
    """A figure as stored, with what the rule of free places makes of it now."""

    capacity_id: uuid.UUID
    unit: str
    available: float
    maximum: float | None
    held: float
    free: float
    updated: dt.datetime
    age_seconds: int
    stale: bool = False  # older than its unit's maximum age (rules.MaxAges)


@dataclass(frozen=True)
class Refusal:
    """Why a figure (index `index` of the list; None: the whole request) cannot be written."""

    index: int | None
    problem: Problem


def invalid(param: str, detail: str) -> Problem:
    return Problem(422, detail, title="Invalid field", param=param)


# ---------------------------------------------------------------- parsing a JSON body


def _number(raw: Mapping[str, Any], key: str, where: str, *, required: bool) -> float | None:
    name = f"{where}.{key}" if where else key
    if key not in raw or raw[key] is None:
        if required:
            raise invalid(name, _("%(field)s is required: a number of 0 or more.", field=name))
        return None
    value = raw[key]
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise invalid(name, _("%(field)s must be a number of 0 or more.", field=name))
    return float(value)


def _figure(raw: Any, where: str) -> FigureInput:
    if not isinstance(raw, Mapping):
        name = where or "body"
        raise invalid(
            name, _("%(field)s must be a JSON object with unit, available and maximum.", field=name)
        )
    for key in raw:
        if key not in FIGURE_KEYS:
            name = f"{where}.{key}" if where else str(key)
            raise invalid(
                name,
                _(
                    "%(field)s is not a field here; the fields are: %(fields)s.",
                    field=name,
                    fields=", ".join(FIGURE_KEYS),
                ),
            )
    unit_name = f"{where}.unit" if where else "unit"
    unit = raw.get("unit")
    if not isinstance(unit, str) or not unit.strip():
        raise invalid(unit_name, _("%(field)s is required: the unit's name, such as bed.", field=unit_name))
    if len(unit.strip()) > UNIT_MAX:
        raise invalid(
            unit_name, _("%(field)s may hold at most %(n)d characters.", field=unit_name, n=UNIT_MAX)
        )
    available = _number(raw, "available", where, required=True)
    assert available is not None
    maximum: float | None | Keep = (
        _number(raw, "maximum", where, required=False) if "maximum" in raw else KEEP
    )
    create = raw.get("create", False)
    if not isinstance(create, bool):
        name = f"{where}.create" if where else "create"
        raise invalid(name, _("%(field)s must be true or false.", field=name))
    return FigureInput(unit.strip(), available, maximum, create, where)


def parse_figures(body: Any) -> list[FigureInput]:
    """A JSON body (one figure object, or a list of them) as figures, or a 422 Problem
    naming the field at fault (`available`, `[1].maximum`). Shape only: whether the unit
    exists and whether the numbers agree is `refusals`' to say."""
    if isinstance(body, list):
        if not body:
            raise invalid("body", _("The list is empty: send at least one figure."))
        return [_figure(item, f"[{i}]") for i, item in enumerate(body)]
    return [_figure(body, "")]


# ---------------------------------------------------------------- checking and writing


def _service(session: Session, service_id: uuid.UUID, *, lock: bool = False) -> Service | None:
    stmt = (
        select(Service)
        .where(Service.id == service_id)
        .options(selectinload(Service.capacities).selectinload(ServiceCapacity.unit))
    )
    if lock and session.get_bind().dialect.name == "postgresql":
        # Two pushes creating the same unit at once: the second waits, then sees the first.
        stmt = stmt.with_for_update(of=Service.__table__)
    return session.scalars(stmt.execution_options(populate_existing=True)).first()


def _key(text: str) -> str:
    return text.strip().casefold()


def _unit_matches(unit: Unit, wanted: str) -> bool:
    key = _key(wanted)
    return key in {_key(str(unit.id)), _key(unit.identifier or ""), _key(unit.name or "")}


def figure_for(service: Service, unit: str) -> ServiceCapacity | None:
    """The service's figure of this unit (by the unit's id, identifier or name), if any."""
    for cap in sorted(service.capacities, key=lambda c: str(c.id)):
        if cap.unit is not None and _unit_matches(cap.unit, unit):
            return cap
    return None


def _may_change(actor: Identity, service: Service) -> bool:
    return service.organization_id is not None and may_change_organization(actor, [service.organization_id])


def refusals(
    session: Session, actor: Identity, service_id: uuid.UUID, figures: Sequence[FigureInput]
) -> list[Refusal]:
    """Everything that stops these figures being written, without writing anything.

    An unknown service is a 404 and another organization's service a 403, for the whole
    request; then, per figure, a 422 naming its field: a negative figure, available above
    maximum, a unit the service has no figure for (unless `create`), a unit given twice."""
    service = _service(session, service_id)
    if service is None:
        return [Refusal(None, Problem(404, _("No service has that id."), param="service_id"))]
    return _refusals(actor, service, figures)


def _refusals(actor: Identity, service: Service, figures: Sequence[FigureInput]) -> list[Refusal]:
    if not _may_change(actor, service):
        detail = _("This account may not change the figures of another organization's service.")
        return [Refusal(None, Problem(403, detail, param="service_id"))]
    out: list[Refusal] = []
    seen: dict[str, int] = {}
    for i, fig in enumerate(figures):
        problem = _check(service, fig, seen, i)
        if problem is not None:
            out.append(Refusal(i, problem))
    return out


def _check(service: Service, fig: FigureInput, seen: dict[str, int], i: int) -> Problem | None:
    stored = figure_for(service, fig.unit)
    key = str(stored.id) if stored is not None else _key(fig.unit)
    if key in seen:
        return invalid(
            fig.field("unit"),
            _("The unit %(unit)s is given twice for this service; give each unit once.", unit=fig.unit),
        )
    seen[key] = i
    if stored is None and not fig.create:
        return invalid(
            fig.field("unit"),
            _(
                "This service has no figure for the unit %(unit)s (it has: %(units)s). "
                'Check the spelling, or send "create": true to add the unit.',
                unit=fig.unit,
                units=", ".join(sorted(c.unit.name for c in service.capacities if c.unit)) or _("none"),
            ),
        )
    if fig.available < 0:
        return invalid(
            fig.field("available"), _("%(field)s cannot be negative.", field=fig.field("available"))
        )
    maximum = fig.maximum if not isinstance(fig.maximum, Keep) else (stored.maximum if stored else None)
    if maximum is not None and maximum < 0:
        return invalid(fig.field("maximum"), _("%(field)s cannot be negative.", field=fig.field("maximum")))
    if maximum is not None and fig.available > maximum:
        return invalid(
            fig.field("available"),
            _(
                "%(field)s (%(available)s) is above the maximum (%(maximum)s).",
                field=fig.field("available"),
                available=_plain(fig.available),
                maximum=_plain(maximum),
            ),
        )
    return None


def _plain(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else str(value)


def _unit_to_use(session: Session, name: str) -> Unit:
    """An existing unit of that id, identifier or name (the catalog's units are shared by
    every service), else a new one with that name."""
    key = _key(name)
    conds = [func.lower(Unit.name) == key, func.lower(Unit.identifier) == key]
    with contextlib.suppress(ValueError):
        conds.append(Unit.id == uuid.UUID(key))
    stmt = select(Unit).where(or_(*conds)).order_by(Unit.scheme.is_(None), Unit.id).limit(1)
    found = session.scalars(stmt).first()
    return found if found is not None else Unit(id=uuid.uuid4(), name=name.strip())


def set_figures(
    session: Session,
    actor: Identity,
    service_id: uuid.UUID,
    figures: Sequence[FigureInput],
    now: dt.datetime,
    *,
    channel: str = "api",
    label: str | None = None,
    max_ages: rules.MaxAges | None = None,
) -> list[StoredFigure]:
    """Write a provider's figures for one service, all or nothing, and return every figure
    the service has afterwards (unit order).

    Refused with a `Problem` and nothing written: an unknown service (404), a service of an
    organization the actor may not change (403, `kernel.authz.may_change_organization`), and
    per figure (422, `param` naming its field, e.g. `[1].available`) a negative number,
    available above maximum (the stored one when `maximum` is `KEEP`), a unit the service has
    no figure for unless `create`, or a unit given twice.

    Sending the same figure again is idempotent in value but confirms it: `updated` becomes
    `now` on every figure written, so staleness counts from the last report, and the holds
    accepted before it stop being subtracted (the new figure counts them itself). Every write
    is in the change log and the capacity history, with `label` (default: the actor's e-mail)
    as who and `channel` ("api", "csv", "web", "email-link") as how; `max_ages` (the
    deployment's, `rules.MaxAges.from_config`) decides each returned figure's `stale`. On SQLite the caller
    should have begun the transaction with `kernel.db.begin_write`; on PostgreSQL the
    service's row is locked here. Never commits.
    """
    service = _service(session, service_id, lock=True)
    if service is None:
        raise Problem(404, _("No service has that id."), param="service_id")
    found = _refusals(actor, service, figures)
    if found:
        raise found[0].problem
    info = session.info
    saved = {k: info.get(k) for k in ("actor", "channel")}
    info["actor"] = label or actor.email or (f"user:{actor.user_id}" if actor.user_id else "provider")
    info["channel"] = channel
    try:
        for fig in figures:
            stored = figure_for(service, fig.unit)
            if stored is None:
                stored = ServiceCapacity(
                    id=uuid.uuid4(),
                    unit=_unit_to_use(session, fig.unit),
                    available=fig.available,
                    maximum=None if isinstance(fig.maximum, Keep) else fig.maximum,
                    updated=now,
                )
                service.capacities.append(stored)
                continue
            stored.available = fig.available
            if not isinstance(fig.maximum, Keep):
                stored.maximum = fig.maximum
            stored.updated = now
        session.flush()
    finally:
        for k, v in saved.items():
            if v is None:
                info.pop(k, None)
            else:
                info[k] = v
    return stored_figures(session, service, now, max_ages)


def stored_figures(
    session: Session, service: Service, now: dt.datetime, max_ages: rules.MaxAges | None = None
) -> list[StoredFigure]:
    """The service's figures with the holds counted against them and their age now."""
    caps = sorted(service.capacities, key=lambda c: ((c.unit.name if c.unit else "").casefold(), str(c.id)))
    held = capacity.held_counts(session, [c.id for c in caps], now)
    ages = max_ages or rules.MaxAges()
    out = []
    for cap in caps:
        taken = held.get(cap.id, 0)
        unit = cap.unit.name if cap.unit else ""
        fact = rules.free_places(unit, cap.available, cap.maximum, cap.updated, now, ages, taken)
        updated = fact.updated or now
        out.append(
            StoredFigure(
                capacity_id=cap.id,
                unit=unit,
                available=float(cap.available),
                maximum=None if cap.maximum is None else float(cap.maximum),
                held=float(taken),
                free=fact.available,
                updated=updated,
                age_seconds=max(0, int((now - updated).total_seconds())),
                stale=fact.stale,
            )
        )
    return out


def figures_of(
    session: Session, service_id: uuid.UUID, now: dt.datetime, max_ages: rules.MaxAges | None = None
) -> list[StoredFigure] | None:
    """The stored figures of a service (None when no service has that id)."""
    service = _service(session, service_id)
    return None if service is None else stored_figures(session, service, now, max_ages)
