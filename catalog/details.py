"""A provider's own service details: description, weekly hours, phones, who may come (ages
and a sentence) and languages, edited in one form and written through the change log.

What a person typed is kept as text (`Typed`), checked field by field into plain values
(`check`: every fault at once, each under its field, nothing written while any remains),
then applied to the ORM records inside the request's transaction (`apply`), so the change
log's flush hook writes one row per field with its old and new value, and the search
index is rewritten by its own hook in the same transaction: the next search sees it.

Only the service's own rows are edited: its phones and its schedules that the form can
show faithfully (weekly, on plain days, with an opening and a closing time). Other
schedules (the second Monday of the month, a season, a place's own hours) are kept as they
are and shown as such; a key the form did not offer (another record's id) is ignored.
"""

from __future__ import annotations

import math
import re
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

import phrases
from catalog import rules
from catalog.models import Language, Phone, Schedule, Service
from kernel.authz import may_change_organization
from kernel.errors import Problem
from kernel.identity import Identity

MAX_DESCRIPTION = 4000
MAX_ELIGIBILITY = 2000
MAX_AGE = 120
NEW_HOURS = 2  # empty weekly rows the form offers for hours to add
DAYS = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")  # RFC 5545 BYDAY, Monday first
_TIME = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")
_PHONE_CHARS = re.compile(r"^\+?[0-9 ().\-]+$")
_SHORT_NUMBERS = {"211", "311", "411", "511", "611", "711", "811", "911", "988"}


@dataclass
class HoursRow:
    key: str  # the schedule's id, or "new1", "new2" for a row to add
    days: tuple[str, ...] = ()
    opens: str = ""
    closes: str = ""
    remove: bool = False

    @property
    def blank(self) -> bool:
        return not (self.days or self.opens.strip() or self.closes.strip())


@dataclass
class PhoneRow:
    key: str  # the phone's id, or "new" for one to add
    number: str = ""
    remove: bool = False


@dataclass
class Typed:
    """The form as typed (or as the record holds it, for the first showing)."""

    description: str = ""
    eligibility: str = ""
    minimum_age: str = ""
    maximum_age: str = ""
    languages: tuple[str, ...] = ()
    phones: list[PhoneRow] = field(default_factory=list)
    hours: list[HoursRow] = field(default_factory=list)


@dataclass(frozen=True)
class Details:
    """The checked values, ready to apply."""

    description: str | None
    eligibility: str | None
    minimum_age: float | None
    maximum_age: float | None
    languages: frozenset[str]
    phones: dict[str, str | None]  # key -> number; None removes the phone
    hours: dict[str, tuple[str, str, str] | None]  # key -> (byday, opens, closes); None removes


class Refused(Exception):
    """The typed form has faults; `errors` maps each field's name to its sentence."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__(", ".join(sorted(errors)))
        self.errors = errors


# ---------------------------------------------------------------- reading the record


def service_for_edit(session: Session, who: Identity, service_id: uuid.UUID) -> Service:
    """The service with what the form shows; another organization's is a 403, a missing one 404."""
    svc = session.scalars(
        select(Service)
        .where(Service.id == service_id)
        .options(
            selectinload(Service.organization),
            selectinload(Service.phones),
            selectinload(Service.schedules),
            selectinload(Service.languages),
        )
    ).one_or_none()
    if svc is None:
        raise Problem(404, _("No service has that id."))
    if not may_change_organization(who, [svc.organization_id]):
        raise Problem(403, _("Only the service's own organization may change its details."))
    return svc


def _plain_days(byday: str | None) -> tuple[str, ...] | None:
    days = [d.strip().upper() for d in (byday or "").split(",") if d.strip()]
    if not days or any(d not in DAYS for d in days):
        return None
    return tuple(d for d in DAYS if d in days)


def editable(schedule: Schedule) -> bool:
    """Whether the form can show this schedule as it is: weekly, on plain days, with both times."""
    return (
        (schedule.freq or "WEEKLY").upper() == "WEEKLY"
        and (schedule.interval or 1) == 1
        and _plain_days(schedule.byday) is not None
        and bool(_TIME.match(schedule.opens_at or ""))
        and bool(_TIME.match(schedule.closes_at or ""))
        and not (schedule.valid_from or schedule.valid_to or schedule.dtstart or schedule.until)
    )


def _codes(svc: Service) -> dict[str, list[Language]]:
    """The service's own language rows by the ISO 639-1 code they read as."""
    out: dict[str, list[Language]] = {}
    for row in svc.languages:
        code = rules.language_code(row.code) or rules.language_code(row.name)
        if code:
            out.setdefault(code, []).append(row)
    return out


def _number_text(value: float | None) -> str:
    if value is None:
        return ""
    return str(int(value)) if float(value).is_integer() else str(value)


def typed_from_record(svc: Service) -> Typed:
    return Typed(
        description=svc.description or "",
        eligibility=svc.eligibility_description or "",
        minimum_age=_number_text(svc.minimum_age),
        maximum_age=_number_text(svc.maximum_age),
        languages=tuple(sorted(_codes(svc))),
        phones=[PhoneRow(str(p.id), p.number or "") for p in _phones(svc)] + [PhoneRow("new")],
        hours=[
            HoursRow(str(s.id), _plain_days(s.byday) or (), s.opens_at or "", s.closes_at or "")
            for s in _schedules(svc)
        ]
        + [HoursRow(f"new{n}") for n in range(1, NEW_HOURS + 1)],
    )


def _phones(svc: Service) -> list[Phone]:
    return sorted(svc.phones, key=lambda p: str(p.id))


def _schedules(svc: Service) -> list[Schedule]:
    return sorted((s for s in svc.schedules if editable(s)), key=lambda s: str(s.id))


def kept_schedules(svc: Service) -> list[Schedule]:
    """The service's schedules the form leaves as they are (shown, not editable)."""
    return [s for s in svc.schedules if not editable(s)]


def typed_from_form(svc: Service, form: Mapping[str, str], days: Mapping[str, list[str]]) -> Typed:
    """The posted form as typed, for the rows this service has only (other keys are ignored).
    `days` holds each multi-valued field (the languages, each row's days) as posted."""
    phones = [
        PhoneRow(str(p.id), form.get(f"phone-{p.id}", ""), bool(form.get(f"phone-{p.id}-remove")))
        for p in _phones(svc)
    ]
    phones.append(PhoneRow("new", form.get("phone-new", "")))
    keys = [str(s.id) for s in _schedules(svc)] + [f"new{n}" for n in range(1, NEW_HOURS + 1)]
    hours = [
        HoursRow(
            key,
            tuple(d for d in DAYS if d in days.get(f"hours-{key}-days", [])),
            form.get(f"hours-{key}-opens", ""),
            form.get(f"hours-{key}-closes", ""),
            bool(form.get(f"hours-{key}-remove")),
        )
        for key in keys
    ]
    return Typed(
        description=form.get("description", ""),
        eligibility=form.get("eligibility_description", ""),
        minimum_age=form.get("minimum_age", ""),
        maximum_age=form.get("maximum_age", ""),
        languages=tuple(days.get("languages", [])),
        phones=phones,
        hours=hours,
    )


# ---------------------------------------------------------------- checking


def _age(text: str, name: str, errors: dict[str, str]) -> float | None:
    text = text.strip()
    if not text:
        return None
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not math.isfinite(value) or not 0 <= value <= MAX_AGE:
        errors[name] = _("Type an age in years from 0 to %(max)d, or leave it empty.", max=MAX_AGE)
        return None
    return value


def phone_fault(number: str) -> str | None:
    """Why a typed phone number is not one, or None: ten digits (a leading 1 is allowed), a
    three-digit service number (211, 988), or an international one starting with +."""
    text = number.strip()
    digits = re.sub(r"\D", "", text)
    well_formed = bool(_PHONE_CHARS.match(text))
    if well_formed and text.startswith("+") and 8 <= len(digits) <= 15:
        return None
    if well_formed and not text.startswith("+"):
        if len(digits) == 10 or (len(digits) == 11 and digits.startswith("1")):
            return None
        if digits in _SHORT_NUMBERS and len(text) == 3:
            return None
    return _(
        "Write a phone number of 10 digits such as 614-555-0100, a service number such as 211, "
        "or an international number starting with +."
    )


def _hours_row(row: HoursRow, errors: dict[str, str]) -> tuple[str, str, str] | None:
    prefix = f"hours-{row.key}"
    opens, closes = row.opens.strip(), row.closes.strip()
    if not row.days:
        errors[f"{prefix}-days"] = _("Tick the days these hours are for.")
    for name, value in (("opens", opens), ("closes", closes)):
        if not value:
            errors[f"{prefix}-{name}"] = _("Write the time as 24-hour HH:MM, such as 09:00 or 17:30.")
        elif not _TIME.match(value):
            errors[f"{prefix}-{name}"] = _(
                "%(value)s is not a time: write 24-hour HH:MM, such as 09:00 or 17:30.", value=value[:20]
            )
    if opens and opens == closes and f"{prefix}-closes" not in errors:
        errors[f"{prefix}-closes"] = _(
            "It cannot close when it opens; past midnight, write 07:00 the next day."
        )
    return (",".join(row.days), opens, closes)


def check(typed: Typed) -> Details:
    """The typed values as plain values, or Refused with every fault by its field."""
    errors: dict[str, str] = {}
    description = typed.description.strip()
    if len(description) > MAX_DESCRIPTION:
        errors["description"] = _(
            "Write at most %(num)d characters (this has %(has)d).", num=MAX_DESCRIPTION, has=len(description)
        )
    eligibility = typed.eligibility.strip()
    if len(eligibility) > MAX_ELIGIBILITY:
        errors["eligibility_description"] = _(
            "Write at most %(num)d characters (this has %(has)d).", num=MAX_ELIGIBILITY, has=len(eligibility)
        )
    low = _age(typed.minimum_age, "minimum_age", errors)
    high = _age(typed.maximum_age, "maximum_age", errors)
    if low is not None and high is not None and low > high:
        errors["maximum_age"] = _(
            "The highest age (%(high)s) is below the lowest (%(low)s).",
            high=_number_text(high),
            low=_number_text(low),
        )
    unknown = [c for c in typed.languages if c not in phrases.LANGUAGES]
    if unknown:
        errors["languages"] = _("Choose the languages from the list.")
    phones: dict[str, str | None] = {}
    for p in typed.phones:
        if p.remove:
            phones[p.key] = None
            continue
        if p.key == "new" and not p.number.strip():
            continue
        fault = phone_fault(p.number) if p.number.strip() else _("Write the number, or tick Remove.")
        if fault:
            errors[f"phone-{p.key}"] = fault
        phones[p.key] = p.number.strip()
    hours: dict[str, tuple[str, str, str] | None] = {}
    for row in typed.hours:
        if row.remove:
            hours[row.key] = None
        elif not (row.key.startswith("new") and row.blank):
            hours[row.key] = _hours_row(row, errors)
    if errors:
        raise Refused(errors)
    return Details(
        description=description or None,
        eligibility=eligibility or None,
        minimum_age=low,
        maximum_age=high,
        languages=frozenset(typed.languages),
        phones=phones,
        hours=hours,
    )


# ---------------------------------------------------------------- writing


def _set(record: object, column: str, value: object) -> None:
    """Set only what differs, so the change log names only what the person changed."""
    if getattr(record, column) != value:
        setattr(record, column, value)


def _delete(session: Session, row: Any) -> None:
    """Delete explicitly: an orphan is found only inside the flush, after the change log's
    hook has looked, so a row only dropped from its list would leave no "delete" in it."""
    session.delete(row)


def apply(session: Session, who: Identity, svc: Service, details: Details) -> None:
    """Write the checked values to the service's own records as `who`, through the change log."""
    session.info["actor"] = who.email or "web"
    session.info["channel"] = "web"
    _set(svc, "description", details.description)
    _set(svc, "eligibility_description", details.eligibility)
    _set(svc, "minimum_age", details.minimum_age)
    _set(svc, "maximum_age", details.maximum_age)
    by_id = {str(p.id): p for p in svc.phones}
    for key, number in details.phones.items():
        phone = by_id.get(key)
        if number is None:
            if phone is not None:
                _delete(session, phone)
        elif phone is not None:
            _set(phone, "number", number)
        elif key == "new":
            svc.phones.append(Phone(id=uuid.uuid4(), number=number, type="voice"))
    schedules = {str(s.id): s for s in _schedules(svc)}
    for key, row in details.hours.items():
        schedule = schedules.get(key)
        if row is None:
            if schedule is not None:
                _delete(session, schedule)
            continue
        byday, opens, closes = row
        if schedule is not None:
            if _plain_days(schedule.byday) != tuple(byday.split(",")):
                schedule.byday = byday
            _set(schedule, "opens_at", opens)
            _set(schedule, "closes_at", closes)
        elif key.startswith("new"):
            svc.schedules.append(
                Schedule(id=uuid.uuid4(), freq="WEEKLY", byday=byday, opens_at=opens, closes_at=closes)
            )
    have = _codes(svc)
    for code, rows in have.items():
        if code not in details.languages:
            for row in rows:
                _delete(session, row)
    for code in sorted(details.languages - set(have)):
        svc.languages.append(Language(id=uuid.uuid4(), code=code, name=phrases.LANGUAGES[code]))
    session.flush()
