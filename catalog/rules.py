"""One rule per fact about a service: open now, who may come, pets, payment, documents, places.

The service page (through ``catalog.facts``), the search documents and filters, and matching
all decide these facts here, so they cannot disagree. The rules read plain values (strings,
numbers, schedule rows), never ORM objects or rows, because each caller reads the catalog its
own way: the page walks objects, search and matching read columns in bulk. Pure: no Flask,
no database (the ranking core of matching calls it too).

Unknown is unknown everywhere: a fact the record does not state is ``None``, never guessed as
"yes" or "no".
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo

import hours
import phrases
from hours import OpenState, ScheduleRow
from wording import _

# ---------------------------------------------------------------- open now / open at

RowsArg = Iterable["ScheduleRow | Mapping[str, Any]"]


@lru_cache(maxsize=64)
def _offsets_of(zone: str) -> frozenset[int]:
    """Every UTC offset (minutes) the zone takes in winter or summer, 2000-2040."""
    tz = ZoneInfo(zone)
    found = set()
    for year in range(2000, 2041):
        for month in (1, 7):
            offset = dt.datetime(year, month, 15, 12, tzinfo=tz).utcoffset()
            if offset is not None:
                found.add(round(offset.total_seconds() / 60))
    return frozenset(found)


def reading_zone(rows: Sequence[ScheduleRow], deployment: str | None) -> str | None:
    """The zone whose wall clock a service's hours are written in.

    HSDS 3.0 lets a schedule row state only a UTC offset, so a service says where it is by
    that offset. Rows that state none, or only offsets the deployment's zone takes in some
    season (-5 or -4 for New York), are local: read in the deployment's zone, daylight saving
    included. Rows stating an offset the deployment never has (a Pacific hotline at -7 in a
    New York deployment) are elsewhere: ``None``, and the evaluator reads them at their own
    offset. Search, the page and matching all read hours through this, so a service is open
    or closed for all three alike.
    """
    offsets = {r.utc_offset for r in rows if r.utc_offset is not None}
    if not offsets or not deployment:
        return deployment
    return deployment if offsets <= _offsets_of(deployment) else None


def schedule_rows(rows: RowsArg) -> list[ScheduleRow]:
    """Rows as evaluated schedule rows; raises ValueError for a row that cannot be read."""
    return [r if isinstance(r, ScheduleRow) else ScheduleRow.from_mapping(r) for r in rows]


def unreadable() -> OpenState:
    """Hours that cannot be read: unknown, labelled in the language of the request."""
    return OpenState(open=None, label=_("Hours not readable"))


def open_state(rows: RowsArg, at: dt.datetime, deployment: str | None) -> OpenState:
    """Open or closed at ``at``, until when, with the card's label. Unreadable hours are
    unknown, never closed."""
    try:
        parsed = schedule_rows(rows)
        return hours.open_state(parsed, at, reading_zone(parsed, deployment))
    except ValueError:
        return unreadable()


def is_open(rows: RowsArg, at: dt.datetime, deployment: str | None) -> bool | None:
    """Open at ``at``? ``None`` when the hours are not stated or cannot be read."""
    try:
        parsed = schedule_rows(rows)
        return hours.is_open(parsed, at, reading_zone(parsed, deployment))
    except ValueError:
        return None


def open_during(rows: RowsArg, start: dt.datetime, end: dt.datetime, deployment: str | None) -> bool | None:
    """Open at any moment of [start, end] ("tonight")? ``None`` when unknown."""
    try:
        parsed = schedule_rows(rows)
        return hours.open_during(parsed, start, end, reading_zone(parsed, deployment))
    except ValueError:
        return None


# ---------------------------------------------------------------- who may come

# Open Eligibility v2 gender situations and the genders they admit ("transgender" is Open
# Eligibility's gender-diverse umbrella, so it admits nonbinary people too).
GENDER_CODES: dict[str, str] = {"20036": "female", "20037": "male", "20038": "transgender"}
CODE_OF_GENDER: dict[str, str] = {v: k for k, v in GENDER_CODES.items()}
_GENDER_NAMES: dict[str, str] = {"women": "female", "men": "male", "transgender": "transgender"}
_WOMEN = re.compile(r"\b(women|woman|females?|girls?|mothers?|ladies)\b", re.IGNORECASE)
_MEN = re.compile(r"\b(men|man|males?|boys?|fathers?)\b", re.IGNORECASE)
# What a person may say they are, as the gender a service admits.
_CLIENT_GENDER = {
    "female": "female", "male": "male", "transgender": "transgender", "nonbinary": "transgender",
}  # fmt: skip


def genders_named(text: str | None) -> frozenset[str]:
    """The one gender prose restricts to ("Homeless women, 18+"), or none: a text naming both
    ("men and women") or neither restricts nobody."""
    if not text:
        return frozenset()
    women, men = bool(_WOMEN.search(text)), bool(_MEN.search(text))
    if women != men:
        return frozenset({"female" if women else "male"})
    return frozenset()


def gender_of_term(code: str | None, name: str | None) -> str | None:
    """The gender an Open Eligibility term stands for, by its code or else its name."""
    if code and code in GENDER_CODES:
        return GENDER_CODES[code]
    return _GENDER_NAMES.get((name or "").strip().lower())


def admitted_genders(
    eligibility_terms: Iterable[tuple[str | None, str | None]], eligibility_text: str | None
) -> frozenset[str]:
    """Which genders may come (empty: anyone). The service's eligibility terms decide (an
    "audience" term says whom it serves especially, and restricts nobody); without a
    gender term, the eligibility text does, read conservatively (``genders_named``)."""
    coded = {g for code, name in eligibility_terms if (g := gender_of_term(code, name))}
    return frozenset(coded) if coded else genders_named(eligibility_text)


def gender_token(gender: str | None) -> str | None:
    """The gender a service would have to admit for this person ("nonbinary" -> "transgender")."""
    return _CLIENT_GENDER.get((gender or "").strip().lower())


def gender_admitted(admitted: frozenset[str], gender: str | None) -> bool | None:
    """May a person of this gender come? ``None`` when the gender is not given and it matters."""
    if not admitted:
        return True
    wanted = gender_token(gender)
    if wanted is None:
        return None
    return wanted in admitted


def age_admitted(minimum: float | None, maximum: float | None, age: float | None) -> bool | None:
    """Within the service's ages (both bounds included)? ``None`` when the age is not given
    and the service has bounds."""
    if minimum is None and maximum is None:
        return True
    if age is None:
        return None
    return (minimum is None or age >= minimum) and (maximum is None or age <= maximum)


# ---------------------------------------------------------------- pets

_YES = {"yes", "y", "true", "1", "allowed", "welcome", "pets allowed", "pets welcome"}
_NO = {"no", "n", "false", "0", "none", "not allowed", "no pets"}


def pets_allowed(values: Iterable[str | None]) -> bool | None:
    """Pets welcome (True), not (False), or not stated (None) from the ``pets`` attributes'
    values. An attribute without a value, or with a word we cannot read, states nothing."""
    answer: bool | None = None
    for value in values:
        word = (value or "").strip().lower()
        if word in _YES or word in _NO:
            answer = word in _YES  # the last readable value wins
    return answer


# ---------------------------------------------------------------- insurance and payment

PAYMENT_LINKS = ("insurance", "payment_accepted", "insurance_accepted")
PLAN_WORDS: dict[str, str] = {
    "medicaid": "medicaid",
    "medicare": "medicare",
    "private": "private",
    "private insurance": "private",
    "commercial": "private",
    "none": "none",
    "uninsured": "none",
    "self-pay": "none",
    "self pay": "none",
    "sliding scale": "none",
    "free": "none",
}
_FREE = re.compile(r"\b(free|no (cost|fee|charge)s?|at no charge|no-cost)\b", re.IGNORECASE)
_SLIDING = re.compile(r"\bsliding\b", re.IGNORECASE)
_FREE_WORD = re.compile(r"\bfree\b", re.IGNORECASE)  # in a term's name ("Free Meals")


def plan_of(value: str | None, term_name: str | None = None) -> str | None:
    """The plan ("medicaid", "medicare", "private", "none": self-pay) one payment or insurance
    attribute names, by its value or else its term's name; ``None`` if neither reads as one."""
    for word in (value, term_name):
        plan = PLAN_WORDS.get((word or "").strip().lower())
        if plan:
            return plan
    return None


def plans_accepted(attributes: Iterable[tuple[str | None, str | None, str | None]]) -> frozenset[str] | None:
    """Plans taken, from (link_type, value, term name) of the service's attributes; link types
    ``insurance``, ``payment_accepted`` and ``insurance_accepted`` all count. ``None``: the
    service states no plan we can read."""
    found = {
        plan
        for link_type, value, name in attributes
        if (link_type or "").strip().lower() in PAYMENT_LINKS and (plan := plan_of(value, name))
    }
    return frozenset(found) if found else None


def cost(
    options: Iterable[tuple[str | None, float | None, str | None]],
    fees_text: str | None = None,
    term_names: Iterable[str] = (),
) -> str | None:
    """ "free", "sliding" (a scale for people without insurance) or None (not stated), from
    cost options (option, amount, amount description), the fee text and the service's term
    names ("Free Meals")."""
    texts = [" ".join(x for x in (o, d) if x) for o, _a, d in options]
    amounts = [a for _o, a, _d in options]
    if any(a == 0 for a in amounts) or any(_FREE.search(t) for t in texts):
        return "free"
    if fees_text and _FREE.search(fees_text):
        return "free"
    if any(_FREE_WORD.search(n) for n in term_names):
        return "free"
    if any(_SLIDING.search(t) for t in texts) or (fees_text and _SLIDING.search(fees_text)):
        return "sliding"
    return None


# ---------------------------------------------------------------- required documents

_ID_WORDS = re.compile(
    r"\b(id|i\.d\.|identification|photo id|driver'?s licen[cs]e|passport|state id)\b", re.IGNORECASE
)
_HELP = re.compile(
    r"\b(help|helps|helping|assist\w*)\b|\bor\b[^)]*\b(get|getting|obtain\w*)\b", re.IGNORECASE
)


@dataclass(frozen=True)
class Document:
    """One required document: is it an ID, and does the provider help to get it?"""

    text: str
    identity: bool
    help_offered: bool

    @property
    def bars_without_it(self) -> bool:
        """A person without this document cannot come: an ID asked for with no help offered."""
        return self.identity and not self.help_offered


def documents(texts: Iterable[str | None]) -> tuple[Document, ...]:
    """The required documents, each read once. "Photo ID (or help getting one)" is a note for
    the worker, not a bar: the provider helps a person without ID."""
    found = [t.strip() for t in texts if t and t.strip()]
    return tuple(Document(t, bool(_ID_WORDS.search(t)), bool(_HELP.search(t))) for t in found)


def id_bar(docs: Iterable[Document]) -> Document | None:
    """The first document that keeps out a person without ID, if any."""
    return next((d for d in docs if d.bars_without_it), None)


# ---------------------------------------------------------------- capacity and its age

# What kind of figure a unit is, by its name: beds change by the night, a waitlist by the week.
_WAITLIST = re.compile(r"\bwait(ing)?[ _-]?lists?\b|\bwaitlist", re.IGNORECASE)
_BEDS = re.compile(r"\b(beds?|cots?|cribs?|mats?|bunks?|rooms?)\b", re.IGNORECASE)
_SLOTS = re.compile(r"\b(slots?|appointments?|seats?|spots?|sessions?)\b", re.IGNORECASE)
UNIT_KINDS = ("bed", "waitlist", "slot", "other")


def unit_kind(unit: str | None) -> str:
    """``bed``, ``waitlist``, ``slot`` or ``other``, from the unit's name ("Women's beds",
    "Waiting list", "appointment"). A waitlist figure is how many people wait, never places free."""
    name = (unit or "").replace("_", " ")
    if _WAITLIST.search(name):
        return "waitlist"
    if _BEDS.search(name):
        return "bed"
    if _SLOTS.search(name):
        return "slot"
    return "other"


@dataclass(frozen=True)
class MaxAges:
    """How many hours a figure stays fresh, by its unit's kind (the deployment's settings):
    beds change by the night, a waitlist by the week; any other unit takes ``other``."""

    bed: float = 12.0
    waitlist: float = 168.0
    other: float = 24.0

    def hours(self, unit: str | None) -> float:
        kind = unit_kind(unit)
        return self.bed if kind == "bed" else self.waitlist if kind == "waitlist" else self.other

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> MaxAges:
        """From the app's settings (``CAPACITY_STALE_HOURS`` and its per-kind keys)."""
        return cls(
            bed=float(config.get("CAPACITY_STALE_HOURS_BEDS", cls.bed)),
            waitlist=float(config.get("CAPACITY_STALE_HOURS_WAITLIST", cls.waitlist)),
            other=float(config.get("CAPACITY_STALE_HOURS", cls.other)),
        )


@dataclass(frozen=True)
class FreePlaces:
    """A provider's figure of free places with its age; a stale figure is shown, never trusted.
    `available` is what is free: the figure minus the units `held` against it (for a waitlist,
    how many people wait)."""

    unit: str | None
    available: float
    maximum: float | None
    updated: dt.datetime | None
    age_hours: float | None
    stale: bool
    held: float = 0.0
    kind: str = "other"
    max_age_hours: float = 24.0

    @property
    def places_free(self) -> bool:
        """Counts as a place free now: a fresh figure above zero that is not a waitlist. The
        search filter, the ranking and matching all ask this."""
        return not self.stale and self.kind != "waitlist" and self.available > 0


def _aware(value: dt.datetime | str | None) -> dt.datetime | None:
    if isinstance(value, str):
        value = dt.datetime.fromisoformat(value)
    if value is not None and value.tzinfo is None:
        value = value.replace(tzinfo=dt.UTC)  # the catalog stores UTC
    return value


def free_places(
    unit: str | None,
    available: float,
    maximum: float | None,
    updated: dt.datetime | str | None,
    now: dt.datetime,
    max_age: MaxAges | float,
    held: float = 0,
) -> FreePlaces:
    """One figure as it may be used now: older than its unit's maximum age (``max_age``, or
    one number of hours for every unit) or undated, it is stale.

    Free is the figure minus ``held``: the holds active now and those accepted since the
    figure (``catalog.capacity`` counts them), never below zero."""
    when = _aware(updated)
    hours = max_age.hours(unit) if isinstance(max_age, MaxAges) else float(max_age)
    age = (now - when).total_seconds() / 3600 if when is not None else None
    stale = age is None or age > hours
    taken = float(held or 0)
    free = max(0.0, float(available) - taken) if taken else float(available)
    most = None if maximum is None else float(maximum)
    return FreePlaces(unit, free, most, when, age, stale, taken, unit_kind(unit), hours)


# ---------------------------------------------------------------- languages and accessibility

# The English names (as records give them), never translated: they are read, not shown.
_LANGUAGE_NAMES = {name.lower(): code for code, name in phrases.LANGUAGES.items()}
# ISO 639-2/3 codes sources use for the languages Linkage names (HSDS asks for ISO 639-1).
_THREE_LETTER = {
    "eng": "en", "spa": "es", "fra": "fr", "fre": "fr", "zho": "zh", "chi": "zh", "vie": "vi",
    "ara": "ar", "kor": "ko", "rus": "ru", "som": "so", "hat": "ht", "por": "pt", "tgl": "tl",
    "nep": "ne", "amh": "am", "ukr": "uk", "pol": "pl", "deu": "de", "ger": "de", "ita": "it",
}  # fmt: skip


def language_code(value: str | None) -> str | None:
    """ISO 639-1 code of a code or name a record or a person gives ("es", "spa", "Spanish",
    "es-MX"); ``None`` for one we cannot place."""
    word = (value or "").strip().lower()
    if not word:
        return None
    if word in _LANGUAGE_NAMES:
        return _LANGUAGE_NAMES[word]
    base = word.replace("_", "-").split("-")[0]
    if len(base) == 2 and base.isalpha():
        return base
    return _THREE_LETTER.get(base)


def languages(stated: Iterable[tuple[str | None, str | None]]) -> frozenset[str]:
    """The languages a service is offered in, as ISO 639-1 codes, from (code, name) of its own
    and its location's language rows: the code where it reads, else the name."""
    return frozenset(c for code, name in stated if (c := language_code(code) or language_code(name)))


def speaks(codes: frozenset[str], wanted: str) -> bool:
    """Offered in this language? A service stating no language is taken to work in English."""
    return wanted in codes or (not codes and wanted == "en")


_ACCESS = re.compile(r"wheelchair|accessib|\bada\b", re.IGNORECASE)


def accessibility(rows: Iterable[str | None], term_names: Iterable[str] = ()) -> tuple[str, ...]:
    """What a location says about access (each accessibility row's text), and the service's
    terms that say it ("Wheelchair Accessible"); empty: not stated."""
    lines = [r.strip() for r in rows if r and r.strip()]
    lines += [n for n in term_names if _ACCESS.search(n)]
    return tuple(dict.fromkeys(lines))
