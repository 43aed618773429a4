"""The sentences people read about a service, made in one place: "3 of 12 beds free",
"updated 20 min ago", "ages 18 and over", "takes Medicaid", "1.2 km".

Pages (through the Jinja filters of `kernel.templating`), the search API's results and
matching's reasons all call these, so a figure reads the same wherever it is shown. Pure:
plain values in, a string out; no Flask, no database, no other package of ours but the
translation seam `wording`: every sentence is in the language of the request it is made in
(English outside one), its numbers written for that locale.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from zoneinfo import ZoneInfo

from wording import N_, _, ngettext, number

# Language names in English (the key's own name is how records and people give them too);
# shown translated with `language()`.
LANGUAGES = {
    "am": N_("Amharic"), "ar": N_("Arabic"), "bn": N_("Bengali"), "de": N_("German"),
    "el": N_("Greek"), "en": N_("English"), "es": N_("Spanish"), "fa": N_("Persian"),
    "fr": N_("French"), "ha": N_("Hausa"), "he": N_("Hebrew"), "hi": N_("Hindi"),
    "ht": N_("Haitian Creole"), "hy": N_("Armenian"), "it": N_("Italian"), "ja": N_("Japanese"),
    "km": N_("Khmer"), "ko": N_("Korean"), "lo": N_("Lao"), "ne": N_("Nepali"),
    "pa": N_("Punjabi"), "pl": N_("Polish"), "ps": N_("Pashto"), "pt": N_("Portuguese"),
    "ro": N_("Romanian"), "ru": N_("Russian"), "sm": N_("Samoan"), "so": N_("Somali"),
    "sw": N_("Swahili"), "ta": N_("Tamil"), "tl": N_("Tagalog"), "th": N_("Thai"),
    "ti": N_("Tigrinya"), "tr": N_("Turkish"), "uk": N_("Ukrainian"), "ur": N_("Urdu"),
    "vi": N_("Vietnamese"), "yi": N_("Yiddish"), "yo": N_("Yoruba"), "zh": N_("Chinese"),
}  # fmt: skip

# Insurance plans by the codes matching and the catalog's `insurance` attributes use.
PLANS = {
    "medicaid": N_("Medicaid"),
    "medicare": N_("Medicare"),
    "private": N_("private insurance"),
    "none": N_("people without insurance"),
}

KM_PER_MILE = 1.609344


def ago(when: dt.datetime | dt.date | None, now: dt.datetime | None = None) -> str:
    """'just now', '20 min ago', '3 h ago', '5 days ago': a figure is only as good as its age.

    A date without a time reads 'today', '1 day ago', '5 days ago'; a naive date-time is UTC.
    """
    if when is None:
        return _("never")
    now = now or dt.datetime.now(dt.UTC)
    if not isinstance(when, dt.datetime):
        days = (now.date() - when).days
        return _("today") if days <= 0 else ngettext("%(num)s day ago", "%(num)s days ago", days)
    if when.tzinfo is None:
        when = when.replace(tzinfo=dt.UTC)
    if now.tzinfo is None:
        now = now.replace(tzinfo=dt.UTC)
    minutes = max(0, int((now - when).total_seconds() // 60))
    if minutes < 1:
        return _("just now")
    if minutes < 60:
        return _("%(num)s min ago", num=number(minutes))
    if minutes < 48 * 60:
        return _("%(num)s h ago", num=number(minutes // 60))
    return ngettext("%(num)s day ago", "%(num)s days ago", minutes // (24 * 60))


def updated(when: dt.datetime | dt.date | None, now: dt.datetime | None = None) -> str:
    """'updated 20 min ago', or that nobody said when."""
    if when is None:
        return _("update time not stated")
    return _("updated %(ago)s", ago=ago(when, now))


updated_ = updated  # `figure` takes a parameter of that name


def verified(on: dt.date | None, by: str | None, today: dt.date) -> str:
    """'Verified 12 days ago by the provider': when the record was last confirmed current, and
    by whom as a role ("provider", "admin"; None for a date that came with an import), never
    the person's address."""
    if on is None:
        return _("Not verified yet")
    days = max(0, (today - on).days)
    if by == "provider":
        if days == 0:
            return _("Verified today by the provider")
        return ngettext(
            "Verified %(num)s day ago by the provider", "Verified %(num)s days ago by the provider", days
        )
    if by == "admin":
        if days == 0:
            return _("Verified today by an administrator")
        return ngettext(
            "Verified %(num)s day ago by an administrator",
            "Verified %(num)s days ago by an administrator",
            days,
        )
    if days == 0:
        return _("Verified today")
    return ngettext("Verified %(num)s day ago", "Verified %(num)s days ago", days)


def _plural(unit: str) -> str:
    return unit if unit.endswith("s") else unit + "s"


def _singular(unit: str) -> str:
    return unit[:-1] if unit.endswith("s") and not unit.endswith("ss") else unit


# The units Linkage words itself, each as (free of a maximum, free, full); any other unit is
# shown as the provider named it, inside a sentence that is translated all the same.
_UNITS = ("bed", "place", "slot", "room", "appointment")


def _known_unit(name: str, available: float, maximum: str | None) -> str | None:
    """The sentence for a unit Linkage knows, whole, so each language words it its own way."""
    n, free = available, number(available)
    if name == "bed":
        if maximum is None:
            return ngettext("%(num)s bed free", "%(num)s beds free", n, num=free)
        return ngettext(
            "%(num)s of %(max)s bed free", "%(num)s of %(max)s beds free", n, num=free, max=maximum
        )
    if name == "place":
        if maximum is None:
            return ngettext("%(num)s place free", "%(num)s places free", n, num=free)
        return ngettext(
            "%(num)s of %(max)s place free", "%(num)s of %(max)s places free", n, num=free, max=maximum
        )
    if name == "slot":
        if maximum is None:
            return ngettext("%(num)s slot free", "%(num)s slots free", n, num=free)
        return ngettext(
            "%(num)s of %(max)s slot free", "%(num)s of %(max)s slots free", n, num=free, max=maximum
        )
    if name == "room":
        if maximum is None:
            return ngettext("%(num)s room free", "%(num)s rooms free", n, num=free)
        return ngettext(
            "%(num)s of %(max)s room free", "%(num)s of %(max)s rooms free", n, num=free, max=maximum
        )
    if name == "appointment":
        if maximum is None:
            return ngettext("%(num)s appointment free", "%(num)s appointments free", n, num=free)
        return ngettext(
            "%(num)s of %(max)s appointment free",
            "%(num)s of %(max)s appointments free",
            n,
            num=free,
            max=maximum,
        )
    return None


def capacity(
    available: float, maximum: float | None = None, unit: str | None = None, kind: str | None = None
) -> str:
    """'3 of 12 beds free', '1 bed free', 'full: 0 of 40 beds free' (units in either number);
    a waitlist (``kind``, from ``catalog.rules.unit_kind``) reads '14 waiting'."""
    if kind == "waitlist":
        if available <= 0:
            return _("no one waiting")
        return ngettext("%(num)s waiting", "%(num)s waiting", available)
    name = (unit or "").strip().lower() or "places"
    of = number(maximum) if maximum else None
    free = max(available, 0)
    known = _singular(name)
    text = _known_unit(known, free, of) if known in _UNITS else None
    if text is None:
        worded = _singular(name) if free == 1 else _plural(name)
        if of is None:
            text = _("%(num)s %(unit)s free", num=number(free), unit=worded)
        else:
            text = _("%(num)s of %(max)s %(unit)s free", num=number(free), max=of, unit=worded)
    return _("full: %(figure)s", figure=text) if available <= 0 else text


def figure(
    available: float,
    maximum: float | None,
    unit: str | None,
    updated: dt.datetime | None,
    now: dt.datetime | None,
    stale: bool,
    kind: str | None = None,
) -> str:
    """A figure with its age, the one sentence every page and answer shows: '3 of 12 beds
    free, updated 20 min ago', or when stale 'last known 3 of 12 beds free, 14 h ago'."""
    text = capacity(available, maximum, unit, kind)
    if not stale:
        return _("%(figure)s, %(updated)s", figure=text, updated=updated_(updated, now))
    if updated is None:
        return _("last known %(figure)s, time not stated", figure=text)
    return _("last known %(figure)s, %(ago)s", figure=text, ago=ago(updated, now))


def ages(low: float | None, high: float | None) -> str | None:
    """'ages 12-17', 'ages 18 and over', 'ages up to 17'; None when the service sets none."""
    if low is not None and high is not None:
        return _("ages %(low)s-%(high)s", low=number(low), high=number(high))
    if low is not None:
        return _("ages %(low)s and over", low=number(low))
    if high is not None:
        return _("ages up to %(high)s", high=number(high))
    return None


def plan(code: str) -> str:
    """A plan's name from its code ('medicaid' -> 'Medicaid'); an unknown value as given."""
    known = PLANS.get(code.strip().lower())
    return _(known) if known else code


def plans(codes: Iterable[str]) -> str:
    return ", ".join(plan(c) for c in sorted(codes))


def insurance_taken(code: str) -> str:
    return _("no insurance needed") if code == "none" else _("takes %(plan)s", plan=plan(code))


def language(code: str) -> str:
    """A language's name in the reader's language ('es' -> 'Spanish', 'español')."""
    known = LANGUAGES.get(code.lower())
    return _(known) if known else code


def distance(km: float) -> str:
    """'850 m' would be false precision for a centroid: '0.8 km', '1.2 km', '12 km'."""
    return _("%(km)s km", km=number(km, "0.0" if km < 10 else "0"))


def distance_both(km: float) -> str:
    """Miles first for US readers, kilometres beside them: '0.8 mi (1.2 km)'."""
    return _("%(mi)s mi (%(km)s km)", mi=number(km / KM_PER_MILE, "0.0"), km=number(km, "0.0"))


def fetched(when: dt.datetime, zone: str) -> str:
    """'Fetched at 16:05': when a list was read, in the deployment's local time (a card kept
    offline shows it, with its age beside it)."""
    local = (when if when.tzinfo else when.replace(tzinfo=dt.UTC)).astimezone(ZoneInfo(zone))
    return _("Fetched at %(time)s", time=local.strftime("%H:%M"))
