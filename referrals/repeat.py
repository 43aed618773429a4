"""Recognising a repeat client within a team, as proposals with reasons; never a merge.

A client referred again is often typed differently: "J. Smith" for "John Smith", "Smith,
John", "Jose" for "José", a typo, initials only, an age instead of a birth year. This scores
how alike a new client is to each of the team's known clients, from the display name
(rapidfuzz: words paired order-blind by Jaro-Winkler, letters run together, a containing
name, initials standing for names), the
birth year (the same, or one apart when either side came from an age) and the phone digits,
and proposes those above `THRESHOLD`, best first, each with the reasons a worker reads
("same phone", "name 92% alike", "same birth year"). The worker confirms or says it is
someone else; nothing here changes a record.

Pure: plain values in, plain values out; whatever feeds it reads only the team's own clients.
"""

from __future__ import annotations

import re
import unicodedata
import uuid
from collections.abc import Iterable
from dataclasses import dataclass

from rapidfuzz import fuzz
from rapidfuzz.distance import JaroWinkler

THRESHOLD = 90.0  # points (below) a proposal needs
LIMIT = 5  # proposals shown at most
SAME_YEAR, NEAR_YEAR, OTHER_YEAR = 10.0, 5.0, -60.0  # points for the birth year
SAME_PHONE = 40.0  # points for the same phone number
PHONE_NAME_FLOOR = 50.0  # the same phone counts only with a name at least this alike
INITIALS_CAP = 90.0  # a name matched through initials is never more than this alike
CONTAINED_CAP = 95.0  # nor one whose every token is in the other (a second surname)
WORD_ALIKE = 0.85  # Jaro-Winkler similarity from which two words count as the same word typed
_WORD = re.compile(r"[^\W\d_]+", re.UNICODE)


@dataclass(frozen=True)
class Person:
    """What is known of a client for recognising them again (no more)."""

    display_name: str | None = None
    birth_year: int | None = None
    age_given: bool = False  # the birth year was worked out from an age: it may be one off
    phone: str | None = None

    @classmethod
    def from_age(cls, display_name: str | None, age: int, this_year: int, phone: str | None = None) -> Person:
        return cls(display_name, this_year - age, True, phone)


@dataclass(frozen=True)
class Known:
    """A client the team already has."""

    id: uuid.UUID
    person: Person


@dataclass(frozen=True)
class Proposal:
    """A known client who may be the same person, with why."""

    client_id: uuid.UUID
    score: float  # 0-100, for ordering; the reasons are what a person reads
    reasons: tuple[str, ...]

    def describe(self) -> str:
        return ", ".join(self.reasons)


def tokens(name: str | None) -> list[str]:
    """Lower-case words without accents or punctuation ("Ó'Brien, José" -> ["obrien", "jose"])."""
    if not name:
        return []
    bare = "".join(c for c in unicodedata.normalize("NFKD", name) if not unicodedata.combining(c))
    bare = re.sub(r"['’`]", "", bare)  # O'Brien is one word
    words = _WORD.findall(bare.lower())
    if len(words) == 1 and 2 <= len(name.strip()) <= 3 and name.strip().isupper():
        return list(words[0])  # "JS": initials written together
    return words


def phone_digits(phone: str | None) -> str | None:
    """The number's last ten digits (a North American country code dropped), or None if too short."""
    if not phone:
        return None
    digits = re.sub(r"\D", "", phone)
    if len(digits) < 7:
        return None
    return digits[-10:]


def _expand_initials(short: list[str], full: list[str]) -> tuple[list[str], bool]:
    """Each one-letter token of `short` replaced by an unused token of `full` it begins."""
    unused = [t for t in full if len(t) > 1 and t not in short]
    out, used = [], False
    for t in short:
        if len(t) == 1:
            hit = next((u for u in unused if u.startswith(t)), None)
            if hit is not None:
                unused.remove(hit)
                out.append(hit)
                used = True
                continue
        out.append(t)
    return out, used


def _aligned(ta: list[str], tb: list[str]) -> float:
    """Word by word, order-blind: the most alike pairs of words first (Jaro-Winkler, which
    forgives a swapped pair of letters: "Jhon", "Smtih"); weakly alike pairs count half,
    unpaired words nothing, longer words more."""
    pairs = sorted(
        ((JaroWinkler.normalized_similarity(a, b), i, j) for i, a in enumerate(ta) for j, b in enumerate(tb)),
        reverse=True,
    )
    used_a: set[int] = set()
    used_b: set[int] = set()
    num = 0.0
    for sim, i, j in pairs:
        if i in used_a or j in used_b:
            continue
        used_a.add(i)
        used_b.add(j)
        num += (sim if sim >= WORD_ALIKE else sim / 2) * (len(ta[i]) + len(tb[j]))
    return 100.0 * num / (sum(map(len, ta)) + sum(map(len, tb)))


def name_likeness(a: str | None, b: str | None) -> float:
    """How alike two display names are, 0-100 (order of words, accents and case aside)."""
    ta, tb = tokens(a), tokens(b)
    if not ta or not tb:
        return 0.0
    best = _aligned(ta, tb)
    if len(ta) != len(tb):  # "Al-Sayed" written "Alsayed": compare the letters run together
        joined = "".join(ta)
        best = max(best, fuzz.ratio(joined, "".join(tb)), fuzz.ratio(joined, "".join(reversed(tb))))
    if len(set(ta) & set(tb)) >= 2:  # "Maria Okafor" within "Maria Okafor Reyes"
        best = max(best, min(CONTAINED_CAP, fuzz.token_set_ratio(" ".join(ta), " ".join(tb))))
    for short, full in ((ta, tb), (tb, ta)):
        expanded, used = _expand_initials(short, full)
        if used:
            best = max(best, min(INITIALS_CAP, _aligned(expanded, full)))
    if all(len(t) == 1 for t in ta) or all(len(t) == 1 for t in tb):  # initials only: "J.S."
        ia, ib = "".join(t[0] for t in ta), "".join(t[0] for t in tb)
        if len(ia) >= 2 and (ia == ib or ia == ib[::-1]):
            best = max(best, INITIALS_CAP - 5)
    return float(best)


def compare(new: Person, known: Person) -> tuple[float, tuple[str, ...]]:
    """Points (about 0-150) that the two are one person, and the reasons that gave them."""
    name = name_likeness(new.display_name, known.display_name)
    points, why = name, []
    if name >= 60:
        why.append(f"name {round(name)}% alike" if name < 100 else "same name")
    if new.birth_year is not None and known.birth_year is not None:
        gap = abs(new.birth_year - known.birth_year)
        if gap == 0:
            points += SAME_YEAR
            why.append("same birth year")
        elif gap == 1 and (new.age_given or known.age_given):
            points += NEAR_YEAR
            why.append("birth year one apart (an age was given)")
        else:
            points += OTHER_YEAR
    pa, pb = phone_digits(new.phone), phone_digits(known.phone)
    if pa is not None and pa == pb and name >= PHONE_NAME_FLOOR:
        points += SAME_PHONE
        why.insert(0, "same phone")
    return points, tuple(why)


def propose(
    new: Person, known: Iterable[Known], threshold: float = THRESHOLD, limit: int = LIMIT
) -> list[Proposal]:
    """The known clients who may be `new`, best first, above the threshold; never merged."""
    found = []
    for k in known:
        points, why = compare(new, k.person)
        if points >= threshold:
            found.append((points, k.id, why))
    found.sort(key=lambda f: (-f[0], str(f[1])))
    return [Proposal(cid, round(min(100.0, points), 1), why) for points, cid, why in found[:limit]]
