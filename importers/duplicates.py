"""Duplicates across sources: scored candidates that a person merges or keeps apart.

Two sources often list the same service. Candidates are found among services of *other*
sources that share a ZIP code or a phone number (blocking keeps this linear), and scored with
rapidfuzz on name and address plus phone, website and distance. Nothing is merged
automatically: `/admin/duplicates` and `linkage duplicates list|merge|keep-apart` are where a
person decides, and each decision is a row of the change log (`duplicate_candidate`). A merge
keeps both records and both provenances; the one not kept becomes inactive.
"""

from __future__ import annotations

import re
import uuid
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from rapidfuzz import fuzz
from sqlalchemy import or_, select
from sqlalchemy.orm import Session, selectinload

from catalog import changelog
from catalog.models import Address, Location, Phone, Service, ServiceAtLocation, ServiceStatus
from geo import distance_km
from importers.models import DuplicateCandidate, DuplicateStatus, SourceRecord
from kernel.db import utcnow

THRESHOLD = 75.0
WEIGHTS = {"name": 0.4, "address": 0.2, "phone": 0.15, "website": 0.1, "distance": 0.15}


class DuplicateError(ValueError):
    """A review decision that cannot be made (unknown pair, already decided)."""


@dataclass
class Summary:
    id: uuid.UUID
    source: str
    name: str
    address: str = ""
    postal_code: str = ""
    phones: frozenset[str] = frozenset()
    website: str = ""
    lat: float | None = None
    lon: float | None = None


def _domain(url: str | None) -> str:
    if not url:
        return ""
    host = re.sub(r"^[a-z]+://", "", url.strip().lower()).split("/")[0]
    return host.removeprefix("www.")


def _summaries(
    session: Session, ids: list[uuid.UUID], sources: dict[uuid.UUID, str]
) -> dict[uuid.UUID, Summary]:
    out: dict[uuid.UUID, Summary] = {}
    for i in range(0, len(ids), 500):
        chunk = ids[i : i + 500]
        for sid, name, url in session.execute(
            select(Service.id, Service.name, Service.url).where(Service.id.in_(chunk))
        ):
            out[sid] = Summary(sid, sources.get(sid, ""), name or "", website=_domain(url))
        rows = session.execute(
            select(
                ServiceAtLocation.service_id,
                Location.latitude,
                Location.longitude,
                Address.address_1,
                Address.city,
                Address.postal_code,
            )
            .join(Location, Location.id == ServiceAtLocation.location_id)
            .outerjoin(Address, Address.location_id == Location.id)
            .where(ServiceAtLocation.service_id.in_(chunk))
        )
        for sid, lat, lon, street, city, postcode in rows:
            s = out.get(sid)
            if s is not None and not s.address:
                s.lat, s.lon = lat, lon
                s.address = " ".join(p for p in (street, city) if p).lower()
                s.postal_code = (postcode or "")[:5]
        phones: dict[uuid.UUID, set[str]] = defaultdict(set)
        for sid, number in session.execute(
            select(Phone.service_id, Phone.number).where(Phone.service_id.in_(chunk))
        ):
            digits = re.sub(r"\D", "", number or "")[-10:]
            if len(digits) == 10:
                phones[sid].add(digits)
        for sid, nums in phones.items():
            if sid in out:
                out[sid].phones = frozenset(nums)
    return out


def score(a: Summary, b: Summary) -> tuple[float, dict[str, float]]:
    """0-100 and the part each signal contributed, so a reviewer sees why."""
    parts = {
        "name": fuzz.token_set_ratio(a.name.lower(), b.name.lower()) / 100,
        "address": fuzz.token_set_ratio(a.address, b.address) / 100 if a.address and b.address else 0.0,
        "phone": 1.0 if a.phones & b.phones else 0.0,
        "website": 1.0 if a.website and a.website == b.website else 0.0,
        "distance": 0.0,
    }
    if None not in (a.lat, a.lon, b.lat, b.lon):
        km = distance_km(a.lat, a.lon, b.lat, b.lon)  # type: ignore[arg-type]
        parts["distance"] = 1.0 if km < 0.2 else 0.5 if km < 1.0 else 0.0
    total = 100 * sum(WEIGHTS[k] * v for k, v in parts.items())
    return round(total, 1), {k: round(v, 2) for k, v in parts.items()}


def find_duplicates(session: Session, source: str, service_ids: list[uuid.UUID]) -> list[dict[str, Any]]:
    """Candidates between the services just imported and those of other sources."""
    if not service_ids:
        return []
    others = dict(
        session.execute(
            select(SourceRecord.entity_id, SourceRecord.source).where(
                SourceRecord.entity_table == "service", SourceRecord.source != source
            )
        ).all()
    )
    mine = set(service_ids) - set(others)
    if not others or not mine:
        return []
    session.flush()
    new = _summaries(session, list(mine), dict.fromkeys(mine, source))
    old = _summaries(session, list(others), others)
    blocks: dict[str, list[Summary]] = defaultdict(list)
    for s in old.values():
        if s.postal_code:
            blocks[f"z{s.postal_code}"].append(s)
        for p in s.phones:
            blocks[f"p{p}"].append(s)
    decided = {
        (a, b) for a, b in session.execute(select(DuplicateCandidate.record_a, DuplicateCandidate.record_b))
    }
    found: list[dict[str, Any]] = []
    for a in new.values():
        keys = ([f"z{a.postal_code}"] if a.postal_code else []) + [f"p{p}" for p in a.phones]
        seen: set[uuid.UUID] = set()
        for key in keys:
            for b in blocks.get(key, ()):
                if b.id in seen or b.id == a.id:
                    continue
                seen.add(b.id)
                total, parts = score(a, b)
                if total < THRESHOLD or (b.id, a.id) in decided or (a.id, b.id) in decided:
                    continue
                cand = DuplicateCandidate(
                    id=uuid.uuid4(),
                    entity_table="service",
                    record_a=b.id,
                    record_b=a.id,
                    source_a=b.source,
                    source_b=a.source,
                    score=total,
                    reasons=parts,
                )
                session.add(cand)
                decided.add((b.id, a.id))
                found.append(
                    {
                        "id": str(cand.id),
                        "score": total,
                        "a": str(b.id),
                        "b": str(a.id),
                        "name_a": b.name,
                        "name_b": a.name,
                        "source_a": b.source,
                        "source_b": a.source,
                        "reasons": parts,
                    }
                )
    session.flush()
    return found


def list_candidates(session: Session, *, include_decided: bool = False) -> list[dict[str, Any]]:
    q = select(DuplicateCandidate).order_by(DuplicateCandidate.score.desc())
    if not include_decided:
        q = q.where(DuplicateCandidate.status == DuplicateStatus.open)
    out = []
    for c in session.scalars(q):
        a, b = session.get(Service, c.record_a), session.get(Service, c.record_b)
        why = ", ".join(f"{k} {v:.2f}" for k, v in (c.reasons or {}).items() if v)
        out.append(
            {
                "id": str(c.id),
                "score": c.score,
                "status": c.status.value,
                "name_a": a.name if a else "?",
                "name_b": b.name if b else "?",
                "source_a": c.source_a,
                "source_b": c.source_b,
                "why": why,
                "record_a": str(c.record_a),
                "record_b": str(c.record_b),
            }
        )
    return out


@dataclass(frozen=True)
class Side:
    """One record of a pair as a reviewer compares it: what it says and where it came from."""

    service: Service | None
    summary: Summary | None
    sources: list[SourceRecord]


@dataclass(frozen=True)
class Pair:
    candidate: DuplicateCandidate
    a: Side
    b: Side


def review_queue(session: Session, limit: int = 50) -> list[Pair]:
    """The pairs waiting for a decision, best score first, each side with its details and
    provenance (a few queries for the whole page, not per pair)."""
    cands = list(
        session.scalars(
            select(DuplicateCandidate)
            .where(DuplicateCandidate.status == DuplicateStatus.open)
            .order_by(DuplicateCandidate.score.desc(), DuplicateCandidate.id)
            .limit(limit)
        )
    )
    ids = list({i for c in cands for i in (c.record_a, c.record_b)})
    sources = {}
    for c in cands:
        sources[c.record_a], sources[c.record_b] = c.source_a, c.source_b
    summaries = _summaries(session, ids, sources) if ids else {}
    services = {
        s.id: s
        for s in session.scalars(
            select(Service).where(Service.id.in_(ids)).options(selectinload(Service.organization))
        )
    }
    records: dict[uuid.UUID, list[SourceRecord]] = defaultdict(list)
    for row in session.scalars(
        select(SourceRecord)
        .where(SourceRecord.entity_table == "service", SourceRecord.entity_id.in_(ids))
        .order_by(SourceRecord.first_seen)
    ):
        records[row.entity_id].append(row)

    def side(rid: uuid.UUID) -> Side:
        return Side(services.get(rid), summaries.get(rid), records.get(rid, []))

    return [Pair(c, side(c.record_a), side(c.record_b)) for c in cands]


def _decision(session: Session, cand: DuplicateCandidate) -> None:
    """The decision in the change log too, beside the status it sets on the catalog."""
    changelog.record(
        session, "duplicate_candidate", cand.id, "update", "status", DuplicateStatus.open, cand.status
    )


def _open(session: Session, cid: uuid.UUID) -> DuplicateCandidate:
    cand = session.get(DuplicateCandidate, cid)
    if cand is None:
        raise DuplicateError(f"no duplicate candidate {cid}")
    if cand.status != DuplicateStatus.open:
        raise DuplicateError(f"candidate {cid} was already decided ({cand.status.value})")
    return cand


def merge(session: Session, cid: uuid.UUID, *, keep: uuid.UUID | None = None) -> DuplicateCandidate:
    """Keep one record; the other becomes inactive. Both records and provenances stay."""
    cand = _open(session, cid)
    kept = keep or cand.record_a
    if kept not in (cand.record_a, cand.record_b):
        raise DuplicateError(f"{kept} is not one of the pair")
    other = cand.record_b if kept == cand.record_a else cand.record_a
    svc = session.get(Service, other)
    if svc is not None:
        svc.status = ServiceStatus.inactive
    cand.status, cand.kept = DuplicateStatus.merged, kept
    cand.decided_by, cand.decided_at = str(session.info.get("actor", "system")), utcnow()
    _decision(session, cand)
    session.flush()
    return cand


def keep_apart(session: Session, cid: uuid.UUID) -> DuplicateCandidate:
    cand = _open(session, cid)
    cand.status = DuplicateStatus.kept_apart
    cand.decided_by, cand.decided_at = str(session.info.get("actor", "system")), utcnow()
    _decision(session, cand)
    session.flush()
    return cand


def provenance(session: Session, service_id: uuid.UUID) -> list[SourceRecord]:
    """Where a service came from, including the records merged into it."""
    merged = [
        c.record_b if c.kept == c.record_a else c.record_a
        for c in session.scalars(
            select(DuplicateCandidate).where(
                DuplicateCandidate.status == DuplicateStatus.merged, DuplicateCandidate.kept == service_id
            )
        )
    ]
    ids = [service_id, *merged]
    return list(
        session.scalars(
            select(SourceRecord)
            .where(SourceRecord.entity_table == "service", or_(*(SourceRecord.entity_id == i for i in ids)))
            .order_by(SourceRecord.first_seen)
        )
    )
