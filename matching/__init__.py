"""Matching: rank providers for one client's needs by eligibility, capacity and distance.

The core (``rank``, its dataclasses in ``types``, rules, score and reasons) is pure. ``queries``
(catalog -> candidates) and ``views`` (HTTP) are the only modules touching the database or
Flask and are not imported here.
"""

from matching.core import rank
from matching.types import (
    Area,
    Candidate,
    Capacity,
    Check,
    ClientNeeds,
    Exclusion,
    Match,
    Need,
    Ranking,
    ReferralStats,
    Status,
)
from matching.weights import Weights

__all__ = [
    "Area",
    "Candidate",
    "Capacity",
    "Check",
    "ClientNeeds",
    "Exclusion",
    "Match",
    "Need",
    "Ranking",
    "ReferralStats",
    "Status",
    "Weights",
    "rank",
]
