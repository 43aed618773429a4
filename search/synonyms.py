"""Lay and professional words that mean the same thing to a person looking for help.

Each entry is an equivalence between two phrases, read both ways: a search for "detox" also
finds "withdrawal management" and the other way round. The seed below is written into every
new database by migration 0002; admins edit the table with `linkage synonyms add|remove`.
"""

from __future__ import annotations

import uuid
from collections import defaultdict

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from search.models import Synonym

SEED: tuple[tuple[str, str], ...] = (
    # substance use
    ("detox", "withdrawal management"),
    ("detox", "detoxification"),
    ("detox", "medically supervised withdrawal"),
    ("rehab", "residential treatment"),
    ("rehab", "rehabilitation"),
    ("rehab", "inpatient treatment"),
    ("aa", "alcoholics anonymous"),
    ("na", "narcotics anonymous"),
    ("methadone", "opioid treatment"),
    ("methadone", "opioid treatment program"),
    ("suboxone", "buprenorphine"),
    ("suboxone", "medication assisted treatment"),
    ("mat", "medication assisted treatment"),
    ("narcan", "naloxone"),
    ("drugs", "substance use"),
    ("drug", "substance use"),
    ("addiction", "substance use disorder"),
    ("alcohol", "alcohol use"),
    ("drinking", "alcohol use"),
    ("needle exchange", "syringe services"),
    ("clean needles", "syringe services"),
    ("sober house", "recovery housing"),
    ("sober living", "recovery housing"),
    ("halfway house", "transitional housing"),
    ("iop", "intensive outpatient"),
    # shelter and housing
    ("shelter", "emergency shelter"),
    ("bed", "shelter"),
    ("beds", "shelter"),
    ("sleep", "shelter"),
    ("place to stay", "shelter"),
    ("homeless", "homelessness"),
    ("homeless", "unhoused"),
    ("warming center", "emergency shelter"),
    ("cooling center", "heat relief"),
    ("motel voucher", "hotel voucher"),
    ("rent help", "rental assistance"),
    ("rent", "rental assistance"),
    ("eviction", "eviction prevention"),
    ("section 8", "housing choice voucher"),
    ("public housing", "affordable housing"),
    ("apartment", "housing"),
    ("utility bill", "utility assistance"),
    ("electric bill", "utility assistance"),
    ("heating", "energy assistance"),
    ("liheap", "energy assistance"),
    # food
    ("food bank", "food pantry"),
    ("food", "meals"),
    ("groceries", "food pantry"),
    ("free food", "food pantry"),
    ("soup kitchen", "free meals"),
    ("hot meal", "free meals"),
    ("lunch", "meals"),
    ("dinner", "meals"),
    ("breakfast", "meals"),
    ("food stamps", "snap"),
    ("ebt", "snap"),
    ("wic", "women infants and children"),
    ("baby formula", "infant formula"),
    # hygiene and basic needs
    ("shower", "showers"),
    ("shower", "hygiene"),
    ("bathroom", "restroom"),
    ("toilet", "restroom"),
    ("laundry", "laundromat"),
    ("clothes", "clothing"),
    ("coat", "clothing"),
    ("diapers", "baby supplies"),
    ("phone", "free phone"),
    ("mail", "mailing address"),
    ("id", "identification"),
    ("birth certificate", "identification"),
    # violence and safety
    ("dv", "domestic violence"),
    ("abuse", "domestic violence"),
    ("battered", "domestic violence"),
    ("ipv", "intimate partner violence"),
    ("rape", "sexual assault"),
    ("sa", "sexual assault"),
    ("trafficking", "human trafficking"),
    ("safe house", "domestic violence shelter"),
    ("restraining order", "protection order"),
    # health and mental health
    ("counseling", "therapy"),
    ("counselling", "counseling"),
    ("therapist", "therapy"),
    ("mental health", "behavioral health"),
    ("psych", "psychiatric"),
    ("crisis", "crisis intervention"),
    ("suicide", "crisis line"),
    ("hotline", "crisis line"),
    ("988", "crisis line"),
    ("doctor", "primary care"),
    ("clinic", "health center"),
    ("free clinic", "community health center"),
    ("dentist", "dental"),
    ("teeth", "dental"),
    ("glasses", "vision"),
    ("eye doctor", "vision"),
    ("meds", "medication"),
    ("prescription", "medication"),
    ("pharmacy", "medication"),
    ("hiv test", "hiv testing"),
    ("std", "sexually transmitted infection"),
    ("sti", "sexually transmitted infection"),
    ("prep", "hiv prevention"),
    ("pregnant", "prenatal care"),
    ("pregnancy", "prenatal care"),
    ("birth control", "family planning"),
    ("medicaid", "health insurance"),
    ("insurance", "health insurance"),
    ("wound care", "medical care"),
    # money, work, legal
    ("job", "employment"),
    ("jobs", "employment"),
    ("work", "employment"),
    ("resume", "job readiness"),
    ("ged", "adult education"),
    ("lawyer", "legal aid"),
    ("attorney", "legal aid"),
    ("legal help", "legal aid"),
    ("immigration", "immigration legal services"),
    ("taxes", "tax preparation"),
    ("vita", "tax preparation"),
    ("cash", "financial assistance"),
    ("money", "financial assistance"),
    ("ssi", "disability benefits"),
    ("ssdi", "disability benefits"),
    ("benefits", "public benefits"),
    ("unemployment", "unemployment insurance"),
    # people and places
    ("vet", "veterans"),
    ("veteran", "veterans"),
    ("vets", "veterans"),
    ("kids", "children"),
    ("kid", "children"),
    ("teen", "youth"),
    ("teens", "youth"),
    ("young adult", "youth"),
    ("elderly", "seniors"),
    ("older adults", "seniors"),
    ("senior", "seniors"),
    ("lgbt", "lgbtq"),
    ("trans", "transgender"),
    ("women", "female"),
    ("men", "male"),
    ("daycare", "child care"),
    ("childcare", "child care"),
    ("ride", "transportation"),
    ("bus pass", "transportation"),
    ("wheelchair", "wheelchair accessible"),
    ("ada", "accessibility"),
    ("deaf", "asl"),
    ("spanish", "espanol"),
)


def normalize(phrase: str) -> str:
    return " ".join(phrase.lower().split())


def load_table(session: Session) -> dict[str, set[str]]:
    """Phrase -> its equivalents, both directions, from the editable table."""
    table: dict[str, set[str]] = defaultdict(set)
    for term, synonym in session.execute(select(Synonym.term, Synonym.synonym)):
        a, b = normalize(term), normalize(synonym)
        if a and b and a != b:
            table[a].add(b)
            table[b].add(a)
    return dict(table)


def list_synonyms(session: Session) -> list[Synonym]:
    return list(session.scalars(select(Synonym).order_by(Synonym.term, Synonym.synonym)))


def add_synonym(session: Session, term: str, synonym: str) -> Synonym:
    """Add one equivalence; an existing pair (either order) is returned unchanged."""
    a, b = normalize(term), normalize(synonym)
    if not a or not b:
        raise ValueError("both the word and its synonym must be non-empty")
    if a == b:
        raise ValueError(f"{a!r} cannot be a synonym of itself")
    existing = session.scalars(
        select(Synonym).where(
            ((Synonym.term == a) & (Synonym.synonym == b)) | ((Synonym.term == b) & (Synonym.synonym == a))
        )
    ).first()
    if existing is not None:
        return existing
    row = Synonym(id=uuid.uuid4(), term=a, synonym=b)
    session.add(row)
    session.flush()
    return row


def remove_synonym(session: Session, term: str, synonym: str | None = None) -> int:
    """Remove one pair (either order), or every pair of `term` when no synonym is given."""
    a = normalize(term)
    if synonym is None:
        cond = (Synonym.term == a) | (Synonym.synonym == a)
    else:
        b = normalize(synonym)
        cond = ((Synonym.term == a) & (Synonym.synonym == b)) | ((Synonym.term == b) & (Synonym.synonym == a))
    result = session.execute(delete(Synonym).where(cond))
    return int(result.rowcount or 0)
