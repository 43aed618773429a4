"""What a referral is for, read the way a match reads a need: a taxonomy term's id or code
becomes that term (its name, with the code kept beside it so a person can read it and a
system can still join on it); anything else stays the worker's own words."""

from __future__ import annotations

import uuid

from sqlalchemy import select
from sqlalchemy.orm import Session

from catalog.models import TaxonomyTerm
from kernel.errors import Problem


def _label(term: TaxonomyTerm) -> str:
    return f"{term.name} ({term.code})" if term.code else term.name


def readable(session: Session, raw: str | None, param: str = "need") -> str | None:
    """The need as stored: "Emergency Shelter (BD-1800.1900)" for a term id or code, else
    the words as given. An id that names no term is a mistake (422), not words."""
    text = (raw or "").strip()
    if not text:
        return None
    try:
        term_id = uuid.UUID(text)
    except ValueError:
        term_id = None
    if term_id is not None:
        term = session.get(TaxonomyTerm, term_id)
        if term is None:
            raise Problem(422, f"No taxonomy term has the id {text}.", title="Invalid field", param=param)
        return _label(term)
    term = session.scalars(
        select(TaxonomyTerm).where(TaxonomyTerm.code == text).order_by(TaxonomyTerm.name).limit(1)
    ).first()
    return _label(term) if term is not None else text
