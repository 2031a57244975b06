"""The transparency log kept in the database: leaves appended, never changed, and one signed
checkpoint for every size the tree has had."""

from __future__ import annotations

from urllib.parse import urlsplit

from sqlalchemy import func, select, text, tuple_

from ..models import LogCheckpoint, LogEntry, LogNode
from ..translog import merkle
from ..translog.checkpoint import Checkpoint
from ..translog.compact import prefix_roots
from ..translog.cosignature import accept_cosignatures
from ..translog.leaf import SealedProtocolEntry, encode_leaf, leaf_hash
from ..translog.note import parse_note

#: more sizes than this without a checkpoint (a log from before checkpoints were stored) are
#: signed in one pass over the leaves rather than one subtree lookup per size
_BACKLOG = 64


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
    # Indexes run 0..n-1 without gaps: the largest is one index lookup, where a count reads them all.
    top = session.execute(select(func.max(LogEntry.index))).scalar_one()
    return 0 if top is None else top + 1


def _subtree_hashes(session, keys) -> dict[tuple[int, int], bytes]:
    """The stored hashes of complete subtrees (level, position); level 0 is a leaf's own hash."""
    leaves = sorted({p for level, p in keys if level == 0})
    inner = sorted({k for k in keys if k[0] > 0})
    found = {}
    if leaves:
        found.update(((0, i), bytes.fromhex(h)) for i, h in session.execute(
            select(LogEntry.index, LogEntry.leaf_hash).where(LogEntry.index.in_(leaves))))
    if inner:
        found.update(((level, p), bytes.fromhex(h)) for level, p, h in session.execute(
            select(LogNode.level, LogNode.position, LogNode.hash)
            .where(tuple_(LogNode.level, LogNode.position).in_(inner))))
    for level, position in set(keys) - set(found):
        # Not stored (leaves written by hand, as tests of a misbehaving log do): from the leaves.
        lo = position << level
        found[(level, position)] = merkle.root(leaf_hashes_between(session, lo, lo + (1 << level)))
    return found


def leaf_hashes_between(session, lo: int, hi: int) -> list[bytes]:
    query = (select(LogEntry.leaf_hash).where(LogEntry.index >= lo, LogEntry.index < hi).order_by(LogEntry.index))
    return [bytes.fromhex(h) for h in session.execute(query).scalars()]


def range_roots(session, ranges) -> list[bytes]:
    """MTH(D[lo:hi]) for each range a proof or a tree head names, from O(log n) stored subtrees
    each, read in at most two queries."""
    parts = [merkle.perfect_subtrees(lo, hi) for lo, hi in ranges]
    found = _subtree_hashes(session, [k for part in parts for k in part])
    return [merkle.fold([found[k] for k in part]) for part in parts]


def inclusion_path(session, index: int, size: int) -> list[bytes]:
    return range_roots(session, merkle.inclusion_ranges(index, size))


def consistency_path(session, old_size: int, new_size: int) -> list[bytes]:
    return range_roots(session, merkle.consistency_ranges(old_size, new_size))


def _add_nodes(session, index: int, leaf: bytes) -> None:
    """Store the complete subtrees that leaf ``index`` closes (as many as trailing 1 bits of index)."""
    lefts = []
    level, position = 0, index
    while position & 1:
        lefts.append((level, position - 1))
        level, position = level + 1, position >> 1
    found = _subtree_hashes(session, lefts)
    node = leaf
    for level, position in lefts:
        node = merkle.hash_children(found[(level, position)], node)
        session.add(LogNode(level=level + 1, position=position >> 1, hash=node.hex()))


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
    if count - start > _BACKLOG:
        roots = prefix_roots(leaf_hashes(session))
    else:
        sizes = range(start + 1, count + 1)
        roots = zip(sizes, range_roots(session, [(0, size) for size in sizes]))
    for size, root in roots:
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
    _add_nodes(session, index, bytes.fromhex(row.leaf_hash))
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
