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
