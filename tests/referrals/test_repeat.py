"""Repeat clients: realistic near-duplicates are proposed with their reasons, clear
non-matches are not, and nothing is ever merged (the function only reads)."""

from __future__ import annotations

import uuid

import pytest

from referrals import repeat
from referrals.repeat import Known, Person


def known(name: str | None, year: int | None = None, phone: str | None = None, age: bool = False) -> Known:
    return Known(uuid.uuid5(uuid.NAMESPACE_URL, f"{name}/{year}/{phone}"), Person(name, year, age, phone))


TEAM = [
    known("John Smith", 1984, "(614) 555-0142"),
    known("Maria Okafor", 1979),
    known("José García", 1990),
    known("Mohamed Alsayed", 1971),
    known("Wei Li", 2001),
    known("Aaliyah Brooks", 1996, "614-555-0199"),
    known("Dana Reyes", 1988),
    known("John Smith", 1951),  # the father: same name, another generation
]
BY_NAME = {(k.person.display_name, k.person.birth_year): k.id for k in TEAM}


def top(person: Person) -> repeat.Proposal:
    found = repeat.propose(person, TEAM)
    assert found, f"no proposal for {person}"
    return found[0]


@pytest.mark.parametrize(
    ("typed", "year", "expected"),
    [
        ("J. Smith", 1984, ("John Smith", 1984)),  # an initial for the first name
        ("Smith, John", 1984, ("John Smith", 1984)),  # swapped, with a comma
        ("Jhon Smtih", 1984, ("John Smith", 1984)),  # two transposition typos
        ("Jose Garcia", 1990, ("José García", 1990)),  # accents dropped
        ("JOSÉ GARCÍA", 1990, ("José García", 1990)),  # capitals
        ("Maria Okafor-Reyes", 1979, ("Maria Okafor", 1979)),  # a second surname added
        ("Mohammed Al-Sayed", 1971, ("Mohamed Alsayed", 1971)),  # spelling and a hyphen
        ("Li Wei", 2001, ("Wei Li", 2001)),  # family name first
        ("Aliyah Brooks", 1996, ("Aaliyah Brooks", 1996)),  # a letter fewer
        ("M.O.", 1979, ("Maria Okafor", 1979)),  # initials only
        ("MO", 1979, ("Maria Okafor", 1979)),  # initials written together
    ],
)
def test_near_duplicates_are_proposed(typed: str, year: int, expected: tuple[str, int]) -> None:
    best = top(Person(typed, year))
    assert best.client_id == BY_NAME[expected]
    assert "same birth year" in best.reasons


def test_reasons_read_as_the_worker_sees_them() -> None:
    best = top(Person("Jhon Smith", 1984))
    assert best.describe() == "name 97% alike, same birth year"
    assert top(Person("John Smith", 1984)).describe() == "same name, same birth year"


def test_same_phone_leads_the_reasons() -> None:
    best = top(Person("Johnny Smith", None, phone="+1 614 555 0142"))
    assert best.client_id == BY_NAME[("John Smith", 1984)]
    assert best.reasons[0] == "same phone"


def test_age_given_allows_a_year_either_side() -> None:
    # 41 in 2026 is born 1985 or 1984: one year off the record, allowed because an age was given.
    person = Person.from_age("John Smith", 41, 2026)
    best = top(person)
    assert best.client_id == BY_NAME[("John Smith", 1984)]
    assert "birth year one apart (an age was given)" in best.reasons
    assert not repeat.propose(Person("John Smith", 1985), [known("John Smith", 1983)])


def test_exact_years_one_apart_are_not_the_same_birth_year() -> None:
    points_exact, why = repeat.compare(Person("Dana Reyes", 1989), Person("Dana Reyes", 1988))
    assert "same birth year" not in why
    assert points_exact < repeat.THRESHOLD


def test_same_name_other_generation_is_not_proposed() -> None:
    found = repeat.propose(Person("John Smith", 1984), TEAM)
    assert [p.client_id for p in found] == [BY_NAME[("John Smith", 1984)]]


def test_same_name_without_a_year_proposes_both_namesakes() -> None:
    found = repeat.propose(Person("John Smith"), TEAM)
    assert {p.client_id for p in found} == {BY_NAME[("John Smith", 1984)], BY_NAME[("John Smith", 1951)]}


@pytest.mark.parametrize(
    ("typed", "year", "phone"),
    [
        ("Jane Smith", 1984, None),  # another first name, same surname and year
        ("Dana Reyes", 1962, None),  # same name, 26 years apart
        ("Tom Baker", 1984, None),
        ("Kim Nguyen", 2001, None),
        ("Daniel Lee", 1988, None),
        ("Grace Park", 1979, "(614) 555-0142"),  # a shared family phone, another person
        ("", 1984, None),
        (None, None, None),
    ],
)
def test_clear_non_matches_are_not_proposed(typed: str | None, year: int | None, phone: str | None) -> None:
    assert repeat.propose(Person(typed, year, phone=phone), TEAM) == []


def test_best_first_and_limited() -> None:
    many = [known(f"John Smith {suffix}", 1984) for suffix in ("A", "B", "C", "D", "E", "F")]
    exact = known("John Smith", 1984)
    found = repeat.propose(Person("John Smith", 1984), [*many, exact], limit=3)
    assert len(found) == 3
    assert found[0].client_id == exact.id
    assert [p.score for p in found] == sorted((p.score for p in found), reverse=True)
    assert all(0 <= p.score <= 100 for p in found)


def test_propose_reads_only() -> None:
    team = list(TEAM)
    before = [(k.id, k.person) for k in team]
    repeat.propose(Person("J. Smith", 1984), team)
    assert [(k.id, k.person) for k in team] == before


@pytest.mark.parametrize(
    ("raw", "digits"),
    [
        ("(614) 555-0142", "6145550142"),
        ("+1 614 555 0142", "6145550142"),
        ("555-0142", "5550142"),
        ("911", None),
        (None, None),
    ],
)
def test_phone_digits(raw: str | None, digits: str | None) -> None:
    assert repeat.phone_digits(raw) == digits


def test_tokens_drop_accents_and_punctuation() -> None:
    assert repeat.tokens("Seán Ó'Brien-Núñez") == ["sean", "obrien", "nunez"]
    assert repeat.tokens("JS") == ["j", "s"]
    assert repeat.tokens("Al") == ["al"]  # a short name, not initials
    assert repeat.tokens(None) == []
