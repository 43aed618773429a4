"""Synonyms: lay words for addiction treatment, harm reduction, shelter, crisis, violence and food

The pairs the seed gained when it was reviewed against the words people type and the names
211 directories use (see search/synonyms.py). A new database already has them from 0002,
which writes the whole seed; an older one gets those it lacks. A pair an admin already added
(in either order) is left as it is.

Revision ID: 0007_synonyms_lay_words
Revises: 0006_search_without_rtree
"""

from collections.abc import Sequence
import datetime as dt
import uuid

import sqlalchemy as sa
from alembic import op

import kernel.db

revision: str = "0007_synonyms_lay_words"
down_revision: str | Sequence[str] | None = "0006_search_without_rtree"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# A frozen copy of the pairs added (later edits go through the CLI or a migration of their own).
ADDED = (
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
    ("narcan", "harm reduction"),
    ("naloxone", "harm reduction"),
    ("overdose", "naloxone"),
    ("needle exchange", "harm reduction"),
    ("syringe services", "harm reduction"),
    ("syringe exchange", "syringe services"),
    ("fentanyl test strips", "harm reduction"),
    ("test strips", "fentanyl test strips"),
    ("place to sleep", "shelter"),
    ("somewhere to sleep", "shelter"),
    ("nowhere to sleep", "shelter"),
    ("homeless shelter", "emergency shelter"),
    ("cold weather shelter", "warming center"),
    ("wic", "special supplemental nutrition program"),
    ("food stamps", "food benefits"),
    ("snap", "food benefits"),
    ("pantry", "food pantry"),
    ("hungry", "free meals"),
    ("hungry", "food pantry"),
    ("domestic violence", "escape violence"),
    ("domestic violence", "intimate partner violence"),
    ("family violence", "domestic violence"),
    ("battered women", "domestic violence"),
    ("dv shelter", "domestic violence shelter"),
    ("safe house", "safe housing"),
    ("child abuse", "child protective services"),
    ("elder abuse", "adult protective services"),
    ("suicide", "suicide prevention"),
    ("suicidal", "suicide"),
    ("mobile crisis", "crisis intervention"),
    ("mental health crisis", "psychiatric emergency services"),
    ("psych ward", "psychiatric emergency services"),
)

synonym = sa.table(
    "search_synonym",
    sa.column("id", sa.Uuid()),
    sa.column("term", sa.Text()),
    sa.column("synonym", sa.Text()),
    sa.column("created", kernel.db.UTCDateTime(timezone=True)),
)


def _key(a: str, b: str) -> tuple[str, str]:
    return (a, b) if a <= b else (b, a)


def upgrade() -> None:
    conn = op.get_bind()
    have = {_key(r.term, r.synonym) for r in conn.execute(sa.select(synonym.c.term, synonym.c.synonym))}
    now = dt.datetime.now(dt.UTC)
    rows = [
        {"id": uuid.uuid5(uuid.NAMESPACE_URL, f"linkage:synonym:{a}:{b}"), "term": a, "synonym": b, "created": now}
        for a, b in ADDED
        if _key(a, b) not in have
    ]
    if rows:
        op.bulk_insert(synonym, rows)


def downgrade() -> None:
    for a, b in ADDED:
        op.execute(
            synonym.delete().where(
                sa.or_(
                    sa.and_(synonym.c.term == a, synonym.c.synonym == b),
                    sa.and_(synonym.c.term == b, synonym.c.synonym == a),
                )
            )
        )
