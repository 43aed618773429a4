"""Unmet need: one row each time a search or a match finds no eligible provider.

What is kept is what a gap report needs and nothing that could point at a person: the need
(a taxonomy term or the words searched, without any word holding a digit), the coarse area
(a five-digit ZIP, never a point), the hour (the time truncated to the hour), whether it was
a search or a match and from a page or the API, and for a match how many candidate services
each eligibility rule excluded (rule codes with counts: "age" 2, never the age itself). No
user, team, client, age, gender, household or exact time is stored.

Recording never fails nor holds up the answer it describes: it runs in a short transaction
of its own (so the write lock is held only for one insert, not for the rest of the request),
and a failure is logged without the need or area and the answer goes out.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
import uuid
from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from contextlib import AbstractContextManager

from sqlalchemy import ForeignKey, Index, Integer, String, Text, text
from sqlalchemy.orm import Mapped, Session, mapped_column

from geo.zipdata import zip_index
from kernel.db import Base, UTCDateTime, uuid7

log = logging.getLogger(__name__)

KINDS = ("search", "match")
CHANNELS = ("page", "api")
MAX_WORDS = 6
MAX_NEED = 120
_ZIP = re.compile(r"^\s*(\d{5})(?:-\d{4})?\s*$")
_WORD = re.compile(r"[^\W\d_][\w'-]*")


class UnmetNeed(Base):
    """A search or match that found no eligible provider (see the module's docstring)."""

    __tablename__ = "unmet_need"
    # One index the gap report's range and groupings read without touching the table (a
    # separate index on need or area led SQLite to walk it and fetch every row: 3x slower).
    # The gap report's reasons read the period's matches by kind and hour with their ids.
    __table_args__ = (
        Index("ix_unmet_need_hour_kind_need_area", "hour", "kind", "need", "area"),
        Index("ix_unmet_need_kind_hour_id", "kind", "hour", "id"),
    )
    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid7)
    hour: Mapped[dt.datetime] = mapped_column(UTCDateTime)  # UTC, truncated to the hour
    kind: Mapped[str] = mapped_column(String(8))  # search | match
    channel: Mapped[str] = mapped_column(String(8))  # page | api
    need: Mapped[str] = mapped_column(Text)  # "" when only filters were given
    area: Mapped[str | None] = mapped_column(String(5))  # a ZIP, or None: not given
    candidates: Mapped[int] = mapped_column(Integer, default=0)  # services a match weighed


class UnmetNeedReason(Base):
    """How many of a match's candidate services one eligibility rule excluded."""

    __tablename__ = "unmet_need_reason"
    # A match's reasons with their counts, read without a visit of the table.
    __table_args__ = (Index("ix_unmet_need_reason_services", "unmet_need_id", "code", "services"),)
    unmet_need_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("unmet_need.id", ondelete="CASCADE"), primary_key=True
    )
    code: Mapped[str] = mapped_column(String(40), primary_key=True)  # a rule code of matching
    services: Mapped[int] = mapped_column(Integer)


def need_text(parts: Iterable[str]) -> str:
    """The need as kept: lower-case words, none holding a digit (a phone number, a birth
    date or a case number typed into the box is dropped), at most a few words."""
    found = (w.lower() for part in parts for w in _WORD.findall(part or ""))
    words = [w for w in found if not any(c.isdigit() for c in w)]
    return " ".join(words[:MAX_WORDS])[:MAX_NEED]


def coarse_area(near: str | None, point: tuple[float, float] | None) -> str | None:
    """A ZIP: the one typed, else the ZIP whose centre is nearest the point (within 30 km)."""
    if near and (m := _ZIP.match(near)):
        return m.group(1)
    if point is None:
        return None
    return zip_index().nearest_zip(point[0], point[1])


def hour_of(now: dt.datetime) -> dt.datetime:
    return now.astimezone(dt.UTC).replace(minute=0, second=0, microsecond=0)


def record(
    session: Session,
    *,
    kind: str,
    channel: str,
    need: str,
    area: str | None,
    now: dt.datetime,
    reasons: Mapping[str, int] | None = None,
    candidates: int = 0,
) -> UnmetNeed:
    """Add one row (flushed, not committed: the caller's edge commits)."""
    if kind not in KINDS or channel not in CHANNELS:
        raise ValueError(f"unknown kind or channel: {kind!r}, {channel!r}")
    row = UnmetNeed(
        hour=hour_of(now), kind=kind, channel=channel, need=need[:MAX_NEED], area=area, candidates=candidates
    )
    session.add(row)
    session.flush()
    for code, count in sorted((reasons or {}).items()):
        if count > 0:
            session.add(UnmetNeedReason(unmet_need_id=row.id, code=code[:40], services=int(count)))
    session.flush()
    return row


def record_apart(sessions: Callable[[], AbstractContextManager[Session]], **fields: object) -> bool:
    """`record` in a transaction of its own, committed at once; False (and a log line that
    names no need and no area) when it fails, so the search or match still answers."""
    try:
        with sessions() as session:
            if session.get_bind().dialect.name == "postgresql":
                # A row lost to a crash costs one count; the search need not wait for the disk.
                session.execute(text("SET LOCAL synchronous_commit = off"))
            record(session, **fields)  # type: ignore[arg-type]
            session.commit()
    except Exception as exc:  # noqa: BLE001 - whatever went wrong, the answer must still go out
        log.warning("unmet need not recorded: %s", type(exc).__name__)
        return False
    return True


def reason_counts(exclusions: Iterable[Iterable[tuple[str, bool]]]) -> dict[str, int]:
    """Rule code -> how many services it excluded, from each excluded service's
    (rule code, failed) pairs; a service two rules exclude counts under both."""
    counts: Counter[str] = Counter()
    for checks in exclusions:
        counts.update({code for code, failed in checks if failed})
    return dict(counts)
