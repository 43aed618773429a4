"""The follow-through component with the provider's time to answer (pure: no database)."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from matching import ReferralStats, rank
from matching.reasons import duration
from tests.matching.match_factories import NOW, cand, person


def follow_through(stats: ReferralStats | None) -> float:
    (match,) = rank(person(), [cand("only", referrals=stats)], NOW).matches
    return match.components["follow_through"]


def test_without_an_answer_time_the_component_is_the_shares_and_the_prior() -> None:
    assert follow_through(None) == follow_through(ReferralStats(0, 0, 0))
    assert follow_through(None) == 0.6  # 5 prior referrals: 70 % accepted, 50 % completed
    assert follow_through(ReferralStats(4, 4, 4, None)) > follow_through(None)


def test_the_prompter_of_two_equal_providers_ranks_first() -> None:
    catalog = [
        cand("slow", referrals=ReferralStats(10, 8, 6, 60.0)),
        cand("prompt", referrals=ReferralStats(10, 8, 6, 0.5)),
    ]
    result = rank(person(), catalog, NOW)
    assert [m.service_id for m in result.matches] == ["prompt", "slow"]
    prompt = result.matches[0]
    assert "accepted 8 of 10 referrals, 6 completed, answered in under an hour on average" in prompt.reasons


@settings(max_examples=60, deadline=None)  # no timed tests: a loaded machine must not fail it
@given(
    st.integers(0, 50),
    st.floats(0, 500, allow_nan=False),
    st.floats(0, 500, allow_nan=False),
)
def test_sooner_never_scores_lower(total: int, a: float, b: float) -> None:
    soon, late = sorted((a, b))
    accepted = total // 2
    assert follow_through(ReferralStats(total, accepted, accepted // 2, soon)) >= follow_through(
        ReferralStats(total, accepted, accepted // 2, late)
    )


def test_durations_read_plainly() -> None:
    assert duration(0.2) == "under an hour"
    assert duration(5.4) == "5 h"
    assert duration(80) == "3 days"
