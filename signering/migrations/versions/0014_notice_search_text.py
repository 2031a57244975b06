"""notice.search_text: the title and board case-folded, for the archive search in SQL (issue 15)

The archive search read every archived notice of the organisation and matched in Python,
because SQLite's LIKE folds ASCII only; that grew with the archive. Existing rows are filled
here with the same fold the model uses on every write.

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-02 13:00:00
"""
from alembic import op
import sqlalchemy as sa

from signering.notice_search import search_text


revision = '0014'
down_revision = '0013'
branch_labels = None
depends_on = None

_BATCH = 5000


def upgrade() -> None:
    with op.batch_alter_table('notice', schema=None) as batch_op:
        batch_op.add_column(sa.Column('search_text', sa.Text(), nullable=False, server_default=''))
    conn = op.get_bind()
    notice = sa.table('notice', sa.column('id', sa.Integer), sa.column('title', sa.String),
                      sa.column('board_name', sa.String), sa.column('search_text', sa.Text))
    fill = (sa.update(notice).where(notice.c.id == sa.bindparam('row_id'))
            .values(search_text=sa.bindparam('text')))
    last = 0
    while True:
        # In pages by id: a country's archive is hundreds of thousands of notices.
        rows = conn.execute(sa.select(notice.c.id, notice.c.title, notice.c.board_name)
                            .where(notice.c.id > last).order_by(notice.c.id).limit(_BATCH)).all()
        if not rows:
            break
        conn.execute(fill, [{'row_id': r.id, 'text': search_text(r.title, r.board_name)} for r in rows])
        last = rows[-1].id


def downgrade() -> None:
    with op.batch_alter_table('notice', schema=None) as batch_op:
        batch_op.drop_column('search_text')
