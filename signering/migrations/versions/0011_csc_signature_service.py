"""Signatures from a remote signing service (CSC API): per-organisation settings (issue 14)

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-02 01:00:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('organisation', schema=None) as batch_op:
        batch_op.add_column(sa.Column('signature_service', sa.String(length=16), nullable=False,
                                      server_default='local'))
        batch_op.add_column(sa.Column('csc_url', sa.String(length=500), nullable=True))
        batch_op.add_column(sa.Column('csc_api_version', sa.String(length=16), nullable=False,
                                      server_default='1.0.4'))
        batch_op.add_column(sa.Column('csc_client_id', sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column('csc_client_secret_env', sa.String(length=100), nullable=True))
        batch_op.add_column(sa.Column('csc_credential', sa.String(length=300), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('organisation', schema=None) as batch_op:
        for column in ('csc_credential', 'csc_client_secret_env', 'csc_client_id', 'csc_api_version', 'csc_url',
                       'signature_service'):
            batch_op.drop_column(column)
