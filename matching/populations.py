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

from wording import N_, _

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

# Every name in ``situations.csv``, marked so that `make messages` offers it for translation
# (Babel reads Python, not CSV); a test holds the two lists equal.
NAMES = (
    N_("Abuse or Neglect Survivors"),
    N_("Active Duty"),
    N_("Adults"),
    N_("African American"),
    N_("Age Group"),
    N_("All Survivors"),
    N_("Alzheimers"),
    N_("Anyone in Need"),
    N_("Armed Forces"),
    N_("Asian"),
    N_("Benefit Recipients"),
    N_("Burn Survivors"),
    N_("Cancer"),
    N_("Caregivers"),
    N_("Children"),
    N_("Chronic Illness"),
    N_("Citizenship"),
    N_("Criminal History"),
    N_("Dependents"),
    N_("Developmental Disability"),
    N_("Disability"),
    N_("Domestic Violence Survivors"),
    N_("Dropouts"),
    N_("Education"),
    N_("Emotional State"),
    N_("Employed"),
    N_("Employment"),
    N_("Ex-Offenders"),
    N_("Families"),
    N_("Fathers"),
    N_("Foster Youth"),
    N_("Gender"),
    N_("General"),
    N_("Grieving"),
    N_("Guardianship"),
    N_("Health"),
    N_("Hearing Impairment"),
    N_("Home Owners"),
    N_("Home Renters"),
    N_("Homeless"),
    N_("Hospitalized"),
    N_("Household"),
    N_("Housing"),
    N_("Human Trafficking Survivors"),
    N_("Immigrants"),
    N_("In Crisis"),
    N_("In Danger"),
    N_("Income"),
    N_("Individuals"),
    N_("Infectious Disease"),
    N_("Insurance"),
    N_("Intellectual Disability"),
    N_("LGBTQ"),
    N_("Language"),
    N_("Latino"),
    N_("Learning Disability"),
    N_("Limited English"),
    N_("Limited Mobility"),
    N_("Low-Income"),
    N_("Men"),
    N_("Mental Illness"),
    N_("Mentally Incapacitated"),
    N_("Mothers"),
    N_("National Guard"),
    N_("Natural Disaster Survivors"),
    N_("Near Homeless"),
    N_("Neuromuscular Disease"),
    N_("Parents"),
    N_("Physical Disability"),
    N_("Pregnant"),
    N_("Race/Ethnicity"),
    N_("Refugees"),
    N_("Retirement"),
    N_("Role"),
    N_("Runaways"),
    N_("Seizure Disorder"),
    N_("Seniors"),
    N_("Sexual Assault Survivors"),
    N_("Sexuality"),
    N_("Spouses"),
    N_("Students"),
    N_("Substance Dependency"),
    N_("Survivors"),
    N_("Teens"),
    N_("Terminal Illness"),
    N_("Transgender"),
    N_("Undocumented"),
    N_("Unemployed"),
    N_("Uninsured"),
    N_("Urgency"),
    N_("Veterans"),
    N_("Visual Impairment"),
    N_("Women"),
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
    """A situation's name in the reader's language ("Veterans", "Veteranos")."""
    sit = situations().get(code)
    return _(sit.name) if sit else code


def group_of(code: str) -> str | None:
    sit = situations().get(code)
    return sit.group if sit else None
