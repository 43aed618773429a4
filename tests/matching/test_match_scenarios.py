"""Hand-written catalogs where the right answer is known."""

from __future__ import annotations

from datetime import timedelta

from matching import populations as pop
from matching import rank
from tests.matching.match_factories import HOME, NOW, cand, person

VETERANS, WOMEN, MEN, FAMILIES, INDIVIDUALS = "20010", "20036", "20037", "20054", "20053"


def ids(ranking):
    return [m.service_id for m in ranking.matches]


def why_not(ranking, service_id):
    return next(e.reasons for e in ranking.excluded if e.service_id == service_id)


def test_youth_not_matched_to_adults_only_shelter():
    catalog = [
        cand("adult-shelter", minimum_age=18),
        cand("youth-shelter", minimum_age=12, maximum_age=24),
    ]
    result = rank(person(age=17), catalog, NOW)
    assert ids(result) == ["youth-shelter"]
    assert why_not(result, "adult-shelter") == ["serves ages 18 and over; client is 17"]
    assert "serves ages 12-24" in result.matches[0].reasons


def test_non_veteran_not_offered_veterans_only_program():
    catalog = [cand("vet-house", eligibility=frozenset({VETERANS})), cand("open-door")]
    result = rank(person(age=40), catalog, NOW)
    assert ids(result) == ["open-door"]
    assert why_not(result, "vet-house") == ["only for veterans"]
    veteran = rank(person(age=40, populations=pop.resolve("veteran")), catalog, NOW)
    assert "vet-house" in ids(veteran)


def test_family_not_sent_to_single_mens_shelter():
    catalog = [
        cand("mens-shelter", eligibility=frozenset({MEN, INDIVIDUALS}), minimum_age=18),
        cand("family-shelter", eligibility=frozenset({FAMILIES})),
    ]
    result = rank(person(household="family_with_children", gender="male", age=35), catalog, NOW)
    assert ids(result) == ["family-shelter"]
    assert why_not(result, "mens-shelter") == ["only for individuals"]


def test_woman_not_sent_to_mens_shelter_and_reason_names_gender():
    catalog = [cand("mens-shelter", eligibility=frozenset({MEN}))]
    result = rank(person(gender="female"), catalog, NOW)
    assert result.matches == []
    assert why_not(result, "mens-shelter") == ["only for men"]


def test_women_or_transgender_shelter_admits_transgender_client():
    catalog = [cand("safe-haven", eligibility=frozenset({WOMEN, "20038"}))]
    assert ids(rank(person(gender="transgender"), catalog, NOW)) == ["safe-haven"]
    assert ids(rank(person(gender="female"), catalog, NOW)) == ["safe-haven"]
    assert ids(rank(person(gender="male"), catalog, NOW)) == []


def test_spanish_speaker_sees_spanish_speaking_provider_first_at_equal_distance():
    catalog = [
        cand("a-english", languages=frozenset({"en"})),
        cand("b-spanish", languages=frozenset({"en", "es"})),
    ]
    result = rank(person(languages=("es",)), catalog, NOW)
    assert ids(result) == ["b-spanish", "a-english"]
    assert "Spanish spoken" in result.matches[0].reasons


def test_full_shelter_with_fresh_count_is_excluded_stale_count_is_not():
    catalog = [
        cand("full", beds=0),
        cand("stale-full", beds=0, updated=NOW - timedelta(days=3)),
        cand("free", beds=3),
    ]
    result = rank(person(urgency="tonight"), catalog, NOW)
    assert ids(result) == ["free", "stale-full"]
    assert why_not(result, "full") == ["full: 0 of 40 beds free, updated 20 min ago"]
    assert "3 of 40 beds free, updated 20 min ago" in result.matches[0].reasons
    assert "last known full: 0 of 40 beds free, 3 days ago" in result.matches[1].reasons


def test_inactive_service_is_excluded_with_its_status():
    result = rank(person(), [cand("closed", status="temporarily closed")], NOW)
    assert why_not(result, "closed") == ["service is temporarily closed"]


def test_service_that_states_nothing_is_kept_below_a_stated_match_and_flagged():
    catalog = [cand("silent"), cand("stated", minimum_age=18, maximum_age=64)]
    result = rank(person(age=30, gender="male"), catalog, NOW)
    assert ids(result) == ["stated", "silent"]
    silent = result.matches[1]
    assert "ages served" in silent.not_stated
    assert "who is eligible" in silent.not_stated


def test_unknown_client_detail_is_unchecked_not_failed():
    catalog = [cand("adults", minimum_age=18)]
    result = rank(person(), catalog, NOW)
    assert ids(result) == ["adults"]
    assert result.matches[0].to_confirm == ["serves ages 18 and over; age not given"]


def test_no_id_client_not_sent_where_photo_id_is_required():
    catalog = [cand("needs-id", required_documents=("Photo ID",)), cand("walk-in")]
    result = rank(person(has_id=False), catalog, NOW)
    assert ids(result) == ["walk-in"]
    assert why_not(result, "needs-id") == ["asks for Photo ID; client has no ID"]


def test_insurance_not_taken_excludes_unstated_is_kept():
    catalog = [
        cand("private-only", insurance=frozenset({"private"})),
        cand("medicaid-ok", insurance=frozenset({"medicaid", "private"})),
        cand("unstated"),
    ]
    result = rank(person(insurance="medicaid"), catalog, NOW)
    assert ids(result) == ["medicaid-ok", "unstated"]
    assert why_not(result, "private-only") == ["does not take Medicaid"]


def test_pets_excluded_only_where_stated_no():
    catalog = [cand("no-pets", pets=False), cand("pets-ok", pets=True), cand("unknown")]
    result = rank(person(pets=True), catalog, NOW)
    assert ids(result) == ["pets-ok", "unknown"]
    assert why_not(result, "no-pets") == ["no pets"]


def test_service_outside_the_radius_is_not_a_candidate():
    far = cand("far", lat=HOME[0] + 1.0)
    assert rank(person(radius_km=25), [far], NOW).matches == []
    assert rank(person(radius_km=25), [far], NOW).excluded == []


def test_service_without_the_need_is_excluded_as_not_offering_it():
    food = cand("pantry", term_ids=frozenset({"t-food"}), text="food pantry")
    result = rank(person(), [food], NOW)
    assert why_not(result, "pantry") == ["does not offer Emergency Shelter"]


def test_exact_term_beats_parent_term_beats_text():
    catalog = [
        cand("by-text", term_ids=frozenset(), text="overnight shelter beds"),
        cand("by-parent", term_ids=frozenset({"t-housing"})),
        cand("exact"),
    ]
    result = rank(person(), catalog, NOW)
    assert ids(result) == ["exact", "by-parent", "by-text"]
    assert result.matches[0].components["need_fit"] == 1.0
    assert "listed under Housing" in result.matches[1].reasons


def test_audience_is_a_bonus_not_a_restriction():
    catalog = [cand("plain"), cand("vets-welcome", audience=frozenset({VETERANS}))]
    assert ids(rank(person(populations=frozenset({VETERANS})), catalog, NOW))[0] == "vets-welcome"
    assert sorted(ids(rank(person(), catalog, NOW))) == ["plain", "vets-welcome"]


def test_dv_survivor_admitted_where_all_survivors_are_served():
    catalog = [cand("survivor-house", eligibility=frozenset({"20080"}))]
    dv = pop.resolve("domestic violence")
    assert ids(rank(person(populations=dv), catalog, NOW)) == ["survivor-house"]
    assert ids(rank(person(), catalog, NOW)) == []


def test_low_income_restriction_is_flagged_for_confirmation_not_failed():
    catalog = [cand("low-income", eligibility=frozenset({"20063"}))]
    result = rank(person(), catalog, NOW)
    assert ids(result) == ["low-income"]
    assert result.matches[0].to_confirm == ["only for low-income; confirm"]


def test_referral_follow_through_raises_rank_and_new_provider_gets_the_prior():
    from matching import ReferralStats

    catalog = [
        cand("reliable", referrals=ReferralStats(20, 18, 15)),
        cand("new"),
        cand("ghosts", referrals=ReferralStats(20, 2, 0)),
    ]
    result = rank(person(), catalog, NOW)
    assert ids(result) == ["reliable", "new", "ghosts"]
    assert "accepted 18 of 20 referrals, 15 completed" in result.matches[0].reasons


SQUARE = {
    "type": "Polygon",
    "coordinates": [[[-80.3, 25.6], [-80.0, 25.6], [-80.0, 25.9], [-80.3, 25.9], [-80.3, 25.6]]],
}


def test_service_area_excludes_clients_outside_and_a_name_only_area_is_confirmed():
    from matching import Area

    catalog = [
        cand("inside", service_areas=(Area("Downtown", SQUARE),)),
        cand(
            "elsewhere",
            service_areas=(
                Area(
                    "Keys",
                    {
                        **SQUARE,
                        "coordinates": [
                            [[-81.9, 24.5], [-81.5, 24.5], [-81.5, 24.7], [-81.9, 24.7], [-81.9, 24.5]]
                        ],
                    },
                ),
            ),
        ),
        cand("named", service_areas=(Area("Miami-Dade County", None),)),
    ]
    result = rank(person(), catalog, NOW)
    assert sorted(ids(result)) == ["inside", "named"]
    assert why_not(result, "elsewhere") == ["serves Keys only; client is outside"]
    named = next(m for m in result.matches if m.service_id == "named")
    assert named.to_confirm == ["serves Miami-Dade County; confirm"]


def _weekly(opens: str, closes: str):
    from hours import ScheduleRow

    row = {"freq": "WEEKLY", "byday": "MO,TU,WE,TH,FR,SA,SU", "opens_at": opens, "closes_at": closes}
    return (ScheduleRow.from_mapping(row),)


def test_urgency_now_and_tonight_follow_the_opening_hours():
    tz = "America/New_York"  # NOW is 16:00 there
    catalog = [
        cand("night-shelter", schedules=_weekly("19:00", "07:00"), tz=tz),
        cand("day-centre", schedules=_weekly("09:00", "17:00"), tz=tz),
        cand("no-hours"),
    ]
    now = rank(person(urgency="now"), catalog, NOW)
    assert sorted(ids(now)) == ["day-centre", "no-hours"]
    assert why_not(now, "night-shelter") == ["closed now (Closed · opens 19:00)"]
    assert "opening hours" in next(m for m in now.matches if m.service_id == "no-hours").not_stated
    tonight = rank(person(urgency="tonight"), catalog, NOW)
    assert ids(tonight)[0] == "night-shelter"
    assert "day-centre" not in ids(tonight)
    assert "open tonight" in tonight.matches[0].reasons


def test_the_same_hours_in_another_zone_are_read_in_that_zone():
    """One ranking computes the open state once per distinct hours and zone: the same rows
    in Los Angeles (13:00 there) are open when they are closed in New York (16:00)."""
    hours = _weekly("09:00", "15:00")
    catalog = [
        cand("new-york", schedules=hours, tz="America/New_York"),
        cand("los-angeles", schedules=hours, tz="America/Los_Angeles"),
        cand("new-york-too", schedules=_weekly("09:00", "15:00"), tz="America/New_York"),
    ]
    now = rank(person(urgency="now"), catalog, NOW)
    assert ids(now) == ["los-angeles"]
    closed = ["closed now (Closed · opens Thu 09:00)"]
    assert why_not(now, "new-york") == why_not(now, "new-york-too") == closed


def test_free_service_takes_anyone_and_sliding_scale_takes_the_uninsured():
    catalog = [
        cand("free-clinic", cost="free"),
        cand("sliding", cost="sliding", insurance=frozenset({"medicaid"})),
        cand("private", insurance=frozenset({"private"})),
    ]
    medicaid = rank(person(insurance="medicaid"), catalog, NOW)
    assert sorted(ids(medicaid)) == ["free-clinic", "sliding"]
    uninsured = rank(person(insurance="none"), catalog, NOW)
    assert sorted(ids(uninsured)) == ["free-clinic", "private", "sliding"]
    assert "private" in [m.service_id for m in uninsured.matches if m.to_confirm]
    assert "free of charge" in next(m for m in uninsured.matches if m.service_id == "free-clinic").reasons
