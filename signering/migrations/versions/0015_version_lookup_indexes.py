"""Indexes for the lookups the whole country's registry made slow (issue 15): a blob's hash as a
version's working file, and the seal queue

Measured on ten years of the country (410,000 protocols) on PostgreSQL: checking whether a blob
is still named (an OR over the original, working and sealed hash, the working one unindexed) and
the worker's seal queue (seal_pending, unindexed) each read every version, 100-230 ms a time.
The seal queue's index is partial: only the few versions waiting are in it.

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-02 14:00:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0015'
down_revision = '0014'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index('ix_protocol_version_working_sha256', 'protocol_version', ['working_sha256'])
    pending = sa.column('seal_pending').is_(True)
    op.create_index('ix_protocol_version_seal_pending', 'protocol_version', ['id'],
                    postgresql_where=pending, sqlite_where=pending)


def downgrade() -> None:
    op.drop_index('ix_protocol_version_seal_pending', table_name='protocol_version')
    op.drop_index('ix_protocol_version_working_sha256', table_name='protocol_version')
