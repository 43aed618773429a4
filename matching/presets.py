"""Quick presets for the match form: the situations workers meet most at night.

Needs are Open Eligibility service names; a catalog filed under other terms still matches
them by words in names and descriptions.
"""

from __future__ import annotations

from typing import Any

PRESETS: dict[str, dict[str, Any]] = {
    "mental_health_crisis": {
        "label": "Mental-health crisis",
        "needs": ["Psychiatric Emergency Services"],
        "urgency": "now",
    },
    "withdrawal": {
        "label": "Withdrawal / detox",
        "needs": ["Detox"],
        "populations": ["Substance Dependency"],
        "urgency": "now",
    },
    "domestic_violence": {
        "label": "Domestic violence",
        "needs": ["Safe Housing"],
        "populations": ["Domestic Violence Survivors"],
        "urgency": "tonight",
    },
    "family_tonight": {
        "label": "Family without a home tonight",
        "needs": ["Emergency Shelter"],
        "household": "family_with_children",
        "populations": ["Homeless"],
        "urgency": "tonight",
    },
    "youth": {
        "label": "Youth on their own",
        "needs": ["Emergency Shelter"],
        "household": "unaccompanied_youth",
        "age": 17,
        "populations": ["Runaways"],
        "urgency": "tonight",
    },
}
