"""Referral outcomes, client interactions and repeat contacts for a date range, computed in
SQL from the referral event log (the truth: a referral's state is its last event), so there
is no second bookkeeping to drift.

What is counted (a referral counts in the period in which it was *sent*, its `requested`
event; its fate is what its events say now):
- made: referrals sent in the period; drafts never sent are not referrals yet, and one
  marked entered-in-error is a mistake and counts nowhere;
- accepted: of those, the ones the provider took on (accepted, in progress or completed);
- completed (the loop closed), rejected, failed, cancelled: their terminal event, with its
  reason; open: no terminal event yet; overdue: open and past its follow-up time;
- hours to acceptance and to closure (completion), from the `requested` event: median and
  90th percentile, and the share completed within 7 and 30 days of being sent;
- interactions: handoff contacts with the client (not the provider's questions) and the
  team's follow-ups (the moves it recorded after sending), by month, as Bloomington counts;
- repeat contacts: clients sent more than one referral within 30 (90) days, and the share of
  clients who came back (a later referral) after a completed one.

Months are calendar months in UTC. Who sees what is `Scope`: a coordinator their team's
referrals, an administrator every team's; a team's figures never include another team's
clients. Figures are counts, never a client's data, so reading them writes no audit row of a
client (as `referrals.queries.overdue_count`).
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import (
    Float,
    Integer,
    Interval,
    String,
    and_,
    case,
    cast,
    func,
    literal,
    null,
    or_,
    select,
    text,
    true,
    tuple_,
    union_all,
)
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from accounts.models import TEAM_ROLES, Team, User
from catalog.models import Organization
from dashboard.period import Period
from kernel.db import utcnow
from referrals.models import Referral, ReferralContact, ReferralEvent

TOOK_IT = ("accepted", "in-progress", "completed")  # the provider took the client on
FATES = ("completed", "rejected", "failed", "cancelled")  # a referral's one terminal event
WITH_REASON = ("rejected", "failed", "cancelled")
ERROR = "entered-in-error"
# Moves a team records after sending: its follow-ups (sending and correcting are not).
NOT_FOLLOW_UPS = ("draft", "requested", ERROR)
PARTS = ("by_month", "by_provider", "by_need", "by_team", "by_worker")


@dataclass(frozen=True)
class Scope:
    """Whose referrals the figures count: one team's, or every team's (`team_id` None)."""

    team_id: uuid.UUID | None
    everyone: bool = False

    @classmethod
    def of(cls, role: str | None, team_id: uuid.UUID | None) -> Scope:
        """An administrator sees every team; anyone else (a coordinator) their own team only,
        and nothing at all without one."""
        return cls(None, everyone=True) if role == "admin" else cls(team_id)

    def where(self) -> ColumnElement[bool]:
        if self.everyone:
            return true()
        if self.team_id is None:
            return literal(False)
        return Referral.team_id == self.team_id


def _hours(later: Any, earlier: Any, dialect: str) -> Any:
    if dialect == "sqlite":
        return (func.julianday(later) - func.julianday(earlier)) * 24.0
    return func.extract("epoch", later - earlier) / 3600.0


def _within(later: Any, earlier: Any, days: int, dialect: str) -> Any:
    """`later` is at most `days` days after `earlier` (hours as `_hours` counts them): on
    PostgreSQL compared as intervals, exact and without a numeric division for every row."""
    if dialect == "postgresql":
        return (later - earlier) <= literal(dt.timedelta(days=days), Interval())
    return _hours(later, earlier, dialect) <= 24.0 * days


def _month_key(at: Any, dialect: str) -> Any:
    """The UTC month of a timestamp as the facts group by it: "YYYY-MM" on SQLite; on
    PostgreSQL the month's first moment (date_trunc costs far less than to_char for each
    referral), which reads back as text beginning "YYYY-MM" (see `outcomes`)."""
    if dialect == "sqlite":
        return month_of(at, dialect)
    return func.date_trunc("month", func.timezone("UTC", at))


def month_of(at: Any, dialect: str) -> Any:
    """The UTC month ("YYYY-MM") of a timestamp column, in SQL: every part of the dashboard."""
    if dialect == "sqlite":
        return func.substr(at, 1, 7)  # SQLite stores "YYYY-MM-DD HH:MM:SS" in UTC
    return func.to_char(func.timezone("UTC", at), "YYYY-MM")


def _dialect(session: Session) -> str:
    return session.get_bind().dialect.name


def _in_scope(column: Any, scope: Scope) -> ColumnElement[bool]:
    """A referral id column limited to the scope's referrals: nothing to check for an
    administrator (every event and contact has its referral), else the team's referral ids
    (one small set the database builds once, instead of reading the referral of each row)."""
    if scope.everyone:
        return true()
    limited: ColumnElement[bool] = column.in_(select(Referral.id).where(scope.where()))
    return limited


REPEAT_DAYS = (30, 90)  # the windows of a repeat contact; the longest is read before the period


# A referral's outcome packed into one small integer (bits, and its fate times FATE_STEP), so
# that each breakdown groups the facts by (key, flags) with COUNT(*) alone: a few hundred
# rows that `_Tally` turns into the counts, instead of twelve conditional sums per row and
# breakdown.
TAKEN, LATE, WITHIN_7, WITHIN_30, LIVE, LOGGED = 1, 2, 4, 8, 16, 32
FATE_STEP = 64
FATE_CODES = {fate: n for n, fate in enumerate(FATES, start=1)}  # 0: no terminal event, open


def _facts(session: Session, period: Period, scope: Scope, now: dt.datetime) -> Any:
    """One row per referral sent since 90 days before the period (the repeat windows look
    back that far) and not entered in error: when it was sent and completed, its fate and
    reason (its terminal event), hours to acceptance and to closure, whether it was sent in
    the period, its outcome's flags, and the referral's own columns to break down by. One
    pass over the event log, shared by every figure of the statement."""
    dialect = _dialect(session)
    ev = ReferralEvent
    since = period.lower - dt.timedelta(days=max(REPEAT_DAYS))
    # Grouped by referral in the order of ix_referral_event_referral_moves (referral, status,
    # time, reason), which covers every column read: a scan of the index with no sort and
    # no visit of the table. A referral sent since `since` has every event at or after it.
    sent = func.min(case((ev.to_status == "requested", ev.at)))
    per = (
        select(
            ev.referral_id.label("rid"),
            sent.label("sent"),
            func.min(case((ev.to_status.in_(TOOK_IT), ev.at))).label("took"),
            func.min(case((ev.to_status == "completed", ev.at))).label("done"),
            func.max(case((ev.to_status.in_(FATES), ev.to_status))).label("fate"),
            func.max(case((ev.to_status.in_(FATES), ev.reason))).label("reason"),
        )
        .where(ev.at >= since, _in_scope(ev.referral_id, scope))
        .group_by(ev.referral_id)
        # "< 1", not "= 0" (the same test of a 0 or 1): PostgreSQL guesses that "= 0" on an
        # aggregate keeps 0.5% of the groups, a few hundred, and then fetches each referral by
        # its key in a loop; for "< 1" it guesses a third, and joins the referrals by a hash.
        .having(sent >= since, func.max(case((ev.to_status == ERROR, 1), else_=0)) < 1)
        .subquery("per")
    )
    late = and_(per.c.fate.is_(None), Referral.due_at.is_not(None), Referral.due_at < now)

    def bit(cond: Any, value: int) -> Any:
        return case((cond, value), else_=0)

    fate = case(*((per.c.fate == name, n * FATE_STEP) for name, n in FATE_CODES.items()), else_=0)
    flags = (
        bit(per.c.took.is_not(None), TAKEN)
        + bit(late, LATE)
        + bit(_within(per.c.done, per.c.sent, 7, dialect), WITHIN_7)
        + bit(_within(per.c.done, per.c.sent, 30, dialect), WITHIN_30)
        + bit(Referral.mode == "live", LIVE)
        + bit(Referral.mode == "logged", LOGGED)
        + fate
    )
    return (
        select(
            per.c.sent,
            per.c.done,
            per.c.reason,
            _hours(per.c.took, per.c.sent, dialect).label("to_accept"),
            _hours(per.c.done, per.c.sent, dialect).label("to_close"),
            _month_key(per.c.sent, dialect).label("month"),
            and_(per.c.sent >= period.lower, per.c.sent < period.upper).label("inp"),
            flags.label("flags"),
            Referral.organization_id,
            Referral.need,
            Referral.team_id,
            Referral.created_by,
            Referral.client_id,
        )
        .join(Referral, Referral.id == per.c.rid)
        .where(scope.where())
        .cte("facts")
    )


@dataclass(frozen=True)
class Counts:
    """The counts of one row of a breakdown (or of the whole period)."""

    made: int = 0
    accepted: int = 0
    completed: int = 0
    rejected: int = 0
    failed: int = 0
    cancelled: int = 0
    open: int = 0
    overdue: int = 0
    closed_within_7_days: int = 0
    closed_within_30_days: int = 0
    live: int = 0
    logged: int = 0

    @classmethod
    def of(cls, values: Sequence[Any]) -> Counts:
        return cls(*(int(v or 0) for v in values))

    def as_dict(self) -> dict[str, int]:
        return dict(self.__dict__)


@dataclass(frozen=True)
class Row:
    key: str  # the month "YYYY-MM", or the id of the provider, team or worker, or the need
    label: str  # what a person reads
    counts: Counts

    def as_dict(self, name: str) -> dict[str, Any]:
        return {name: self.key, "label": self.label, **self.counts.as_dict()}


@dataclass(frozen=True)
class Repeats:
    """Repeat contacts of one team (or of all of them)."""

    team_id: str | None
    team: str | None
    clients: int = 0  # clients sent a referral in the period
    within_30_days: int = 0  # of them, sent another within the 30 days before
    within_90_days: int = 0
    after_completed: int = 0  # clients with a referral completed in the period
    came_back: int = 0  # of them, sent a later referral after the completion

    @property
    def came_back_share(self) -> float | None:
        return None if not self.after_completed else self.came_back / self.after_completed

    def as_dict(self) -> dict[str, Any]:
        return {**self.__dict__, "came_back_share": self.came_back_share}


_REPEAT_COUNTS = ("clients", "within_30_days", "within_90_days", "after_completed", "came_back")


@dataclass
class Outcomes:
    """Every figure of the referral part of the dashboard for one period and scope."""

    period: Period
    totals: Counts
    rejected_by: dict[str, int]
    failed_by: dict[str, int]
    cancelled_by: dict[str, int]
    hours_to_accept: tuple[float | None, float | None]  # median, 90th percentile
    hours_to_close: tuple[float | None, float | None]
    parts: dict[str, list[Row]]
    interactions: list[tuple[str, int, int]]  # (month, handoff contacts, follow-ups)
    repeats: list[Repeats] = field(default_factory=list)  # by team
    repeats_total: Repeats | None = None

    def as_json(self) -> dict[str, Any]:
        """The JSON answer of /api/v1/metrics/referrals (names kept stable for integrators)."""
        t = self.totals
        made = t.made or None

        def share(n: int) -> float | None:
            return None if made is None else round(n / made, 4)

        names = {"by_month": "month", "by_provider": "organization_id", "by_need": "need"}
        names |= {"by_team": "team_id", "by_worker": "user_id"}
        return {
            "from": self.period.start.isoformat(),
            "to": self.period.end.isoformat(),
            "made": t.made,
            "accepted": t.accepted,
            "completed": t.completed,
            "rejected": {"total": t.rejected, "by_reason": self.rejected_by},
            "failed": {"total": t.failed, "by_reason": self.failed_by},
            "cancelled": {"total": t.cancelled, "by_reason": self.cancelled_by},
            "open": t.open,
            "overdue": t.overdue,
            "median_hours_to_accept": _round(self.hours_to_accept[0]),
            "p90_hours_to_accept": _round(self.hours_to_accept[1]),
            "median_hours_to_close": _round(self.hours_to_close[0]),
            "p90_hours_to_close": _round(self.hours_to_close[1]),
            "closed_within_7_days": share(t.closed_within_7_days),
            "closed_within_30_days": share(t.closed_within_30_days),
            "live": t.live,
            "logged": t.logged,
            **{part: [r.as_dict(names[part]) for r in rows] for part, rows in self.parts.items()},
            "interactions_by_month": [
                {"month": m, "contacts": c, "follow_ups": f, "total": c + f} for m, c, f in self.interactions
            ],
            "repeat_contacts": {
                "total": self.repeats_total.as_dict() if self.repeats_total else None,
                "by_team": [r.as_dict() for r in self.repeats],
            },
        }


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 2)


def quantile(values: Sequence[float], q: float) -> float | None:
    """The q-quantile with linear interpolation between the two nearest values (what
    PostgreSQL's percentile_cont gives), of values already sorted; None for none."""
    if not values:
        return None
    pos = (len(values) - 1) * q
    low = int(pos)
    high = min(low + 1, len(values) - 1)
    return values[low] + (values[high] - values[low]) * (pos - low)


def _positions(x: Any, n: Any, q: float, dialect: str) -> Any:
    """The rows (1-based) either side of the q-quantile's position among n sorted values
    (the position's whole part: PostgreSQL's CAST rounds, so it floors first)."""
    at = (n - 1) * q
    low = cast(at if dialect == "sqlite" else func.floor(at), Integer) + 1
    return or_(x == low, x == low + 1)


QUANTILES = (0.5, 0.9)
KEYS, LABELS, INTS = 3, 2, 5  # the shape of every row of `_everything`'s statement


def _shaped(
    part: Any,
    keys: Sequence[Any] = (),
    labels: Sequence[Any] = (),
    ints: Sequence[Any] = (),
    quantile: Sequence[Any] = (),
) -> list[Any]:
    """The columns of one branch of `_everything` in the shape every branch shares: its part,
    up to three keys and two labels, five integers, and a quantile row (value, rank, count,
    and a second value: PostgreSQL's answer gives the median and the 90th percentile)."""
    strings = [cast(c, String) for c in keys] + [cast(null(), String)] * (KEYS - len(keys))
    strings += [cast(c, String) for c in labels] + [cast(null(), String)] * (LABELS - len(labels))
    numbers = list(ints) + [literal(0, Integer)] * (INTS - len(ints))
    q = list(quantile) or [cast(null(), Float), cast(null(), Integer), cast(null(), Integer)]
    q += [cast(null(), Float)] * (4 - len(q))
    return [part if not isinstance(part, str) else literal(part, String), *strings, *numbers, *q]


def _quantile_rows(f: Any, column: Any, part: str, dialect: str) -> Any:
    """The few rows of `column` (sorted by a window) that the median and the 90th percentile
    interpolate between, with each one's rank and the count (SQLite has no percentile_cont),
    so no column of 50k values crosses the wire. On PostgreSQL one row of percentile_cont's
    answers (the same interpolation, `quantile`), marked with a count of 0: one sort shared
    by both, instead of two windows and a filter computed in numeric for every row."""
    if dialect == "postgresql":
        value = cast(column, Float)
        median, p90 = (func.percentile_cont(q).within_group(value) for q in QUANTILES)
        zero = literal(0, Integer)
        return select(*_shaped(part, quantile=(median, zero, zero, p90))).where(f.c.inp)
    ranked = (
        select(
            column.label("value"),
            func.row_number().over(order_by=column).label("rn"),
            func.count().over().label("n"),
        )
        .where(f.c.inp, column.is_not(None))
        .subquery(part)
    )
    wanted = or_(*(_positions(ranked.c.rn, ranked.c.n, q, dialect) for q in QUANTILES))
    return select(*_shaped(part, quantile=(cast(ranked.c.value, Float), ranked.c.rn, ranked.c.n))).where(
        wanted
    )


# The groupings of the facts, each with the flags: by team, worker and reason (the totals,
# the teams, the workers and the reasons fold from it), by month and need, by provider.
GROUPINGS = {
    "g_team": ("team_id", "created_by", "reason"),
    "g_month": ("month", "need"),
    "g_provider": ("organization_id",),
}


def _grouped(f: Any, dialect: str) -> Any:
    """The facts of the period counted by each grouping and the flags, COUNT(*) only: on
    PostgreSQL one hashed pass (GROUPING SETS), on SQLite one sorted pass per grouping."""
    every = [name for columns in GROUPINGS.values() for name in columns]
    if dialect == "postgresql":
        sets = [tuple_(*(f.c[n] for n in columns), f.c.flags) for columns in GROUPINGS.values()]
        # GROUPING(first key of each grouping): 0 for the grouping the row belongs to.
        firsts = [f.c[columns[0]] for columns in GROUPINGS.values()]
        which = case(
            *(
                (func.grouping(first) == 0, literal(name))
                for name, first in zip(GROUPINGS, firsts, strict=True)
            )
        )
        return (
            select(which.label("part"), *(f.c[n] for n in every), f.c.flags, func.count().label("n"))
            .where(f.c.inp)
            .group_by(func.grouping_sets(*sets))
            .subquery("grouped")
        )
    branches = []
    for name, columns in GROUPINGS.items():
        keys = [f.c[n] if n in columns else null().label(n) for n in every]
        used = [f.c[n] for n in columns]
        branches.append(
            select(literal(name, String).label("part"), *keys, f.c.flags, func.count().label("n"))
            .where(f.c.inp)
            .group_by(*used, f.c.flags)
        )
    return union_all(*branches).subquery("grouped")


def _grouped_rows(f: Any, dialect: str) -> Any:
    """The groupings with the names people read (the team's, the worker's, the provider's),
    joined to the few grouped rows rather than to every referral."""
    g = _grouped(f, dialect)
    return (
        select(
            *_shaped(
                g.c.part,
                keys=(
                    func.coalesce(
                        cast(g.c.team_id, String), cast(g.c.month, String), cast(g.c.organization_id, String)
                    ),
                    func.coalesce(cast(g.c.created_by, String), g.c.need),
                    g.c.reason,
                ),
                labels=(func.coalesce(Team.name, Organization.name), User.email),
                ints=(g.c.flags, g.c.n),
            )
        )
        .select_from(g)
        .outerjoin(Team, Team.id == g.c.team_id)
        .outerjoin(User, User.id == g.c.created_by)
        .outerjoin(Organization, Organization.id == g.c.organization_id)
    )


def _everything(session: Session, f: Any) -> list[Any]:
    """Every grouping, the quantiles' rows and the repeat contacts in one statement, so the
    facts are computed once (both databases materialise a CTE used many times)."""
    c, dialect = f.c, _dialect(session)
    branches = [
        _grouped_rows(f, dialect),
        _quantile_rows(f, c.to_accept, "q_accept", dialect),
        _quantile_rows(f, c.to_close, "q_close", dialect),
        _repeat_rows(f, dialect),
    ]
    if dialect == "postgresql":
        # The statement sorts and hashes every referral of the period (10-15 MB at 100,000);
        # with the default 4 MB of work memory the window's sort and the clients' grouping
        # spilled to disk. For this transaction only.
        session.execute(text("SET LOCAL work_mem = '32MB'"))
    return list(session.execute(union_all(*branches)))


def _repeat_rows(f: Any, dialect: str) -> Any:
    """Repeat contacts by team, from the same facts: each referral beside the same client's
    previous and next ones (LAG and LEAD over the client's referrals in the order sent),
    then one row per client and team saying which windows it met, counted by team (a sum of
    one grouped pass instead of five DISTINCT counts)."""
    seq = select(
        f.c.client_id,
        f.c.team_id,
        f.c.sent,
        f.c.done,
        f.c.inp,
        func.lag(f.c.sent).over(partition_by=f.c.client_id, order_by=f.c.sent).label("prev"),
        func.lead(f.c.sent).over(partition_by=f.c.client_id, order_by=f.c.sent).label("next"),
    ).subquery("seq")

    def met(cond: Any) -> Any:
        return func.max(case((cond, 1), else_=0))

    names = ("within_30", "within_90", "completed", "came_back")
    per_client = (
        select(
            seq.c.team_id,
            *(
                met(_within(seq.c.sent, seq.c.prev, days, dialect)).label(name)
                for days, name in zip(REPEAT_DAYS, names, strict=False)
            ),
            met(seq.c.done.is_not(None)).label("completed"),
            met(and_(seq.c.done.is_not(None), seq.c.next.is_not(None), seq.c.next >= seq.c.done)).label(
                "came_back"
            ),
        )
        .where(seq.c.inp)
        .group_by(seq.c.client_id, seq.c.team_id)
        .subquery("per_client")
    )
    p = per_client.c
    columns = [func.count(), *(func.coalesce(func.sum(p[name]), 0) for name in names)]
    return (
        select(*_shaped("repeats", keys=(p.team_id,), labels=(func.max(Team.name),), ints=columns))
        .outerjoin(Team, Team.id == p.team_id)
        .group_by(p.team_id)
    )


def _interpolate(rows: Sequence[Any], q: float) -> float | None:
    """The q-quantile from the rows `_quantile_rows` chose (value, rank, count)."""
    if not rows:
        return None
    n = int(rows[0][2])
    pos = (n - 1) * q
    low = int(pos) + 1
    at = {int(rn): float(v) for v, rn, _n in rows}
    below = at[low]
    above = at.get(low + 1, below)
    return below + (above - below) * (pos - int(pos))


def _hours_of(
    answered: tuple[float | None, ...] | None, rows: Sequence[Any]
) -> tuple[float | None, float | None]:
    """The median and 90th percentile: PostgreSQL's answer, or interpolated from the rows."""
    if answered is not None:
        median, p90 = (None if v is None else float(v) for v in answered)
        return median, p90
    median, p90 = (_interpolate(rows, q) for q in QUANTILES)
    return median, p90


def canonical_id(raw: Any) -> str | None:
    """An id as the figures give it: the canonical UUID form, whatever the database keeps
    (SQLite returns 32 hex characters from a raw column)."""
    if raw is None:
        return None
    try:
        return str(uuid.UUID(str(raw)))
    except ValueError:
        return str(raw)


def _key(part: str, raw: Any) -> str:
    """A row's key as the JSON gives it: a canonical UUID for a provider, team or worker."""
    if raw is None:
        return ""
    if part in ("by_provider", "by_team", "by_worker"):
        return canonical_id(raw) or ""
    return str(raw)


def interactions(session: Session, period: Period, scope: Scope) -> list[tuple[str, int, int]]:
    """(month, handoff contacts, follow-ups) for every month of the period: contacts with the
    client logged on the scope's referrals (not the provider's questions), and moves the
    referring team recorded after sending. Each is one range scan of a covering index
    (ix_referral_contact_at_kind, ix_referral_event_at_moves)."""
    dialect = _dialect(session)
    c = ReferralContact
    month_c = month_of(c.at, dialect)
    contacts = (
        select(month_c, func.count())
        .where(
            c.at >= period.lower, c.at < period.upper, c.kind != "question", _in_scope(c.referral_id, scope)
        )
        .group_by(month_c)
    )
    e = ReferralEvent
    month_e = month_of(e.at, dialect)
    team_people = select(User.id).where(User.role.in_(list(TEAM_ROLES)))
    follow = (
        select(month_e, func.count())
        .where(
            e.at >= period.lower,
            e.at < period.upper,
            e.to_status.not_in(NOT_FOLLOW_UPS),
            e.actor_user_id.in_(team_people),
            _in_scope(e.referral_id, scope),
        )
        .group_by(month_e)
    )
    by_c = {m: int(n) for m, n in session.execute(contacts)}
    by_f = {m: int(n) for m, n in session.execute(follow)}
    return [(m, by_c.get(m, 0), by_f.get(m, 0)) for m in period.months()]


def _counts_of(flags: int) -> tuple[int, ...]:
    """What one referral with these flags adds to each count, in the order of `Counts`."""
    fate = FATES[flags // FATE_STEP - 1] if flags // FATE_STEP else None
    return (
        1,
        int(bool(flags & TAKEN)),
        int(fate == "completed"),
        int(fate == "rejected"),
        int(fate == "failed"),
        int(fate == "cancelled"),
        int(fate is None),
        int(bool(flags & LATE)),
        int(bool(flags & WITHIN_7)),
        int(bool(flags & WITHIN_30)),
        int(bool(flags & LIVE)),
        int(bool(flags & LOGGED)),
    )


class _Tally:
    """Counts folded from grouped (key, flags, count) rows, per part and key."""

    def __init__(self) -> None:
        self.rows: dict[tuple[str, str], list[int]] = {}
        self.labels: dict[tuple[str, str], str] = {}
        self.unit: dict[int, tuple[int, ...]] = {}

    def add(self, part: str, key: str, label: str, flags: int, n: int) -> None:
        unit = self.unit.get(flags) or self.unit.setdefault(flags, _counts_of(flags))
        sums = self.rows.setdefault((part, key), [0] * len(unit))
        for i, v in enumerate(unit):
            if v:
                sums[i] += n
        self.labels[(part, key)] = label

    def counts(self, part: str, key: str) -> Counts:
        return Counts.of(self.rows.get((part, key), ()))

    def part(self, part: str) -> list[Row]:
        return [
            Row(key, self.labels[(p, key)], Counts.of(sums))
            for (p, key), sums in self.rows.items()
            if p == part
        ]


def outcomes(
    session: Session,
    period: Period,
    scope: Scope,
    now: dt.datetime | None = None,
    parts: Sequence[str] = PARTS,
) -> Outcomes:
    """Every figure of the referral part for `period`, as `scope` may see them."""
    now = now or utcnow()
    f = _facts(session, period, scope, now)
    tally = _Tally()
    reasons: dict[str, dict[str, int]] = {fate: {} for fate in WITH_REASON}
    quantiles: dict[str, list[tuple[float, int, int]]] = {"q_accept": [], "q_close": []}
    answered: dict[str, tuple[float | None, ...]] = {}  # PostgreSQL's percentile_cont
    again: list[Repeats] = []
    for part, k1, k2, k3, label1, label2, *rest in _everything(session, f):
        ints, (value, rn, n, value2) = [int(v or 0) for v in rest[:INTS]], rest[INTS:]
        if part == "g_team":
            flags, count = ints[0], ints[1]
            tally.add("total", "", "", flags, count)
            tally.add("by_team", _key("by_team", k1), label1 or "", flags, count)
            tally.add("by_worker", _key("by_worker", k2), label2 or "", flags, count)
            fate = FATES[flags // FATE_STEP - 1] if flags // FATE_STEP else None
            if fate in reasons:
                found_in = reasons[fate]
                found_in[k3 or "unknown"] = found_in.get(k3 or "unknown", 0) + count
        elif part == "g_month":
            month = (k1 or "")[:7]  # PostgreSQL's key is the month's first moment
            tally.add("by_month", month, month, ints[0], ints[1])
            tally.add("by_need", _key("by_need", k2), k2 or "", ints[0], ints[1])
        elif part == "g_provider":
            tally.add("by_provider", _key("by_provider", k1), label1 or "", ints[0], ints[1])
        elif part == "repeats":
            again.append(Repeats(_key("by_team", k1), label1, *ints))
        elif part in quantiles and n == 0:
            answered[part] = (value, value2)
        elif part in quantiles:
            quantiles[part].append((value, rn, n))
    found = {part: tally.part(part) for part in PARTS}
    found["by_month"].sort(key=lambda r: r.key)
    for part in PARTS[1:]:
        found[part].sort(key=lambda r: (-r.counts.made, r.label, r.key))
    found = {part: rows for part, rows in found.items() if part in parts}
    return Outcomes(
        period=period,
        totals=tally.counts("total", ""),
        rejected_by=dict(sorted(reasons["rejected"].items())),
        failed_by=dict(sorted(reasons["failed"].items())),
        cancelled_by=dict(sorted(reasons["cancelled"].items())),
        hours_to_accept=_hours_of(answered.get("q_accept"), quantiles["q_accept"]),
        hours_to_close=_hours_of(answered.get("q_close"), quantiles["q_close"]),
        parts=found,
        interactions=interactions(session, period, scope),
        repeats=sorted(again, key=lambda r: (r.team or "", r.team_id or "")),
        # A client belongs to one team, so the whole is the sum of the teams' rows.
        repeats_total=Repeats(None, None, *(sum(getattr(r, f) for r in again) for f in _REPEAT_COUNTS)),
    )
