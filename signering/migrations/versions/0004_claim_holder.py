"""signature_request.claimed_by: which process holds a signature claim (issue 18)

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-01 20:00:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('signature_request', schema=None) as batch_op:
        batch_op.add_column(sa.Column('claimed_by', sa.String(length=200), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('signature_request', schema=None) as batch_op:
        batch_op.drop_column('claimed_by')
