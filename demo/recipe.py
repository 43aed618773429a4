"""What a kind of demo service is made of: a recipe and its variants.

A kind says how many services, their names, the Open Eligibility codes that file them
(``types``), the situations that restrict (``eligibility``) or that they serve especially
(``audience``), ages, hours patterns and whether beds are counted.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Variant:
    """One flavour of a kind (the men's shelter vs the women's shelter)."""

    name: str  # "{place}" is replaced by the organization's place word
    description: str
    eligibility: tuple[str, ...] = ()
    audience: tuple[str, ...] = ()
    min_age: int | None = None
    max_age: int | None = None
    who: str | None = None  # eligibility_description


@dataclass(frozen=True)
class Kind:
    key: str
    count: int
    org_names: tuple[str, ...]
    types: tuple[str, ...]
    variants: tuple[Variant, ...]
    hours: tuple[str, ...]  # keys of generate.HOURS
    beds: tuple[int, int] | None = None  # range of maximum beds; None: not tracked
    docs: tuple[str, ...] = ()
    cost: str = "free"  # free | sliding | insurance
    application: str = "Walk in during open hours."
    pets: bool = False
    wait: str | None = None
    extra_langs: float = 1.0
    areas: tuple[str, ...] = field(default=())
