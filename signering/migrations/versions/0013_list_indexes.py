"""Indexes for the lists that grow with the years: the notices up on a board, and an
organisation's protocols newest meeting first (issue 15)

The board's query asks for one organisation's posted notices not yet due to come down; with
only ``organisation_id`` indexed it read every notice the organisation ever posted. The staff's
protocol list pages through an organisation's protocols by meeting date; without the index the
database sorts all of them for each page.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-02 12:30:00
"""
from alembic import op


revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index('ix_notice_board', 'notice', ['organisation_id', 'status', 'takedown_date'])
    op.create_index('ix_protocol_list', 'protocol', ['organisation_id', 'meeting_date', 'id'])


def downgrade() -> None:
    op.drop_index('ix_protocol_list', table_name='protocol')
    op.drop_index('ix_notice_board', table_name='notice')
