"""log_checkpoint: one signed C2SP checkpoint per size of the transparency log (issue 16)

Checkpoints need the log key, which a migration does not have: sizes the log reached before this
revision are signed on the first request or seal after it (``translog_store.ensure_checkpoints``).

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-02 10:00:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'log_checkpoint',
        sa.Column('tree_size', sa.Integer(), autoincrement=False, nullable=False),
        sa.Column('root_hash', sa.String(length=64), nullable=False),
        sa.Column('note', sa.Text(), nullable=False),
        sa.Column('cosignatures', sa.Text(), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('tree_size'),
    )


def downgrade() -> None:
    op.drop_table('log_checkpoint')
