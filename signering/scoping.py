"""The organisation rule: a row is looked up by (id, organisation), never by id alone.

Another organisation's ids are then indistinguishable from ids that do not exist: both
raise :class:`NotFound`, so nobody learns what exists elsewhere by trying numbers.
"""

from __future__ import annotations

from sqlalchemy import select

from .workflow.errors import NotFound


def one_in_organisation(session, model, row_id: int, org_id: int | None, *, lock: bool = False,
                        options=(), missing: NotFound | None = None):
    """The ``model`` row ``row_id`` of organisation ``org_id``, or ``missing`` (a plain NotFound) raised.

    ``lock`` takes the row for update, ``options`` are loader options for the query.
    """
    stmt = select(model).filter_by(id=row_id, organisation_id=org_id)
    if options:
        stmt = stmt.options(*options)
    if lock:
        stmt = stmt.with_for_update()
    row = session.execute(stmt).scalar_one_or_none()
    if row is None:
        raise missing or NotFound()
    return row
