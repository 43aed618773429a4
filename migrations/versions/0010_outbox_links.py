"""The e-mail outbox (sent by `linkage worker`) and signed single-use links, kept as SHA-256 digests

Revision ID: 0010_outbox_links
Revises: 0009_api_tokens
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import kernel.db  # noqa: F401  (custom column types)


revision: str = '0010_outbox_links'
down_revision: str | Sequence[str] | None = '0009_api_tokens'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('outbox_message',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('kind', sa.Enum('email', name='messagekind', native_enum=False, length=20), nullable=False),
    sa.Column('recipient', sa.Text(), nullable=False),
    sa.Column('subject', sa.Text(), nullable=False),
    sa.Column('body_text', sa.Text(), nullable=False),
    sa.Column('body_html', sa.Text(), nullable=True),
    sa.Column('dedupe_key', sa.String(length=200), nullable=True),
    sa.Column('status', sa.Enum('pending', 'sent', 'failed', name='messagestatus', native_enum=False, length=20), nullable=False),
    sa.Column('created_at', kernel.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('due_at', kernel.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('last_attempt_at', kernel.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('last_error', sa.Text(), nullable=True),
    sa.Column('sent_at', kernel.db.UTCDateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_outbox_message')),
    sa.UniqueConstraint('dedupe_key', name=op.f('uq_outbox_message_dedupe_key'))
    )
    with op.batch_alter_table('outbox_message', schema=None) as batch_op:
        batch_op.create_index('ix_outbox_message_status_due_at', ['status', 'due_at'], unique=False)

    op.create_table('signed_link',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('purpose', sa.String(length=100), nullable=False),
    sa.Column('subject_id', sa.Uuid(), nullable=False),
    sa.Column('created_at', kernel.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('expires_at', kernel.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('used_at', kernel.db.UTCDateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_signed_link')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_signed_link_token_hash'))
    )
    with op.batch_alter_table('signed_link', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_signed_link_subject_id'), ['subject_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('signed_link', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_signed_link_subject_id'))

    op.drop_table('signed_link')
    with op.batch_alter_table('outbox_message', schema=None) as batch_op:
        batch_op.drop_index('ix_outbox_message_status_due_at')

    op.drop_table('outbox_message')
