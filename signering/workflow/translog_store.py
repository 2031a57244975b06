"""The transparency log kept in the database: leaves appended, never changed, and one signed
checkpoint for every size the tree has had."""

from __future__ import annotations

from urllib.parse import urlsplit

from sqlalchemy import func, select, text

from ..models import LogCheckpoint, LogEntry
from ..translog.checkpoint import Checkpoint
from ..translog.compact import prefix_roots
from ..translog.cosignature import accept_cosignatures
from ..translog.leaf import SealedProtocolEntry, encode_leaf, leaf_hash
from ..translog.note import parse_note


def leaf_hashes(session, size: int | None = None) -> list[bytes]:
    query = select(LogEntry.leaf_hash).order_by(LogEntry.index)
    if size is not None:
        query = query.where(LogEntry.index < size)
    return [bytes.fromhex(h) for h in session.execute(query).scalars()]


def checkpoint_at(session, size: int) -> LogCheckpoint | None:
    return session.get(LogCheckpoint, size)


def latest_checkpoint(session) -> LogCheckpoint | None:
    return session.execute(select(LogCheckpoint).order_by(LogCheckpoint.tree_size.desc()).limit(1)
                           ).scalar_one_or_none()


def log_origin(session, svc) -> str:
    """The origin of the first checkpoint ever made; before that, the configured one.

    Fixed once made: every verifier names the log by it, so a later change of the setting or of
    the base URL must not rename the log.
    """
    first = session.execute(select(LogCheckpoint.note).order_by(LogCheckpoint.tree_size).limit(1)
                            ).scalar_one_or_none()
    if first is not None:
        return Checkpoint.from_text(parse_note(first).text).origin
    return svc.settings.log_origin or (urlsplit(svc.settings.base_url).netloc or "signering") + "/log"


def entry_count(session) -> int:
    return session.execute(select(func.count(LogEntry.index))).scalar_one()


def ensure_checkpoints(session, svc) -> LogCheckpoint:
    """Sign a checkpoint for every size the tree has reached without one; return the newest.

    Runs in the write transaction that appended a leaf, so each growth gets its checkpoint in the
    same commit. Sizes from before checkpoints were stored (the log of an older version) are
    signed here the first time, with today's ``created_at``.
    """
    newest = latest_checkpoint(session)
    count = entry_count(session)
    if newest is not None and newest.tree_size >= count:
        return newest
    origin = log_origin(session, svc)
    signer = svc.log_signer
    start = -1 if newest is None else newest.tree_size
    now = svc.clock()
    for size, root in prefix_roots(leaf_hashes(session)):
        if size <= start:
            continue
        newest = LogCheckpoint(tree_size=size, root_hash=root.hex(), created_at=now, cosignatures="",
                               note=signer.sign(Checkpoint(origin, size, root)))
        session.add(newest)
    session.flush()
    return newest


def append_sealed(session, svc, *, org, protocol, version) -> LogEntry:
    entry = SealedProtocolEntry(original_sha256=version.original_sha256, sealed_sha256=version.sealed_sha256,
                                organisation_id=org.slug, board=protocol.board.name,
                                meeting_date=protocol.meeting_date, sealed_at=version.sealed_at)
    # Two seals must not both count n leaves and take index n (nor sign checkpoint n+1 twice):
    # SQLite's write transaction holds the whole database; on PostgreSQL the second append waits
    # here for the first to commit and then counts its leaf. The unique index alone only made
    # the second seal fail (IntegrityError) whenever two servers sealed at the same moment.
    if session.bind.dialect.name == "postgresql":
        session.execute(text("LOCK TABLE log_entry IN SHARE ROW EXCLUSIVE MODE"))
    ensure_checkpoints(session, svc)
    index = entry_count(session)
    row = LogEntry(index=index, leaf=encode_leaf(entry), leaf_hash=leaf_hash(entry).hex(),
                   original_sha256=version.original_sha256, sealed_sha256=version.sealed_sha256,
                   created_at=svc.clock())
    session.add(row)
    session.flush()
    ensure_checkpoints(session, svc)
    return row


def add_cosignatures(session, size: int, lines: str, witnesses) -> LogCheckpoint | None:
    """Check witness cosignature ``lines`` over the stored checkpoint of ``size`` and keep them,
    one line per witness key (a newer line replaces that witness's older one). None: no such size."""
    row = checkpoint_at(session, size)
    if row is None:
        return None
    text = parse_note(row.note).text
    new = accept_cosignatures(text, lines, witnesses)
    kept = [s for s in parse_note(text + "\n" + row.cosignatures).signatures
            if not any(n.name == s.name and n.key_hash == s.key_hash for n in new)] if row.cosignatures else []
    row.cosignatures = "".join(s.line() for s in kept + new)
    session.flush()
    return row
