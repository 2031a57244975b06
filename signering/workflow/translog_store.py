"""The transparency log kept in the database: leaves appended, never changed."""

from __future__ import annotations

from sqlalchemy import func, select

from ..models import LogEntry
from ..translog.leaf import SealedProtocolEntry, encode_leaf, leaf_hash


def append_sealed(session, svc, *, org, protocol, version) -> LogEntry:
    entry = SealedProtocolEntry(original_sha256=version.original_sha256, sealed_sha256=version.sealed_sha256,
                                organisation=org.name, board=protocol.board.name,
                                meeting_date=protocol.meeting_date, sealed_at=version.sealed_at)
    # The write transaction holds the database (SQLite) or this insert's unique index (PostgreSQL)
    # so two seals cannot take the same index.
    index = session.execute(select(func.count(LogEntry.index))).scalar_one()
    row = LogEntry(index=index, leaf=encode_leaf(entry), leaf_hash=leaf_hash(entry).hex(),
                   original_sha256=version.original_sha256, sealed_sha256=version.sealed_sha256,
                   created_at=svc.clock())
    session.add(row)
    return row
