"""Forgiving queries: typos, synonyms, sentences, stemming, did-you-mean, editable synonyms."""

from __future__ import annotations

from search.synonyms import SEED, add_synonym, list_synonyms, remove_synonym
from tests.search.conftest import names


def test_the_seed_has_at_least_100_synonyms(db):
    assert len(SEED) >= 100
    assert len(list_synonyms(db)) >= 100


def test_typo_finds_the_word_and_suggests_it(api, make_service):
    make_service("Harbor Night Shelter", description="Emergency shelter for adults")
    body = api(q="shleter")
    assert names(body) == ["Harbor Night Shelter"]
    assert body["suggestions"] == ["shelter"]
    assert body["query"]["corrections"] == {"shleter": "shelter"}


def test_typos_in_several_words(api, make_service):
    make_service("Eastside Food Pantry", description="Groceries every week")
    make_service("Westside Counseling Center", description="Counseling for families")
    assert names(api(q="pantyr")) == ["Eastside Food Pantry"]
    assert names(api(q="counceling")) == ["Westside Counseling Center"]


def test_short_words_are_never_corrected(api, make_service):
    make_service("Harbor Night Shelter")
    body = api(q="shl")
    assert body["total"] == 0
    assert body["query"]["corrections"] == {}


def test_lay_word_finds_professional_word(api, make_service):
    make_service("Riverside Withdrawal Management", description="Medically monitored withdrawal management")
    make_service("Oak Residential Treatment", description="28-day residential treatment program")
    make_service("Central Food Pantry", description="Weekly groceries")
    assert names(api(q="detox")) == ["Riverside Withdrawal Management"]
    assert names(api(q="rehab")) == ["Oak Residential Treatment"]
    assert names(api(q="food bank")) == ["Central Food Pantry"]


def test_abbreviation_finds_the_full_phrase(api, make_service):
    make_service("Safe Haven", description="Domestic violence shelter and hotline")
    make_service("Methadone Clinic East", description="Opioid treatment program")
    assert names(api(q="DV")) == ["Safe Haven"]
    assert names(api(q="opioid treatment")) == ["Methadone Clinic East"]


def test_sentence_is_reduced_to_useful_terms(api, make_service):
    make_service("Harbor Night Shelter", description="Emergency shelter beds for adults")
    make_service("Central Food Pantry", description="Weekly groceries")
    body = api(q="i need a bed tonight")
    assert names(body) == ["Harbor Night Shelter"]
    assert body["query"]["terms"] == ["bed"]


def test_stemming_matches_word_forms(api, make_service):
    make_service("Family Counseling Services", description="Counselors for families")
    assert names(api(q="counselor")) == ["Family Counseling Services"]
    assert names(api(q="family")) == ["Family Counseling Services"]


def test_the_name_outranks_the_description(api, make_service):
    make_service("Community Meals", description="Hot dinner; also a pantry on Fridays")
    make_service("Eastside Pantry", description="Groceries every week")
    assert names(api(q="pantry"))[0] == "Eastside Pantry"


def test_no_result_for_all_words_falls_back_to_any(api, make_service):
    make_service("Harbor Night Shelter")
    body = api(q="shelter zebra")
    assert names(body) == ["Harbor Night Shelter"]
    assert body["query"]["match"] == "any"


def test_an_added_synonym_widens_the_next_search(api, make_service, db):
    make_service("Harbor Night Shelter")
    assert names(api(q="crashpad")) == []
    add_synonym(db, "crashpad", "shelter")
    assert names(api(q="crashpad")) == ["Harbor Night Shelter"]
    assert remove_synonym(db, "crashpad", "shelter") == 1
    assert names(api(q="crashpad")) == []


# What a person in crisis or an officer types -> how a 211 directory (Miami's AIRS names,
# Maryland's iCarol categories) or Open Eligibility names the service.
LAY_WORDS = [
    ("narcan", "Eastside Naloxone Distribution", "Free naloxone kits and training."),
    ("needle exchange", "Harbor Syringe Services", "Syringe services program, walk in."),
    ("fentanyl test strips", "Harm Reduction Outreach", "Harm reduction supplies and education."),
    ("place to sleep", "Union Emergency Shelter", "Emergency shelter for single adults."),
    ("drug treatment", "Bay Substance Use Treatment", "Outpatient substance use treatment."),
    ("addiction treatment", "Northside Addiction & Recovery", "Peer recovery coaching."),
    ("substance abuse", "Westside Substance Use Clinic", "Counseling for substance use."),
    ("aa", "Tuesday 12-Step Meeting", "A 12-step group that meets weekly."),
    ("halfway house", "Maple Recovery Home", "A recovery home for men."),
    ("suicide", "County Suicide Prevention Line", "Call or text any time."),
    ("mental health crisis", "Psychiatric Emergency Services Unit", "Walk-in evaluation."),
    ("dv", "Safe Harbor Help Escape Violence", "Help escape violence, safety planning."),
    ("safe house", "Confidential Safe Housing", "Safe housing for survivors."),
    ("food stamps", "Food Benefits Enrollment", "Apply for food benefits."),
    ("snap", "Food Benefits Enrollment", "Apply for food benefits."),
    ("wic", "Special Supplemental Nutrition Program", "For women, infants and children."),
    ("pantry", "Church Food Pantry", "Groceries on Saturdays."),
    ("hungry", "Downtown Free Meals", "Free meals every evening."),
]


def test_lay_words_find_the_names_211_directories_use(api, make_service):
    for _typed, name, description in {(n, d): (t, n, d) for t, n, d in LAY_WORDS}.values():
        make_service(name, description=description)
    make_service("Riverside Domestic Violence Shelter", description="Safe shelter from abuse.")
    for typed, name, _ in LAY_WORDS:
        assert name in names(api(q=typed)), typed


def test_a_phrase_in_the_table_is_read_whole(api, make_service):
    """'substance abuse' is substance use, not 'abuse' (which widens to domestic violence);
    'test' in 'fentanyl test strips' is not corrected to another word."""
    make_service("Westside Substance Use Clinic", description="Counseling for substance use.")
    make_service("Riverside Domestic Violence Shelter", description="Safe shelter from abuse.")
    assert names(api(q="substance abuse")) == ["Westside Substance Use Clinic"]
    body = api(q="fentanyl test strips")
    assert body["query"]["corrections"] == {}
    assert body["query"]["terms"] == ["fentanyl test strips"]
