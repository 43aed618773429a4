"""Hard eligibility: each rule says pass, fail (with the reason), not stated or unchecked.

Rules read the catalog as data (ages, Open Eligibility situations, service areas, required
documents, accepted insurance, hours, capacity). A rule that cannot know says so: the
service is kept and flagged, never silently passed or failed. Rules are plain functions in
``RULES``; add one there to add a rule.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import geo
from catalog import rules
from matching import populations as pop
from matching import reasons
from matching.fit import need_fit
from matching.types import Area, Candidate, Check, ClientNeeds, Status
from wording import N_, _

_MISSING = object()

# How long a figure decides anything, by its unit's kind; an older one is shown, no more.
MAX_AGES = rules.MaxAges()


@dataclass(frozen=True)
class ClientSituations:
    codes: frozenset[str]
    known_groups: frozenset[str]  # groups where "not listed" means "not in it"


@dataclass(frozen=True)
class Context:
    needs: ClientNeeds
    cand: Candidate
    at: datetime
    now: datetime
    distance_km: float | None
    client: ClientSituations
    max_ages: rules.MaxAges = MAX_AGES
    memo: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)
    # Shared by the contexts of one ranking (same moment, same language): what depends only
    # on the hours and the zone, which many services repeat (Mon-Fri 9-5), is computed once.
    shared: dict[Any, Any] = field(default_factory=dict, compare=False, repr=False)

    def fit(self) -> tuple[float, list[str]]:
        """Need fit, computed once for the rule and the score."""
        if "fit" not in self.memo:
            self.memo["fit"] = need_fit(self.needs, self.cand)
        return self.memo["fit"]  # type: ignore[no-any-return]

    def places(self) -> list[tuple[Any, rules.FreePlaces]]:
        """Each capacity figure with its age and staleness by the catalog's rule, once."""
        if "places" not in self.memo:
            self.memo["places"] = [
                (c, rules.free_places(c.unit, c.available, c.maximum, c.updated, self.now, self.max_ages))
                for c in self.cand.capacity
            ]
        return self.memo["places"]  # type: ignore[no-any-return]

    def open_state(self) -> Any:
        """``rules.open_state`` at the time needed (the rule the page and search use), once."""
        if "state" not in self.memo:
            self.memo["state"] = self._by_hours(
                "state", lambda: rules.open_state(self.cand.schedules, self.at, self.cand.tz)
            )
        return self.memo["state"]

    def open_tonight(self) -> bool | None:
        if "tonight" not in self.memo:

            def during() -> bool | None:
                start, end = tonight(self.at, self.cand.tz)
                return rules.open_during(self.cand.schedules, start, end, self.cand.tz)

            self.memo["tonight"] = self._by_hours("tonight", during)
        return self.memo["tonight"]  # type: ignore[no-any-return]

    def _by_hours(self, name: str, compute: Callable[[], Any]) -> Any:
        """``compute()`` once per distinct hours and zone in ``shared`` (rows given as plain
        mappings, which do not hash, are computed each time)."""
        key = (name, self.cand.schedules, self.cand.tz)
        try:
            found = self.shared.get(key, _MISSING)
        except TypeError:
            return compute()
        if found is _MISSING:
            found = self.shared[key] = compute()
        return found


def client_situations(needs: ClientNeeds) -> ClientSituations:
    """The Open Eligibility situations the client is in, derived from the client fields."""
    codes = set(needs.populations) | {pop.ANYONE}
    known = {g.code for g in pop.groups().values() if g.unlisted == "fail"}
    if needs.age is not None:
        known.add(pop.AGE_GROUP)
        if needs.age < 13:
            codes.add(pop.CHILDREN)
        elif needs.age < 18:
            codes.add(pop.TEENS)
        else:
            codes.add(pop.ADULTS)
        if needs.age >= pop.SENIOR_AGE:
            codes.add(pop.SENIORS)
    if needs.gender and needs.gender != "unknown":
        known.add(pop.GENDER_GROUP)
        # Open Eligibility has no nonbinary term; "Transgender" is its gender-diverse umbrella.
        codes.add({"female": pop.WOMEN, "male": pop.MEN}.get(needs.gender, pop.TRANSGENDER))
    if needs.household:
        known.add(pop.HOUSEHOLD_GROUP)
        if needs.household == "family_with_children":
            codes.update({pop.FAMILIES, pop.PARENTS})
        else:
            codes.add(pop.INDIVIDUALS)
    if needs.insurance:
        known.add(pop.INSURANCE_GROUP)
        if needs.insurance == "none":
            codes.add(pop.UNINSURED)
    if needs.languages:
        known.add(pop.LANGUAGE_GROUP)
        if "en" not in needs.languages:
            codes.add(pop.LIMITED_ENGLISH)
    if any(pop.group_of(c) == pop.SURVIVORS for c in codes):
        codes.add(pop.ALL_SURVIVORS)
    for code in needs.populations:  # a listed situation settles its own group
        group = pop.group_of(code)
        if group:
            known.add(group)
    return ClientSituations(frozenset(codes), frozenset(known))


# HSDS service statuses other than "active", as a reason words them.
_STATUSES = {
    "inactive": N_("service is inactive"),
    "defunct": N_("service is defunct"),
    "temporarily closed": N_("service is temporarily closed"),
}


def active(ctx: Context) -> Iterable[Check]:
    status = (ctx.cand.status or "active").lower()
    if status != "active":
        known = _STATUSES.get(status.replace("_", " "))
        yield Check("active", Status.FAIL, _(known) if known else _("service is %(status)s", status=status))


def age_range(ctx: Context) -> Iterable[Check]:
    lo, hi = ctx.cand.minimum_age, ctx.cand.maximum_age
    age = ctx.needs.age
    if lo is None and hi is None:
        if age is not None:
            yield Check("age", Status.NOT_STATED, _("ages served"))
        return
    text = reasons.age_range(lo, hi)
    if age is None:
        yield Check("age", Status.UNCHECKED, _("%(rule)s; age not given", rule=text))
    elif rules.age_admitted(lo, hi, age) is False:
        yield Check("age", Status.FAIL, _("%(rule)s; client is %(age)s", rule=text, age=age))
    else:
        yield Check("age", Status.PASS, text)


def situations(ctx: Context) -> Iterable[Check]:
    """Each group of "eligibility" situations admits people in at least one listed situation."""
    by_group: dict[str, set[str]] = {}
    for code in ctx.cand.eligibility:
        group = pop.group_of(code)
        if group:
            by_group.setdefault(group, set()).add(code)
    if not by_group:
        if ctx.needs.gender or ctx.needs.household or ctx.needs.populations:
            yield Check("situations", Status.NOT_STATED, _("who is eligible"))
        return
    for group in sorted(by_group):
        listed = by_group[group]
        text = reasons.only_for(listed)
        if pop.ANYONE in listed or listed & ctx.client.codes:
            yield Check(f"situations:{group}", Status.PASS, reasons.for_(listed))
        elif group in ctx.client.known_groups:
            yield Check(f"situations:{group}", Status.FAIL, text)
        else:
            yield Check(f"situations:{group}", Status.UNCHECKED, _("%(rule)s; confirm", rule=text))


def service_area(ctx: Context) -> Iterable[Check]:
    areas = ctx.cand.service_areas
    lat, lon = ctx.needs.lat, ctx.needs.lon
    if lat is None or lon is None or not areas:
        return  # most services state no area; a missing area restricts nobody
    names = ", ".join(a.name for a in areas if a.name) or _("a defined area")
    answers = [_covers(a, lat, lon) for a in areas]
    if any(answers):
        yield Check("service_area", Status.PASS, _("serves %(areas)s", areas=names))
    elif all(a is False for a in answers):
        yield Check("service_area", Status.FAIL, _("serves %(areas)s only; client is outside", areas=names))
    else:
        yield Check("service_area", Status.UNCHECKED, _("serves %(areas)s; confirm", areas=names))


def _covers(area: Area, lat: float, lon: float) -> bool | None:
    """True/False when the area is known as a shape or ZIP list; None for a name only."""
    if area.extent is None:
        return None
    if isinstance(area.extent, geo.ServiceArea):
        return area.extent.covers(lat, lon)
    try:
        return geo.covers(area.extent, lat, lon)
    except geo.AreaError:
        return None


def documents(ctx: Context) -> Iterable[Check]:
    """An ID bars a person without one only when the provider does not help to get it
    (``rules.id_bar``); "Photo ID (or help getting one)" passes, with the note."""
    docs = rules.documents(ctx.cand.required_documents)
    bar = rules.id_bar(docs)
    helped = next((d for d in docs if d.identity and d.help_offered), None)
    if ctx.needs.has_id is None:
        if bar or helped:
            asked = (bar or helped).text  # type: ignore[union-attr]
            yield Check("documents", Status.UNCHECKED, _("asks for %(document)s", document=asked))
        return
    if ctx.needs.has_id:
        return
    if bar:
        yield Check("documents", Status.FAIL, _("asks for %(document)s; client has no ID", document=bar.text))
    elif helped:
        yield Check("documents", Status.PASS, _("helps to get ID: %(document)s", document=helped.text))
    elif not docs:
        yield Check("documents", Status.NOT_STATED, _("documents needed"))
    else:
        yield Check("documents", Status.PASS, _("no ID needed"))


def insurance(ctx: Context) -> Iterable[Check]:
    want, taken = ctx.needs.insurance, ctx.cand.insurance
    if not want:
        return
    if ctx.cand.cost == "free":
        yield Check("insurance", Status.PASS, _("free of charge"))
    elif want == "none" and ctx.cand.cost == "sliding":
        yield Check("insurance", Status.PASS, _("sliding scale without insurance"))
    elif taken is None:
        yield Check("insurance", Status.NOT_STATED, _("insurance accepted"))
    elif want in taken:
        yield Check("insurance", Status.PASS, reasons.insurance_taken(want))
    elif want == "none":
        plans = reasons.plans(taken)
        yield Check(
            "insurance", Status.UNCHECKED, _("takes %(plans)s; ask about cost uninsured", plans=plans)
        )
    else:
        yield Check("insurance", Status.FAIL, _("does not take %(plan)s", plan=reasons.plans({want})))


def open_at_time(ctx: Context) -> Iterable[Check]:
    urgency = ctx.needs.urgency
    if urgency not in ("now", "tonight"):
        return
    rows = ctx.cand.schedules
    if not rows:
        yield Check("open", Status.NOT_STATED, _("opening hours"))
        return
    if urgency == "now":
        state = ctx.open_state()
        is_open = state.open
    else:
        is_open = ctx.open_tonight()
    if is_open is None:
        yield Check("open", Status.NOT_STATED, _("opening hours"))
    elif is_open:
        yield Check("open", Status.PASS, _("open now") if urgency == "now" else _("open tonight"))
    else:
        state = ctx.open_state()
        closed = _("closed now") if urgency == "now" else _("closed tonight")
        label = getattr(state, "label", None)
        yield Check(
            "open", Status.FAIL, _("%(closed)s (%(hours)s)", closed=closed, hours=label) if label else closed
        )


def tonight(at: datetime, tz: str | None) -> tuple[datetime, datetime]:
    """The night a worker means by "tonight": from now (or 17:00) until 06:00 next morning."""
    local = at.astimezone(ZoneInfo(tz)) if tz else at
    if local.hour < 6:
        return at, local.replace(hour=6, minute=0, second=0, microsecond=0)
    evening = local.replace(hour=17, minute=0, second=0, microsecond=0)
    morning = (local + timedelta(days=1)).replace(hour=6, minute=0, second=0, microsecond=0)
    return max(local, evening), morning


def capacity(ctx: Context) -> Iterable[Check]:
    """Free places decide only when fresh for their unit (a waitlist's length never does)."""
    fresh = [c for c, f in ctx.places() if not f.stale and f.kind != "waitlist"]
    if fresh:
        best = max(fresh, key=lambda c: c.available)
        if best.available <= 0:
            yield Check("capacity", Status.FAIL, reasons.capacity(best, ctx.now, full=True))
        else:
            yield Check("capacity", Status.PASS, reasons.capacity(best, ctx.now))
    elif ctx.needs.urgency in ("now", "tonight"):
        yield Check("capacity", Status.NOT_STATED, _("free places (not tracked or not fresh)"))


def pets(ctx: Context) -> Iterable[Check]:
    if not ctx.needs.pets:
        return
    if ctx.cand.pets is None:
        yield Check("pets", Status.NOT_STATED, _("pets allowed"))
    elif ctx.cand.pets:
        yield Check("pets", Status.PASS, _("pets allowed"))
    else:
        yield Check("pets", Status.FAIL, _("no pets"))


def accessibility(ctx: Context) -> Iterable[Check]:
    wanted = ctx.needs.accessibility
    if not wanted:
        return
    offered = " ".join(ctx.cand.accessibility).lower()
    if not offered:
        yield Check("accessibility", Status.NOT_STATED, _("accessibility"))
        return
    missing = [w for w in wanted if w.lower() not in offered]
    if missing:
        yield Check("accessibility", Status.UNCHECKED, _("confirm %(needs)s", needs=", ".join(missing)))
    else:
        yield Check("accessibility", Status.PASS, ", ".join(wanted))


def offers_need(ctx: Context) -> Iterable[Check]:
    value, _why = ctx.fit()
    if value <= 0:
        wanted = reasons.one_of([n.label for n in ctx.needs.needs])
        yield Check("need", Status.FAIL, _("does not offer %(needs)s", needs=wanted))


Rule = Callable[[Context], Iterable[Check]]

# The hard rules, in the order their reasons are shown.
RULES: list[Rule] = [
    active,
    offers_need,
    age_range,
    situations,
    service_area,
    documents,
    insurance,
    open_at_time,
    capacity,
    pets,
    accessibility,
]


def evaluate(ctx: Context) -> list[Check]:
    return [check for rule in RULES for check in rule(ctx)]
