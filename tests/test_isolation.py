"""Each test runs in a transaction rolled back at the end; these two prove it."""

import uuid

from sqlalchemy import select

from catalog.models import Organization

MARKER = "Isolation Check Org " + uuid.uuid4().hex


def test_a_row_written_in_one_test(db):
    db.add(Organization(name=MARKER, description="x"))
    db.commit()  # only releases the savepoint; the outer transaction is rolled back
    assert db.scalars(select(Organization).where(Organization.name == MARKER)).one()


def test_is_gone_in_the_next(db):
    assert db.scalars(select(Organization).where(Organization.name == MARKER)).first() is None
