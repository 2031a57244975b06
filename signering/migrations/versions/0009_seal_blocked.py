"""protocol_version.seal_blocked, seal_blocked_at, uploaded_by (issue 12: a protocol stuck by its dates)

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-01 22:00:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('protocol_version', schema=None) as batch_op:
        batch_op.add_column(sa.Column('seal_blocked', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('seal_blocked_at', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('uploaded_by', sa.String(length=254), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('protocol_version', schema=None) as batch_op:
        batch_op.drop_column('uploaded_by')
        batch_op.drop_column('seal_blocked_at')
        batch_op.drop_column('seal_blocked')
