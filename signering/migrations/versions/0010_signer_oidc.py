"""Signers identified by OpenID Connect: per-organisation setting, per-signer personnummer hash and
how each was identified, pending logins (issue 14)

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-01 23:00:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('organisation', schema=None) as batch_op:
        batch_op.add_column(sa.Column('signer_auth', sa.String(length=16), nullable=False, server_default='code'))
        batch_op.add_column(sa.Column('oidc_issuer', sa.String(length=500), nullable=True))
        batch_op.add_column(sa.Column('oidc_client_id', sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column('oidc_client_secret_env', sa.String(length=100), nullable=True))
        batch_op.add_column(sa.Column('oidc_personnummer_claim', sa.String(length=200), nullable=True))
    with op.batch_alter_table('signature_request', schema=None) as batch_op:
        batch_op.add_column(sa.Column('personnummer_hash', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('identified_by', sa.String(length=16), nullable=True))
        batch_op.add_column(sa.Column('identity_match', sa.String(length=16), nullable=True))
        batch_op.add_column(sa.Column('identified_at', sa.DateTime(timezone=True), nullable=True))
    op.create_table(
        'oidc_login',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('request_id', sa.Integer(), nullable=False),
        sa.Column('state_hash', sa.String(length=64), nullable=False),
        sa.Column('nonce', sa.String(length=100), nullable=False),
        sa.Column('code_verifier', sa.String(length=200), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('used_at', sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(['request_id'], ['signature_request.id'], ),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('state_hash'),
    )
    with op.batch_alter_table('oidc_login', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_oidc_login_request_id'), ['request_id'], unique=False)


def downgrade() -> None:
    op.drop_table('oidc_login')
    with op.batch_alter_table('signature_request', schema=None) as batch_op:
        for column in ('identified_at', 'identity_match', 'identified_by', 'personnummer_hash'):
            batch_op.drop_column(column)
    with op.batch_alter_table('organisation', schema=None) as batch_op:
        for column in ('oidc_personnummer_claim', 'oidc_client_secret_env', 'oidc_client_id', 'oidc_issuer',
                       'signer_auth'):
            batch_op.drop_column(column)
