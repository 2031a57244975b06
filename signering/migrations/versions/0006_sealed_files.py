"""sealed_file: every sealed file of a version, the seal and each archive-timestamp renewal (issue 11)

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-01 22:00:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'sealed_file',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('version_id', sa.Integer(), nullable=False),
        sa.Column('number', sa.Integer(), nullable=False),
        sa.Column('sha256', sa.String(length=64), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('tsa_expires_at', sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(['version_id'], ['protocol_version.id'], ),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('sha256'),
        sa.UniqueConstraint('version_id', 'number'),
    )
    with op.batch_alter_table('sealed_file', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_sealed_file_version_id'), ['version_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_sealed_file_tsa_expires_at'), ['tsa_expires_at'], unique=False)
    # The files sealed so far are each version's number 0; the worker reads their TSA expiry later.
    op.execute("INSERT INTO sealed_file (version_id, number, sha256, created_at) "
               "SELECT id, 0, sealed_sha256, COALESCE(sealed_at, created_at) FROM protocol_version "
               "WHERE sealed_sha256 IS NOT NULL")


def downgrade() -> None:
    with op.batch_alter_table('sealed_file', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_sealed_file_tsa_expires_at'))
        batch_op.drop_index(batch_op.f('ix_sealed_file_version_id'))
    op.drop_table('sealed_file')
