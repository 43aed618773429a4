"""The quick buttons of the field view: a need's code, its label and the search it runs.

A deployment picks which of them it shows, in order, with `LINKAGE_FIELD_NEEDS`; a code not
listed here stops the app at start (`check`), naming the variable.
"""

from __future__ import annotations

from dataclasses import dataclass

from kernel.config import ConfigError
from wording import N_


@dataclass(frozen=True)
class Need:
    code: str
    label: str  # marked with N_: translate with _() where it is shown
    query: str  # the words given to the search engine (its synonyms widen them)


NEEDS: dict[str, Need] = {
    n.code: n
    for n in (
        Need("shelter", N_("Shelter tonight"), "shelter"),
        Need("crisis", N_("Mental-health crisis"), "crisis"),
        Need("detox", N_("Detox"), "detox"),
        Need("domestic-violence", N_("Domestic violence"), "domestic violence"),
        Need("youth", N_("Youth"), "youth"),
        Need("food", N_("Food"), "food"),
        Need("family", N_("Families"), "family"),
        Need("housing", N_("Housing"), "housing"),
        Need("legal", N_("Legal help"), "legal"),
    )
}


def check(codes: tuple[str, ...], variable: str = "LINKAGE_FIELD_NEEDS") -> None:
    """Every configured code must be one of NEEDS."""
    unknown = [c for c in codes if c not in NEEDS]
    if unknown:
        raise ConfigError(f"{variable}: {unknown[0]!r} is not a need; use any of {', '.join(NEEDS)}")


def chosen(codes: tuple[str, ...]) -> list[Need]:
    """The deployment's quick buttons, in its order."""
    return [NEEDS[c] for c in codes if c in NEEDS]
