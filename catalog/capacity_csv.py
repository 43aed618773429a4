"""Many services' capacity figures from one CSV file, under the importer's rules.

Columns (a header row first, names in any case and order): `service_id`, `unit`,
`available`, `maximum` and, optionally, `create` (true/yes/1 to add a unit the service has no
figure for yet). An empty `maximum` keeps the stored maximum. Commas, semicolons (a
spreadsheet in a Spanish locale) or tabs separate the cells; UTF-8, with or without a BOM.

Every row is accounted for: each line is in the report with what was stored (`created`,
`updated`, `confirmed` when the figure is the same and only its time moves) or why it was
refused, so that read = created + updated + confirmed + refused. Nothing is half-written: a
single refused row refuses the whole file (every row is still checked, so the report names
every bad row at once, and the good rows say they were not written). A provider fixes the
file and sends it again; sending a file twice stores the same figures (it only confirms them).
Rows are written through `catalog.services.set_figures`, one call per service, with the
channel `csv`.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import math
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field

from sqlalchemy.orm import Session

import phrases
from catalog import services
from catalog.models import Service
from catalog.services import KEEP, FigureInput, Keep
from kernel.errors import Problem
from kernel.identity import Identity
from wording import N_, _

COLUMNS = ("service_id", "unit", "available", "maximum", "create")
REQUIRED = ("service_id", "unit", "available", "maximum")
MAX_ROWS = 5000
MAX_BYTES = 1024 * 1024
_TRUE = {"true", "yes", "y", "1", "x", "sí", "si"}
_FALSE = {"", "false", "no", "n", "0"}

# What became of a row, and the report's words for it (translated where it is shown).
CREATED, UPDATED, CONFIRMED, REFUSED = "created", "updated", "confirmed", "refused"
NOT_WRITTEN = "not written"
OUTCOMES = {
    CREATED: N_("figure created"),
    UPDATED: N_("figure updated"),
    CONFIRMED: N_("figure confirmed"),
    REFUSED: N_("refused"),
    NOT_WRITTEN: N_("not written"),
}


@dataclass
class RowReport:
    """One line of the file: what it asked and what became of it."""

    line: int
    service_id: str
    unit: str
    outcome: str = ""
    detail: str = ""
    column: str | None = None  # the column at fault, for a refused row
    service: str | None = None  # the service's name, when the id names one


@dataclass
class UploadReport:
    rows: list[RowReport] = field(default_factory=list)
    written: bool = False
    file_error: str | None = None  # the file itself cannot be read: no row was looked at

    def count(self, outcome: str) -> int:
        return sum(1 for r in self.rows if r.outcome == outcome)

    @property
    def refused(self) -> int:
        return self.count(REFUSED)


class FileRefused(Exception):
    """The file cannot be read as capacity rows at all (no header, a column missing...)."""


@dataclass
class _Parsed:
    report: RowReport
    service_id: uuid.UUID | None = None
    figure: FigureInput | None = None


def decode(data: bytes) -> str:
    """The file's text (UTF-8, a BOM allowed), or FileRefused."""
    if len(data) > MAX_BYTES:
        raise FileRefused(_("The file is larger than %(n)d KB: split it.", n=MAX_BYTES // 1024))
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise FileRefused(_("The file is not UTF-8 text: save it as CSV UTF-8 and send it again.")) from None


def _delimiter(first_line: str) -> str:
    counts = {d: first_line.count(d) for d in (",", ";", "\t")}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] else ","


def _header(cells: Sequence[str]) -> list[str]:
    names = [c.strip().lower().lstrip("\ufeff") for c in cells]
    unknown = [n for n in names if n and n not in COLUMNS]
    if unknown:
        raise FileRefused(
            _(
                "The column %(column)s is not one of %(columns)s.",
                column=unknown[0],
                columns=", ".join(COLUMNS),
            )
        )
    missing = [c for c in REQUIRED if c not in names]
    if missing:
        raise FileRefused(
            _(
                "The header row lacks the column %(column)s; the first row names the columns %(columns)s.",
                column=missing[0],
                columns=", ".join(REQUIRED),
            )
        )
    twice = [n for n in names if n and names.count(n) > 1]
    if twice:
        raise FileRefused(_("The column %(column)s appears twice in the header row.", column=twice[0]))
    return names


def _number(text: str, column: str, *, required: bool) -> float | None:
    value = text.strip()
    if not value:
        if required:
            raise services.invalid(column, _("%(field)s is required: a number of 0 or more.", field=column))
        return None
    try:
        number = float(value)
    except ValueError:
        raise services.invalid(column, _("%(field)s must be a number of 0 or more.", field=column)) from None
    if not math.isfinite(number):
        raise services.invalid(column, _("%(field)s must be a number of 0 or more.", field=column))
    return number


def _row(line: int, cells: dict[str, str]) -> _Parsed:
    raw_id, unit = cells.get("service_id", "").strip(), cells.get("unit", "").strip()
    parsed = _Parsed(RowReport(line, raw_id, unit))
    try:
        try:
            parsed.service_id = uuid.UUID(raw_id)
        except ValueError:
            raise services.invalid(
                "service_id",
                _("service_id must be a service's id (a UUID), not %(value)s.", value=repr(raw_id[:40])),
            ) from None
        if not unit:
            raise services.invalid(
                "unit", _("%(field)s is required: the unit's name, such as bed.", field="unit")
            )
        if len(unit) > services.UNIT_MAX:
            raise services.invalid(
                "unit", _("%(field)s may hold at most %(n)d characters.", field="unit", n=services.UNIT_MAX)
            )
        available = _number(cells.get("available", ""), "available", required=True)
        assert available is not None
        maximum_text = cells.get("maximum", "")
        maximum: float | None | Keep = (
            KEEP if not maximum_text.strip() else _number(maximum_text, "maximum", required=False)
        )
        flag = cells.get("create", "").strip().lower()
        if flag not in _TRUE | _FALSE:
            raise services.invalid("create", _("%(field)s must be true or false.", field="create"))
        parsed.figure = FigureInput(unit, available, maximum, flag in _TRUE)
    except Problem as exc:
        _refuse(parsed.report, exc)
    return parsed


def _refuse(report: RowReport, problem: Problem) -> None:
    report.outcome, report.detail, report.column = REFUSED, problem.detail, problem.param


def read(text: str) -> list[_Parsed]:
    """Every data row of the file, parsed or refused with its reason (FileRefused when the
    file as a whole cannot be read). Blank lines are not rows."""
    lines = text.splitlines()
    first = next((ln for ln in lines if ln.strip()), None)
    if first is None:
        raise FileRefused(_("The file is empty: send a header row and one row per figure."))
    reader = csv.reader(io.StringIO(text), delimiter=_delimiter(first))
    header: list[str] | None = None
    out: list[_Parsed] = []
    for cells in reader:
        if not any(c.strip() for c in cells):
            continue
        if header is None:
            header = _header(cells)
            continue
        line = reader.line_num
        if len(out) >= MAX_ROWS:
            raise FileRefused(_("The file has more than %(n)d rows: split it.", n=MAX_ROWS))
        if len(cells) > len(header) and any(c.strip() for c in cells[len(header) :]):
            parsed = _Parsed(RowReport(line, cells[0].strip() if cells else "", ""))
            detail = _("This row has more cells than the header row names.")
            _refuse(parsed.report, services.invalid("row", detail))
            out.append(parsed)
            continue
        named = {name: (cells[i] if i < len(cells) else "") for i, name in enumerate(header) if name}
        out.append(_row(line, named))
    if not out:
        raise FileRefused(_("The file has a header row but no figures."))
    return out


def upload(session: Session, actor: Identity, text: str, now: dt.datetime) -> UploadReport:
    """Check every row, then write all of them or none (see the module's docstring). The
    caller commits when `written`, and must roll back otherwise (nothing was written, but
    the edge decides). On SQLite begin the transaction with `kernel.db.begin_write`."""
    try:
        parsed = read(text)
    except FileRefused as exc:
        return UploadReport(file_error=str(exc))
    report = UploadReport(rows=[p.report for p in parsed])
    groups: dict[uuid.UUID, list[_Parsed]] = {}
    for p in parsed:
        if p.figure is not None and p.service_id is not None:
            groups.setdefault(p.service_id, []).append(p)
    for sid, rows in groups.items():
        figures = [p.figure for p in rows if p.figure is not None]
        found = services.refusals(session, actor, sid, figures)
        for refusal in found:
            targets = rows if refusal.index is None else [rows[refusal.index]]
            for p in targets:
                _refuse(p.report, refusal.problem)
        _name_and_plan(session, sid, rows)
    if report.refused:
        for r in report.rows:
            if r.outcome != REFUSED:
                r.outcome = NOT_WRITTEN
                r.detail = _(
                    "Not written: the file has refused rows, and a file is stored whole or not at all."
                )
        return report
    for sid, rows in groups.items():
        figures = [p.figure for p in rows if p.figure is not None]
        services.set_figures(session, actor, sid, figures, now, channel="csv")
        service = session.get_one(Service, sid)
        for p in rows:
            assert p.figure is not None
            cap = services.figure_for(service, p.figure.unit)
            if cap is not None:
                unit = cap.unit.name if cap.unit else p.figure.unit
                p.report.detail = phrases.capacity(cap.available, cap.maximum, unit)
    report.written = True
    return report


def _name_and_plan(session: Session, sid: uuid.UUID, rows: list[_Parsed]) -> None:
    """The service's name on its rows, and what writing each good row would do."""
    service = session.get(Service, sid)
    if service is None:
        return
    for p in rows:
        p.report.service = service.name
        if p.report.outcome == REFUSED or p.figure is None:
            continue
        stored = services.figure_for(service, p.figure.unit)
        if stored is None:
            p.report.outcome = CREATED
            continue
        maximum = stored.maximum if isinstance(p.figure.maximum, Keep) else p.figure.maximum
        same = stored.available == p.figure.available and stored.maximum == maximum
        p.report.outcome = CONFIRMED if same else UPDATED
