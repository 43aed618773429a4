"""The referral lifecycle as data: which move each side may make, and the reasons it needs.

Statuses are the HL7 FHIR SDOH Clinical Care (Gravity) Task statuses. `TRANSITIONS` maps a
status to the statuses it may move to and who may make each move: `provider` (the
receiving provider's users, or whoever follows its signed link) or `team` (the referring
team; a coordinator of that team may do what the team does). A *logged* referral (the
worker phoned the provider) has no provider on Linkage: the team records every move.
This module is pure: `referrals.services.transition` applies it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass

STATUSES = (
    "draft",
    "requested",
    "accepted",
    "rejected",
    "cancelled",
    "in-progress",
    "on-hold",
    "failed",
    "completed",
    "entered-in-error",
)
PROVIDER, TEAM = "provider", "team"

# from -> {to: who}. The provider answers and carries the referral out; the team drafts,
# sends, cancels and corrects a mistake (entered-in-error).
TRANSITIONS: dict[str, dict[str, str]] = {
    "draft": {"requested": TEAM, "cancelled": TEAM, "entered-in-error": TEAM},
    "requested": {
        "accepted": PROVIDER,
        "rejected": PROVIDER,
        "on-hold": PROVIDER,  # the provider asks for more before answering
        "cancelled": TEAM,
        "entered-in-error": TEAM,
    },
    "accepted": {
        "in-progress": PROVIDER,
        "on-hold": PROVIDER,
        "failed": PROVIDER,
        "completed": PROVIDER,
        "cancelled": TEAM,
        "entered-in-error": TEAM,
    },
    "in-progress": {
        "on-hold": PROVIDER,
        "failed": PROVIDER,
        "completed": PROVIDER,
        "cancelled": TEAM,
        "entered-in-error": TEAM,
    },
    "on-hold": {
        "accepted": PROVIDER,
        "rejected": PROVIDER,
        "in-progress": PROVIDER,
        "failed": PROVIDER,
        "completed": PROVIDER,
        "cancelled": TEAM,
        "entered-in-error": TEAM,
    },
    "rejected": {"entered-in-error": TEAM},
    "cancelled": {"entered-in-error": TEAM},
    "failed": {"entered-in-error": TEAM},
    "completed": {"entered-in-error": TEAM},
    "entered-in-error": {},
}
TERMINAL = frozenset(s for s in STATUSES if not set(TRANSITIONS[s]) - {"entered-in-error"})
# While open, the receiving provider's users see the referral and its client's shared data.
OPEN = frozenset({"requested", "accepted", "in-progress", "on-hold"})
# A reason from REASONS is required for these; `completed` needs an outcome from OUTCOMES.
NEEDS_REASON = frozenset({"rejected", "cancelled", "on-hold", "failed"})
NEEDS_OUTCOME = frozenset({"completed"})
# The hold gives its unit back on these; on acceptance it becomes the person's place.
RELEASES_HOLD = frozenset({"rejected", "cancelled", "failed", "entered-in-error"})

# Defaults of the deployment's vocabularies (LINKAGE_REFERRAL_REASONS, _OUTCOMES): code -> label.
REASONS: dict[str, str] = {
    "no-capacity": "no capacity",
    "not-eligible": "not eligible",
    "could-not-contact": "could not contact",
    "client-declined": "client declined",
    "client-did-not-arrive": "client did not arrive",
    "referred-elsewhere": "referred elsewhere",
    "other": "other",
}
OUTCOMES: dict[str, str] = {"got-help": "got help", "enrolled": "enrolled", "waitlisted": "waitlisted"}
# The code whose reason must carry words of its own (in `note`).
OTHER = "other"
# Default follow-up: hours after entering a status until the referral is overdue.
FOLLOW_UP_HOURS: dict[str, float] = {"requested": 24.0, "accepted": 72.0}


def movers(mode: str, who: str) -> frozenset[str]:
    """The sides whose moves `who` may make: on a logged referral the team makes them all."""
    if who == TEAM:
        return frozenset({TEAM, PROVIDER}) if mode == "logged" else frozenset({TEAM})
    if who == PROVIDER and mode == "live":
        return frozenset({PROVIDER})
    return frozenset()


def allowed(status: str, mode: str, sides: frozenset[str]) -> list[str]:
    """The statuses an actor standing on `sides` (team, provider, both) may move to now."""
    can: set[str] = set()
    for side in sides:
        can |= movers(mode, side)
    return [to for to, who in TRANSITIONS.get(status, {}).items() if who in can]


@dataclass(frozen=True)
class Vocabulary:
    """Codes and labels of reasons (or outcomes); a person may give either."""

    terms: Mapping[str, str]

    def code_of(self, given: str) -> str | None:
        text = given.strip().lower()
        for code, label in self.terms.items():
            if text in (code.lower(), label.lower()):
                return code
        return None


def due_at(status: str, at: dt.datetime, hours: Mapping[str, float]) -> dt.datetime | None:
    """When a referral entering `status` at `at` needs a follow-up, or None."""
    wait = hours.get(status)
    return None if wait is None else at + dt.timedelta(hours=wait)
