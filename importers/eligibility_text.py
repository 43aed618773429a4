"""Free-text eligibility read, conservatively, into Open Eligibility situations and ages.

Sources write eligibility as prose ("Homeless women, 18 and older", "Veterans only",
"Youth ages 16-24"). Matching needs attributes linking Open Eligibility human-situation
terms (link_type "eligibility") and minimum/maximum ages. Only unambiguous phrases are read:
a gender is taken only when one gender is named ("men and women" says nothing), an age
range only from explicit numbers. The text itself always stays in eligibility_description,
so a worker reads what the source said; nothing read here removes information.

Codes are those of matching/situations.csv (Open Eligibility v2 human situations).
"""

from __future__ import annotations

import re
import uuid
from typing import Any

from catalog import rules

NAMESPACE = uuid.UUID("0b9f3c2e-7d43-5d5e-8a2c-6a4c1f0e9b21")
TAXONOMY_ID = str(uuid.uuid5(NAMESPACE, "taxonomy"))

# (pattern, code, name): each pattern is a whole-word phrase that names only that group.
RULES: tuple[tuple[str, str, str], ...] = (
    (r"veterans?|\bvets\b", "20010", "Veterans"),
    (r"active duty|military (?:members|families)", "20008", "Active Duty"),
    (r"homeless|experiencing homelessness|unhoused", "20058", "Homeless"),
    (r"low[- ]income|income[- ]eligible", "20063", "Low-Income"),
    (r"pregnan(?:t|cy)", "20043", "Pregnant"),
    (r"refugees?|asylum", "20013", "Refugees"),
    (r"immigrants?", "20012", "Immigrants"),
    (r"ex[- ]offenders?|re-?entry|formerly incarcerated", "20016", "Ex-Offenders"),
    (r"seniors?|elderly|older adults", "20006", "Seniors"),
    (r"uninsured", "20065", "Uninsured"),
    (r"runaways?", "20060", "Runaways"),
    (r"foster youth|aged? out of foster", "20040", "Foster Youth"),
    (r"hiv|aids", "20048", "Infectious Disease"),
    (r"families|family", "20054", "Families"),
    (r"caregivers?", "20073", "Caregivers"),
    (r"disabilit(?:y|ies)|disabled", "20017", "Disability"),
    (r"substance (?:use|abuse|dependency)|addiction", "20050", "Substance Dependency"),
)
_COMPILED = [(re.compile(rf"\b(?:{p})\b", re.IGNORECASE), code, name) for p, code, name in RULES]
_RANGE = re.compile(
    r"\b(?:ages?\s*)?(\d{1,2})\s*(?:-|–|to|through)\s*(\d{1,2})\s*(?:years?|yrs?|y/?o)?", re.IGNORECASE
)
_MIN = re.compile(
    r"\b(?:(\d{1,2})\s*(?:\+|(?:years?(?: of age)?\s*)?(?:and|or)\s*(?:older|over|up))"
    r"|(?:over|older than|at least)\s*(\d{1,2}))",
    re.IGNORECASE,
)
_MAX = re.compile(r"\b(?:under|younger than|below)\s*(\d{1,2})", re.IGNORECASE)
_AGE_CONTEXT = re.compile(
    r"\b(ages?|aged|years?|yrs?|old|older|over|under|adults?|youth|children|seniors?)\b|\d\+", re.IGNORECASE
)


def situations(text: str) -> dict[str, str]:
    """Open Eligibility codes (code -> name) named without ambiguity in the text."""
    out: dict[str, str] = {}
    for gender in rules.genders_named(text):  # the one reading of a gender in prose
        out[rules.CODE_OF_GENDER[gender]] = {"female": "Women", "male": "Men"}[gender]
    for pattern, code, name in _COMPILED:
        if pattern.search(text):
            out[code] = name
    return out


def ages(text: str) -> tuple[float | None, float | None]:
    """(minimum, maximum) age when the text states them with numbers and an age word."""
    if not _AGE_CONTEXT.search(text):
        return None, None
    m = _RANGE.search(text)
    if m:
        lo, hi = int(m.group(1)), int(m.group(2))
        if lo < hi <= 120:
            return float(lo), float(hi)
    lo_m, hi_m = _MIN.search(text), _MAX.search(text)
    lo = float(lo_m.group(1) or lo_m.group(2)) if lo_m else None
    hi = float(hi_m.group(1)) - 1 if hi_m else None
    if lo is not None and hi is not None and lo > hi:
        return None, None
    return lo, hi


def term_id(code: str) -> str:
    """One id per Open Eligibility code for every source, so terms are shared, not copied."""
    return str(uuid.uuid5(NAMESPACE, f"open-eligibility:{code}"))


def eligibility_attributes(link_sid: str, text: str) -> list[dict[str, Any]]:
    """Attribute rows (link_type "eligibility") for the situations the text names ("code" is extra)."""
    return [
        {
            "id": f"{link_sid}/eligibility/{code}",
            "link_entity": "service",
            "link_type": "eligibility",
            "taxonomy_term_id": term_id(code),
            "label": name,
            "code": code,
        }
        for code, name in situations(text).items()
    ]


def term_rows(codes: dict[str, str]) -> list[tuple[str, dict[str, Any]]]:
    """The taxonomy and term rows the attributes point at, as (table, data)."""
    rows: list[tuple[str, dict[str, Any]]] = [
        (
            "taxonomy",
            {
                "id": TAXONOMY_ID,
                "name": "Open Eligibility",
                "description": "Open Eligibility v2",
                "uri": "https://openeligibility.org",
                "version": "2.0",
            },
        ),
    ]
    for code, name in sorted(codes.items()):
        rows.append(
            (
                "taxonomy_term",
                {
                    "id": term_id(code),
                    "code": code,
                    "name": name,
                    "description": name,
                    "taxonomy": "Open Eligibility",
                    "taxonomy_id": TAXONOMY_ID,
                },
            )
        )
    return rows
