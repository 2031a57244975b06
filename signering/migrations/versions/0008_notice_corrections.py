"""notice: correction note and early take-down reason; protocol: an utdrag's recipients (issue 17)

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-10 10:00:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('notice', schema=None) as batch_op:
        batch_op.add_column(sa.Column('correction_note', sa.Text(), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('corrected_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('takedown_reason', sa.Text(), nullable=False, server_default=''))
    with op.batch_alter_table('protocol', schema=None) as batch_op:
        batch_op.add_column(sa.Column('recipients', sa.JSON(), nullable=False, server_default='[]'))


def downgrade() -> None:
    with op.batch_alter_table('protocol', schema=None) as batch_op:
        batch_op.drop_column('recipients')
    with op.batch_alter_table('notice', schema=None) as batch_op:
        batch_op.drop_column('takedown_reason')
        batch_op.drop_column('corrected_at')
        batch_op.drop_column('correction_note')
