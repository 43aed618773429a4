"""Lay and professional words that mean the same thing to a person looking for help.

Each entry is an equivalence between two phrases, read both ways: a search for "detox" also
finds "withdrawal management" and the other way round. The seed below is written into every
new database by migration 0002 (the pairs added later by the migration that added them);
admins edit the table at `/admin/synonyms` or with `linkage synonyms add|remove`; each
addition and removal is a row of the change log (`search_synonym`, "word ~ synonym").

The seed joins three vocabularies: the words a person in crisis or an officer types ("rehab",
"narcan", "place to sleep", "dv", "food stamps"), the Open Eligibility service terms the
catalog files services under ("Addiction & Recovery", "Help Escape Violence", "Food
Benefits"), and the AIRS/211 category names of real directories (Miami's 211 and Switchboard,
Maryland's iCarol: "Substance Abuse Treatment", "Homeless Shelter", "Syringe Services").
A phrase in the table is also kept whole: "substance abuse" is not read as "abuse" (which
means domestic violence here). PostgreSQL drops an alternative holding a stop word, so terms
such as "Help Escape Violence" are named by their other words ("escape violence").
"""

from __future__ import annotations

import uuid
from collections import defaultdict

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from catalog import changelog
from search.models import Synonym

# How the change log names this table (its rows: "create"/"delete" of "word ~ synonym").
TABLE = "search_synonym"

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
    # ...and as 211 directories name it (Miami AIRS, Maryland iCarol, Open Eligibility)
    ("drug treatment", "substance use treatment"),
    ("addiction treatment", "substance use treatment"),
    ("substance use treatment", "addiction recovery"),
    ("substance abuse", "substance use"),
    ("drug abuse", "substance use"),
    ("alcohol abuse", "alcohol use"),
    ("aa", "12 step"),
    ("na", "12 step"),
    ("mat", "medication assisted therapy"),
    ("vivitrol", "naltrexone"),
    ("halfway house", "recovery home"),
    # harm reduction
    ("narcan", "harm reduction"),
    ("naloxone", "harm reduction"),
    ("overdose", "naloxone"),
    ("needle exchange", "harm reduction"),
    ("syringe services", "harm reduction"),
    ("syringe exchange", "syringe services"),
    ("fentanyl test strips", "harm reduction"),
    ("test strips", "fentanyl test strips"),
    # shelter and housing
    ("shelter", "emergency shelter"),
    ("bed", "shelter"),
    ("beds", "shelter"),
    ("sleep", "shelter"),
    ("place to stay", "shelter"),
    ("place to sleep", "shelter"),
    ("somewhere to sleep", "shelter"),
    ("nowhere to sleep", "shelter"),
    ("homeless shelter", "emergency shelter"),
    ("cold weather shelter", "warming center"),
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
    ("wic", "special supplemental nutrition program"),
    ("food stamps", "food benefits"),
    ("snap", "food benefits"),
    ("pantry", "food pantry"),
    ("hungry", "free meals"),
    ("hungry", "food pantry"),
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
    ("domestic violence", "escape violence"),
    ("domestic violence", "intimate partner violence"),
    ("family violence", "domestic violence"),
    ("battered women", "domestic violence"),
    ("dv shelter", "domestic violence shelter"),
    ("safe house", "safe housing"),
    ("child abuse", "child protective services"),
    ("elder abuse", "adult protective services"),
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
    ("suicide", "suicide prevention"),
    ("suicidal", "suicide"),
    ("mobile crisis", "crisis intervention"),
    ("mental health crisis", "psychiatric emergency services"),
    ("psych ward", "psychiatric emergency services"),
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
    changelog.record(session, TABLE, row.id, "create", "synonym", None, f"{a} ~ {b}")
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
    gone = list(session.execute(select(Synonym.id, Synonym.term, Synonym.synonym).where(cond)))
    for rid, t, syn in gone:
        changelog.record(session, TABLE, rid, "delete", "synonym", f"{t} ~ {syn}", None)
    session.execute(delete(Synonym).where(Synonym.id.in_([g[0] for g in gone])))
    session.flush()
    return len(gone)
