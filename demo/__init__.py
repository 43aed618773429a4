"""The demo directory: Harbor County, a fictional county laid on the real map of Columbus, Ohio.

`generate(seed, now)` builds 300+ services as nested HSDS 3.0 JSON (plus 3.1 `capacities`);
`load_demo` writes them through `hsds.mapping.from_hsds` in one transaction.

Conventions the rest of Linkage reads (matching, search, the service page):

* Service types: attributes with link_type ``service_type`` and an Open Eligibility v2.0
  services term (1101 Emergency, 1180 Detox, ...); parents are loaded too, so a need for
  1178 Addiction & Recovery finds Detox and Residential Treatment.
* Who may come: link_type ``eligibility`` with an Open Eligibility human-situations term
  (20036 Women, 20010 Veterans, 20083 Domestic Violence Survivors ...) restricts the
  service to people in that situation (within one group, any listed one admits);
  link_type ``audience`` says whom it serves especially, without excluding anyone.
  Ages are `minimum_age`/`maximum_age`; documents are `required_documents`.
* Insurance accepted: link_type ``insurance``, value ``medicaid``/``medicare``/``private``,
  term ``insurance:<plan>`` in the small "Linkage" taxonomy. Free and sliding-scale
  services say so in `cost_options` and carry no insurance attribute.
* Pets: link_type ``pets``, value ``yes`` or ``no``, on shelters.
* Beds: `capacities` with unit "bed" (one shared unit row); a few programs
  do not report beds (6 of 80 in seed 2026). Update times are offsets before `now`.
* Hours: weekly rows in the location's zone (America/New_York); a Thanksgiving exception
  row (valid_from = valid_to) closes some services and gives meal sites special hours.
"""

from __future__ import annotations

import datetime as dt
import functools
import time
import uuid
from typing import Any

from sqlalchemy import func, select

from demo.generate import generate
from demo.parts import all_terms, term_id

__all__ = ["generate", "load_demo", "term_id"]


@functools.cache
def _children(table: str) -> tuple[tuple[str, str], ...]:
    """(json key, child table) of what a record of `table` nests."""
    from catalog.models import HSDS_MODELS
    from hsds.mapping import NEST

    rels = HSDS_MODELS[table].__mapper__.relationships
    nested = [(key, rels[rel].mapper.class_.__tablename__) for key, rel in NEST.get(table, {}).items()]
    return (*nested, ("attributes", "attribute"))


def _walk(table: str, data: dict[str, Any], out: dict[str, set[str]]) -> None:
    """Every (table, id) in a nested HSDS record."""
    out.setdefault(table, set()).add(data["id"])
    for key, child in _children(table):
        value = data.get(key)
        if isinstance(value, list):
            for item in value:
                _walk(child, item, out)
        elif value:
            _walk(child, value, out)


def _preregister(session: Any, records: list[tuple[str, dict[str, Any]]]) -> None:
    """Add the records that do not exist yet as new objects, so the upsert skips one
    SELECT per record (7,000 of them: most of the load time). One query per table."""
    from catalog.models import HSDS_MODELS
    from hsds.mapping import _pending

    wanted: dict[str, set[str]] = {}
    for table, data in records:
        _walk(table, data, wanted)
    registry = _pending(session)
    for table, ids in wanted.items():
        model = HSDS_MODELS[table]
        keys = [uuid.UUID(i) for i in sorted(ids)]
        existing: set[uuid.UUID] = set()
        for start in range(0, len(keys), 500):
            chunk = keys[start : start + 500]
            existing.update(session.scalars(select(model.id).where(model.id.in_(chunk))))
        for key in keys:
            if key not in existing:
                obj = model(id=key)
                session.add(obj)
                registry[(table, key)] = obj


_SHARED_KEYS = ("organization", "location", "taxonomy_term", "unit")


def _slim(value: Any, seen: set[str]) -> Any:
    """The same records with every repeat of a shared one (an organization nested in each of
    its services, a term in each attribute) cut to its id: the upsert then only links it."""
    if isinstance(value, list):
        return [_slim(v, seen) for v in value]
    if not isinstance(value, dict):
        return value
    out = {}
    for key, item in value.items():
        if key in _SHARED_KEYS and isinstance(item, dict):
            if item["id"] in seen:
                out[key] = {"id": item["id"]}
                continue
            seen.add(item["id"])
        out[key] = _slim(item, seen)
    return out


def load(session: Any, services: list[dict[str, Any]]) -> int:
    """Write the taxonomy and the services into `session` (not committed); returns the count."""
    from hsds.mapping import from_hsds

    terms = all_terms()
    seen = {t["id"] for t in terms}
    records = [("taxonomy_term", t) for t in terms] + [("service", _slim(s, seen)) for s in services]
    with session.no_autoflush:
        _preregister(session, records)
    for table, item in records:
        from_hsds(session, table, item)
    session.flush()
    return len(services)


def load_demo(if_empty: bool = False, seed: int = 2026, now: dt.datetime | None = None) -> int:
    """Load the demo county into the app's database and commit once; returns services added."""
    from catalog.models import Service
    from kernel.db import get_session

    session = get_session()
    if if_empty and session.scalar(select(func.count()).select_from(Service)):
        print("The catalog already has services; the demo was not loaded.")
        return 0
    started = time.perf_counter()
    session.info["actor"] = "demo"
    try:
        count = load(session, generate(seed, now))
        session.commit()
    except Exception:
        session.rollback()
        raise
    print(
        f"Loaded {count} demo services (Harbor County, seed {seed}) in {time.perf_counter() - started:.1f} s."
    )
    return count
