"""log_node: the transparency log's complete subtree hashes, so proofs and tree heads cost
O(log n) reads instead of every leaf (issue 15)

The subtrees of the leaves already in the log are computed here from their stored hashes.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-02 12:00:00
"""
from alembic import op
import sqlalchemy as sa

from signering.translog.merkle import hash_children


revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None


def upgrade() -> None:
    node = op.create_table(
        'log_node',
        sa.Column('level', sa.Integer(), autoincrement=False, nullable=False),
        sa.Column('position', sa.Integer(), autoincrement=False, nullable=False),
        sa.Column('hash', sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint('level', 'position'),
    )
    level = [bytes.fromhex(h) for (h,) in op.get_bind().execute(
        sa.text('SELECT leaf_hash FROM log_entry ORDER BY "index"'))]
    depth = 0
    while len(level) > 1:
        level = [hash_children(level[i], level[i + 1]) for i in range(0, len(level) - 1, 2)]
        depth += 1
        if level:
            op.bulk_insert(node, [{'level': depth, 'position': i, 'hash': h.hex()} for i, h in enumerate(level)])


def downgrade() -> None:
    op.drop_table('log_node')
