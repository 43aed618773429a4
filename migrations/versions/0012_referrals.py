"""Referrals: clients, consent, holds on capacity, referrals, their event log and contacts

The referral event log is append-only in the database itself, like the audit log: triggers
refuse UPDATE and DELETE on referral_event.

Revision ID: 0012_referrals
Revises: 0011_second_factor
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import kernel.db  # noqa: F401  (custom column types)


revision: str = '0012_referrals'
down_revision: str | Sequence[str] | None = '0011_second_factor'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('client',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('team_id', sa.Uuid(), nullable=False),
    sa.Column('created_by', sa.Uuid(), nullable=True),
    sa.Column('created', kernel.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('display_name', sa.Text(), nullable=False),
    sa.Column('birth_year', sa.Integer(), nullable=True),
    sa.Column('gender', sa.String(length=40), nullable=True),
    sa.Column('language', sa.String(length=20), nullable=True),
    sa.Column('contact_preference', sa.String(length=20), nullable=False),
    sa.Column('phone', sa.Text(), nullable=True),
    sa.Column('email', sa.Text(), nullable=True),
    sa.Column('incident_ref', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['created_by'], ['user_account.id'], name=op.f('fk_client_created_by_user_account')),
    sa.ForeignKeyConstraint(['team_id'], ['team.id'], name=op.f('fk_client_team_id_team')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_client'))
    )
    with op.batch_alter_table('client', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_client_team_id'), ['team_id'], unique=False)

    op.create_table('consent',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('client_id', sa.Uuid(), nullable=False),
    sa.Column('given', sa.Boolean(), nullable=False),
    sa.Column('method', sa.String(length=20), nullable=True),
    sa.Column('organization_id', sa.Uuid(), nullable=True),
    sa.Column('data', sa.Text(), nullable=False),
    sa.Column('recorded_at', kernel.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('recorded_by', sa.Uuid(), nullable=True),
    sa.Column('expires_at', kernel.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('revoked_at', kernel.db.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['client_id'], ['client.id'], name=op.f('fk_consent_client_id_client'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['organization_id'], ['organization.id'], name=op.f('fk_consent_organization_id_organization'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['recorded_by'], ['user_account.id'], name=op.f('fk_consent_recorded_by_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_consent'))
    )
    with op.batch_alter_table('consent', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_consent_client_id'), ['client_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_consent_organization_id'), ['organization_id'], unique=False)

    op.create_table('capacity_hold',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('capacity_id', sa.Uuid(), nullable=False),
    sa.Column('created', kernel.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('expires_at', kernel.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('released_at', kernel.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('accepted_at', kernel.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('held_by', sa.Uuid(), nullable=True),
    sa.ForeignKeyConstraint(['capacity_id'], ['service_capacity.id'], name=op.f('fk_capacity_hold_capacity_id_service_capacity'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_capacity_hold'))
    )
    with op.batch_alter_table('capacity_hold', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_capacity_hold_capacity_id'), ['capacity_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_capacity_hold_expires_at'), ['expires_at'], unique=False)

    op.create_table('referral',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('client_id', sa.Uuid(), nullable=False),
    sa.Column('team_id', sa.Uuid(), nullable=False),
    sa.Column('created_by', sa.Uuid(), nullable=True),
    sa.Column('consent_id', sa.Uuid(), nullable=True),
    sa.Column('service_id', sa.Uuid(), nullable=True),
    sa.Column('location_id', sa.Uuid(), nullable=True),
    sa.Column('organization_id', sa.Uuid(), nullable=True),
    sa.Column('hold_id', sa.Uuid(), nullable=True),
    sa.Column('need', sa.Text(), nullable=True),
    sa.Column('mode', sa.String(length=10), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('note', sa.Text(), nullable=True),
    sa.Column('created', kernel.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated', kernel.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('due_at', kernel.db.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['client_id'], ['client.id'], name=op.f('fk_referral_client_id_client')),
    sa.ForeignKeyConstraint(['consent_id'], ['consent.id'], name=op.f('fk_referral_consent_id_consent'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['created_by'], ['user_account.id'], name=op.f('fk_referral_created_by_user_account')),
    sa.ForeignKeyConstraint(['hold_id'], ['capacity_hold.id'], name=op.f('fk_referral_hold_id_capacity_hold'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['location_id'], ['location.id'], name=op.f('fk_referral_location_id_location'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['organization_id'], ['organization.id'], name=op.f('fk_referral_organization_id_organization'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['service_id'], ['service.id'], name=op.f('fk_referral_service_id_service'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['team_id'], ['team.id'], name=op.f('fk_referral_team_id_team')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_referral'))
    )
    with op.batch_alter_table('referral', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_referral_client_id'), ['client_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_referral_due_at'), ['due_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_referral_organization_id'), ['organization_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_referral_service_id'), ['service_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_referral_status'), ['status'], unique=False)
        batch_op.create_index(batch_op.f('ix_referral_team_id'), ['team_id'], unique=False)
        batch_op.create_index('ix_referral_team_status', ['team_id', 'status'], unique=False)
        batch_op.create_index(batch_op.f('ix_referral_updated'), ['updated'], unique=False)

    op.create_table('referral_contact',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('referral_id', sa.Uuid(), nullable=False),
    sa.Column('at', kernel.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('actor_user_id', sa.Uuid(), nullable=True),
    sa.Column('actor', sa.Text(), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('note', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['actor_user_id'], ['user_account.id'], name=op.f('fk_referral_contact_actor_user_id_user_account')),
    sa.ForeignKeyConstraint(['referral_id'], ['referral.id'], name=op.f('fk_referral_contact_referral_id_referral')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_referral_contact'))
    )
    with op.batch_alter_table('referral_contact', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_referral_contact_referral_id'), ['referral_id'], unique=False)

    op.create_table('referral_event',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('referral_id', sa.Uuid(), nullable=False),
    sa.Column('at', kernel.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('actor_user_id', sa.Uuid(), nullable=True),
    sa.Column('actor', sa.Text(), nullable=False),
    sa.Column('from_status', sa.String(length=20), nullable=True),
    sa.Column('to_status', sa.String(length=20), nullable=False),
    sa.Column('reason', sa.String(length=40), nullable=True),
    sa.Column('note', sa.Text(), nullable=True),
    sa.Column('channel', sa.String(length=12), nullable=False),
    sa.ForeignKeyConstraint(['actor_user_id'], ['user_account.id'], name=op.f('fk_referral_event_actor_user_id_user_account')),
    sa.ForeignKeyConstraint(['referral_id'], ['referral.id'], name=op.f('fk_referral_event_referral_id_referral')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_referral_event'))
    )
    with op.batch_alter_table('referral_event', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_referral_event_referral_id'), ['referral_id'], unique=False)

    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            "CREATE FUNCTION referral_event_append_only() RETURNS trigger LANGUAGE plpgsql AS $$ "
            "BEGIN RAISE EXCEPTION 'the referral event log is append-only'; END $$"
        )
        op.execute(
            "CREATE TRIGGER referral_event_append_only BEFORE UPDATE OR DELETE ON referral_event "
            "FOR EACH ROW EXECUTE FUNCTION referral_event_append_only()"
        )
    else:
        for what in ("UPDATE", "DELETE"):
            op.execute(
                f"CREATE TRIGGER referral_event_no_{what.lower()} BEFORE {what} ON referral_event "
                "BEGIN SELECT RAISE(ABORT, 'the referral event log is append-only'); END"
            )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS referral_event_append_only ON referral_event")
        op.execute("DROP FUNCTION IF EXISTS referral_event_append_only()")
    else:
        op.execute("DROP TRIGGER IF EXISTS referral_event_no_update")
        op.execute("DROP TRIGGER IF EXISTS referral_event_no_delete")
    with op.batch_alter_table('referral_event', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_referral_event_referral_id'))

    op.drop_table('referral_event')
    with op.batch_alter_table('referral_contact', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_referral_contact_referral_id'))

    op.drop_table('referral_contact')
    with op.batch_alter_table('referral', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_referral_updated'))
        batch_op.drop_index('ix_referral_team_status')
        batch_op.drop_index(batch_op.f('ix_referral_team_id'))
        batch_op.drop_index(batch_op.f('ix_referral_status'))
        batch_op.drop_index(batch_op.f('ix_referral_service_id'))
        batch_op.drop_index(batch_op.f('ix_referral_organization_id'))
        batch_op.drop_index(batch_op.f('ix_referral_due_at'))
        batch_op.drop_index(batch_op.f('ix_referral_client_id'))

    op.drop_table('referral')
    with op.batch_alter_table('capacity_hold', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_capacity_hold_expires_at'))
        batch_op.drop_index(batch_op.f('ix_capacity_hold_capacity_id'))

    op.drop_table('capacity_hold')
    with op.batch_alter_table('consent', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_consent_organization_id'))
        batch_op.drop_index(batch_op.f('ix_consent_client_id'))

    op.drop_table('consent')
    with op.batch_alter_table('client', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_client_team_id'))

    op.drop_table('client')
