"""What a person needs to act on a service, in plain words: who qualifies, hours, beds, where.

Pages call these so the rules (when a bed count is stale, how an eligibility term reads)
live in one place and the templates only lay them out.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import phrases
import wording
from catalog import rules
from catalog.models import Address, Location, Schedule, Service, ServiceCapacity
from hours import OpenState, describe, most_specific
from wording import N_, _

# Open Eligibility situations whose name alone reads badly after "Only for".
_PLAIN: dict[str, str] = {
    "20003": N_("adults"),
    "20004": N_("teens"),
    "20005": N_("children"),
    "20006": N_("older adults (seniors)"),
    "20010": N_("veterans"),
    "20036": N_("women"),
    "20037": N_("men"),
    "20038": N_("transgender people"),
    "20053": N_("single adults"),
    "20054": N_("families with children"),
    "20058": N_("people who are homeless"),
    "20059": N_("people about to lose their housing"),
    "20063": N_("people with low income"),
    "20083": N_("survivors of domestic violence"),
    "20088": N_("people in crisis"),
    "20016": N_("people with a criminal record"),
    "20043": N_("pregnant women"),
    "20050": N_("people with substance use problems"),
    "20025": N_("people with mental illness"),
}
_ELIGIBILITY_LINKS = ("eligibility", "audience", "insurance", "pets")


def _schedule_dict(row: Schedule) -> dict[str, Any]:
    return {c.key: getattr(row, c.key) for c in Schedule.__table__.columns}


def schedule_rows(service: Service) -> list[dict[str, Any]]:
    """The hours at the service's first place, by the precedence search and matching use."""
    sal = service.service_at_locations[0] if service.service_at_locations else None
    rows = most_specific(
        sal.schedules if sal else None,
        service.schedules,
        sal.location.schedules if sal and sal.location else None,
    )
    return [_schedule_dict(r) for r in rows]


def open_now(service: Service, at: dt.datetime, tz: str) -> OpenState:
    """Open at ``at`` by the rule search and matching use (``rules.open_state``): the
    service's hours in its own zone, which is the deployment's unless its rows say otherwise."""
    return rules.open_state(schedule_rows(service), at, tz)


def weekly_hours(service: Service) -> list[str]:
    """The regular week ("Mon–Fri 08:30–12:00, 13:00–16:30"); dated exceptions are apart."""
    rows = [r for r in schedule_rows(service) if not (r["valid_from"] and r["valid_to"])]
    return list(describe(rows)) if rows else []


def holiday_hours(service: Service) -> list[str]:
    """Dated exceptions as "Thu 26 Nov 2026: Closed for Thanksgiving"."""
    out = []
    for row in schedule_rows(service):
        if row["valid_from"] and row["valid_to"] and row["valid_from"] == row["valid_to"]:
            day: dt.date = row["valid_from"]
            what = row["description"] or _("Special hours")
            if row["opens_at"] and row["closes_at"]:
                hours = f"{row['opens_at']}-{row['closes_at']}"
                out.append(_("%(day)s: %(what)s (%(hours)s)", day=wording.date(day), what=what, hours=hours))
            else:
                out.append(_("%(day)s: %(what)s", day=wording.date(day), what=what))
    return out


def ages(service: Service) -> str | None:
    """'Ages 12-17', worded as everywhere else (see `phrases.ages`)."""
    text = phrases.ages(service.minimum_age, service.maximum_age)
    return text[0].upper() + text[1:] if text else None


def _term_words(attr: Any) -> str:
    term = attr.taxonomy_term
    if term is None:
        return attr.value or ""
    plain = _PLAIN.get(term.code or "")
    return _(plain) if plain else term.name.lower()


@dataclass(frozen=True)
class Eligibility:
    """Who may come and on what terms, as the rules in ``catalog.rules`` decide them."""

    only_for: list[str]
    especially_for: list[str]
    insurance: list[str]
    pets: bool | None
    genders: frozenset[str] = frozenset()  # empty: anyone
    plans: frozenset[str] | None = None  # rules.plans_accepted; None: not stated
    cost: str | None = None  # rules.cost: "free", "sliding" or None
    documents: tuple[rules.Document, ...] = ()
    id_bar: rules.Document | None = None


def _term(attr: Any) -> tuple[str | None, str | None]:
    term = attr.taxonomy_term
    return (term.code, term.name) if term is not None else (None, attr.value)


def _fee_text(service: Service) -> str:
    return " ".join(x for x in (service.fees, service.fees_description) if x)


def _all_term_names(service: Service) -> list[str]:
    return [a.taxonomy_term.name for a in service.attributes if a.taxonomy_term is not None]


def eligibility(service: Service) -> Eligibility:
    """Restrictions ("only for") apart from audiences ("especially for"), in plain words."""
    only, especially, other_plans = [], [], []
    restricting: list[tuple[str | None, str | None]] = []
    payment: list[tuple[str | None, str | None, str | None]] = []
    pets: list[str | None] = []
    for attr in service.attributes:
        kind = (attr.link_type or "").lower()
        if kind == "eligibility":
            only.append(_term_words(attr))
            restricting.append(_term(attr))
        elif kind == "audience":
            especially.append(_term_words(attr))
        elif kind in rules.PAYMENT_LINKS:
            name = attr.taxonomy_term.name if attr.taxonomy_term is not None else None
            payment.append((kind, attr.value, name))
            if rules.plan_of(attr.value, name) is None and attr.value:
                other_plans.append(attr.value)
        elif kind == "pets":
            pets.append(attr.value)
    plans = rules.plans_accepted(payment)
    docs = rules.documents(d.document for d in service.required_documents)
    options = [(c.option, c.amount, c.amount_description) for c in service.cost_options]
    return Eligibility(
        only_for=only,
        especially_for=especially,
        insurance=[phrases.plan(p) for p in sorted(plans or ()) if p != "none"] + other_plans,
        pets=rules.pets_allowed(pets),
        genders=rules.admitted_genders(restricting, service.eligibility_description),
        plans=plans,
        cost=rules.cost(options, _fee_text(service), _all_term_names(service)),
        documents=docs,
        id_bar=rules.id_bar(docs),
    )


def service_types(service: Service) -> list[str]:
    """Names of the terms that file the service, each once (taxonomies repeat names)."""
    names = [
        a.taxonomy_term.name
        for a in service.attributes
        if a.taxonomy_term is not None and (a.link_type or "").lower() not in _ELIGIBILITY_LINKS
    ]
    return list(dict.fromkeys(names))


@dataclass(frozen=True)
class Capacity:
    available: float
    maximum: float | None
    unit: str
    updated: dt.datetime | None
    stale: bool
    kind: str = "other"
    now: dt.datetime | None = None

    @property
    def text(self) -> str:
        return phrases.capacity(self.available, self.maximum, self.unit, self.kind)

    @property
    def sentence(self) -> str:
        """With its age: "…, updated 20 min ago", or "last known …, 14 h ago" when stale."""
        return phrases.figure(
            self.available, self.maximum, self.unit, self.updated, self.now, self.stale, self.kind
        )


def capacities(
    service: Service,
    now: dt.datetime,
    max_age: rules.MaxAges | float,
    held: Mapping[uuid.UUID, float] | None = None,
) -> list[Capacity]:
    """Each reported figure with its age, less the units held against it (`held`, from
    `catalog.capacity.held_counts`); older than its unit's maximum age is stale, not truth."""
    out = []
    for cap in service.capacities:
        taken = (held or {}).get(cap.id, 0)
        name = _unit_name(cap)
        fact = rules.free_places(name, cap.available, cap.maximum, cap.updated, now, max_age, taken)
        out.append(
            Capacity(fact.available, fact.maximum, _unit_name(cap), fact.updated, fact.stale, fact.kind, now)
        )
    return out


def _unit_name(cap: ServiceCapacity) -> str:
    return cap.unit.name if cap.unit is not None else "place"


def address_lines(address: Address) -> list[str]:
    lines = [address.address_1]
    if address.address_2:
        lines.append(address.address_2)
    lines.append(f"{address.city}, {address.state_province} {address.postal_code}")
    return lines


@dataclass(frozen=True)
class Place:
    name: str | None
    lines: list[str]
    directions: str
    geo_uri: str | None
    transportation: str | None
    description: str | None
    accessibility: list[str]


def places(service: Service) -> list[Place]:
    """Where to go, with a directions hint that needs no map from another site."""
    out = []
    for sal in service.service_at_locations:
        loc: Location | None = sal.location
        if loc is None:
            continue
        addr = next((a for a in loc.addresses if a.address_type != "postal"), None)
        lines = address_lines(addr) if addr else []
        if lines:
            directions = _("Type “%(address)s” into the map app on your phone.", address=", ".join(lines))
        elif loc.location_type == "virtual":
            directions = _("By phone, text or online; there is no site to visit.")
        else:
            directions = _("No public address: call first and they will tell you where to go.")
        geo = f"geo:{loc.latitude:.5f},{loc.longitude:.5f}" if lines and loc.latitude is not None else None
        rows = [" ".join(x for x in (a.description, a.details) if x) for a in loc.accessibility]
        access = list(rules.accessibility(rows, _all_term_names(service)))
        out.append(Place(loc.name, lines, directions, geo, loc.transportation, loc.description, access))
    return out


def languages(service: Service) -> list[str]:
    """ISO 639-1 codes of the languages offered, the service's own and its places' (the rule
    search and matching use), in a stable order."""
    rows = [(lang.code, lang.name) for lang in service.languages]
    for sal in service.service_at_locations:
        if sal.location is not None:
            rows += [(lang.code, lang.name) for lang in sal.location.languages]
    return sorted(rules.languages(rows))


def first_address(service: Service) -> str | None:
    for sal in service.service_at_locations:
        if sal.location is not None:
            for addr in sal.location.addresses:
                return ", ".join(address_lines(addr))
    return None
