"""Open Eligibility "human situations": codes, names, groups and friendly aliases.

The facts come from the Open Eligibility taxonomy v2.0 (situations facet) and live in
``situations.csv`` next to this module, so a deployment can read and review them. Each
group says what to do when a service restricts by it and the client did not say:

- ``client``: the group follows from a client field (age, gender, household, insurance,
  languages); when that field is missing the rule is unchecked, not failed.
- ``fail``: the group follows from the client's ``populations``; a situation not listed
  there is taken as not applying (a veterans-only program is not offered to a
  non-veteran).
- ``check``: not listing it proves nothing (low income, homeless): the service is kept and
  flagged for the worker to confirm.
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

DATA_FILE = Path(__file__).with_name("situations.csv")

ANYONE = "20001"
ALL_SURVIVORS = "20080"
SURVIVORS = "20079"

# Codes the matching rules derive from client fields.
ADULTS, TEENS, CHILDREN, SENIORS = "20003", "20004", "20005", "20006"
WOMEN, MEN, TRANSGENDER = "20036", "20037", "20038"
INDIVIDUALS, FAMILIES = "20053", "20054"
PARENTS = "20076"
UNINSURED = "20065"
LIMITED_ENGLISH = "20067"
AGE_GROUP, GENDER_GROUP, HOUSEHOLD_GROUP, INSURANCE_GROUP, LANGUAGE_GROUP = (
    "20002",
    "20035",
    "20052",
    "20064",
    "20066",
)

SENIOR_AGE = 60  # Older Americans Act programs start at 60; most senior services follow.


@dataclass(frozen=True)
class Group:
    code: str
    name: str
    unlisted: str  # "client", "fail" or "check"


@dataclass(frozen=True)
class Situation:
    code: str
    name: str
    group: str
    aliases: tuple[str, ...]


class UnknownPopulation(ValueError):
    """A population the taxonomy and its aliases do not know."""


def _key(text: str) -> str:
    return re.sub(r"[\s_]+", " ", text.strip().lower())


@cache
def _load() -> tuple[dict[str, Group], dict[str, Situation], dict[str, frozenset[str]]]:
    groups: dict[str, Group] = {}
    situations: dict[str, Situation] = {}
    lookup: dict[str, set[str]] = {}
    with DATA_FILE.open(newline="", encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            code, name = row["code"], row["name"]
            if not row["group_code"]:
                groups[code] = Group(code, name, row["unlisted"])
                continue
            aliases = tuple(a for a in row["aliases"].split(";") if a)
            situations[code] = Situation(code, name, row["group_code"], aliases)
            for word in (code, name, *aliases):
                lookup.setdefault(_key(word), set()).add(code)
    return groups, situations, {k: frozenset(v) for k, v in lookup.items()}


def groups() -> dict[str, Group]:
    return _load()[0]


def situations() -> dict[str, Situation]:
    return _load()[1]


def resolve(text: str) -> frozenset[str]:
    """Situation codes for a code, a name or an alias (``"dv"``, ``"veteran"``, ``"20010"``).

    Some names sit in two groups ("Mental Illness" is both a disability and a health
    situation); the client is then in both.
    """
    codes = _load()[2].get(_key(text))
    if not codes:
        raise UnknownPopulation(f"unknown population {text!r}")
    return codes


def code_for_term(code: str | None, name: str | None) -> str | None:
    """The situation code a catalog taxonomy term stands for, by its code or else its name."""
    table = _load()
    if code and code in table[1]:
        return code
    if name:
        found = table[2].get(_key(name))
        if found and len(found) == 1:
            return next(iter(found))
        if found:
            exact = [c for c in sorted(found) if _key(table[1][c].name) == _key(name)]
            return exact[0] if exact else None
    return None


def label(code: str) -> str:
    sit = situations().get(code)
    return sit.name if sit else code


def group_of(code: str) -> str | None:
    sit = situations().get(code)
    return sit.group if sit else None
