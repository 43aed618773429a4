"""How well a service fits the needs: exact taxonomy term over broader term over text."""

from __future__ import annotations

import re
from functools import lru_cache

from matching.types import Candidate, ClientNeeds, Need
from wording import _

EXACT, BROADER, TEXT = 1.0, 0.6, 0.3


def need_fit(needs: ClientNeeds, cand: Candidate) -> tuple[float, list[str]]:
    """Mean fit over the needs (a service meeting two needs beats one meeting one), and why.

    With no needs every service fits fully: the worker is browsing by eligibility alone.
    """
    if not needs.needs:
        return 1.0, []
    total = 0.0
    reasons: list[str] = []
    for need in needs.needs:
        value, reason = _one(need, cand)
        total += value
        if reason:
            reasons.append(reason)
    return total / len(needs.needs), reasons


def _one(need: Need, cand: Candidate) -> tuple[float, str | None]:
    exact = need.term_ids & cand.term_ids
    if exact:
        name = cand.term_names.get(min(exact), need.label)
        return EXACT, _("offers %(name)s", name=name)
    broader = need.parent_ids & cand.term_ids
    if broader:
        name = cand.term_names.get(min(broader), need.label)
        return BROADER, _("listed under %(name)s", name=name)
    said = _mentioned(need, cand.text) if cand.text else None
    if said:
        return TEXT, _("mentions “%(words)s”", words=said)
    return 0.0, None


def _mentioned(need: Need, text: str) -> str | None:
    """The phrases of the text that meet each word group ("residential treatment" for
    "rehab"), or None when a group is not met."""
    said = []
    for group in need.word_groups():
        phrase = next((p for p in group if all(_has_word(text, w) for w in p)), None)
        if phrase is None:
            return None
        said.append(" ".join(phrase))
    return " ".join(said) or None


def _has_word(text: str, word: str) -> bool:
    return _word_start(word).search(text) is not None


@lru_cache(maxsize=2048)
def _word_start(word: str) -> re.Pattern[str]:
    """Compiled once per word: a match tests each word against some 60 texts."""
    return re.compile(r"\b" + re.escape(word.lower()))
