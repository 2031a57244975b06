"""The log's stored subtree hashes: proofs and tree heads read from them equal those computed
from every leaf (RFC 9162), for every index and size, and the migration fills them for an older log."""

from __future__ import annotations

import hashlib

from alembic import command
from sqlalchemy import delete, func, select

from signering.db import Database, alembic_config
from signering.models import LogEntry, LogNode
from signering.translog import merkle
from signering.workflow import translog_store as store

SIZE = 37


def _leaf(i: int) -> bytes:
    return merkle.hash_leaf(b"leaf %d" % i)


def _append(session, i: int) -> None:
    digest = hashlib.sha256(b"%d" % i).hexdigest()
    session.add(LogEntry(index=i, leaf=b"leaf %d" % i, leaf_hash=_leaf(i).hex(), original_sha256=digest,
                         sealed_sha256=digest))
    session.flush()
    store._add_nodes(session, i, _leaf(i))
    session.flush()


def _log(tmp_path) -> Database:
    """A log of SIZE leaves appended the way ``append_sealed`` does, subtrees and all."""
    db = Database(f"sqlite:///{tmp_path}/log.sqlite3")
    db.upgrade()
    with db.write() as session:
        for i in range(SIZE):
            _append(session, i)
    return db


def test_paths_from_stored_subtrees_equal_those_from_the_leaves(tmp_path):
    db = _log(tmp_path)
    leaves = [_leaf(i) for i in range(SIZE)]
    with db.read() as session:
        # one node per pair closed at every level: n minus the number of 1 bits of n
        assert session.execute(select(func.count()).select_from(LogNode)).scalar_one() == SIZE - bin(SIZE).count("1")
        assert store.entry_count(session) == SIZE
        for size in range(1, SIZE + 1):
            assert store.range_roots(session, [(0, size)]) == [merkle.root(leaves[:size])]
            for index in range(size):
                assert store.inclusion_path(session, index, size) == merkle.inclusion_proof(leaves, index, size)
            for old in range(size + 1):
                assert store.consistency_path(session, old, size) == merkle.consistency_proof(leaves, old, size)
    db.dispose()


def test_missing_subtrees_are_computed_from_the_leaves(tmp_path):
    db = _log(tmp_path)
    leaves = [_leaf(i) for i in range(SIZE)]
    with db.write() as session:
        session.execute(delete(LogNode).where(LogNode.level >= 3))
        assert store.inclusion_path(session, 5, SIZE) == merkle.inclusion_proof(leaves, 5, SIZE)
    db.dispose()


def test_the_migration_fills_the_subtrees_of_an_existing_log(tmp_path):
    url = f"sqlite:///{tmp_path}/log.sqlite3"
    command.upgrade(alembic_config(url), "0010")
    db = Database(url)
    with db.engine.begin() as conn:
        for i in range(SIZE):
            digest = hashlib.sha256(b"%d" % i).hexdigest()
            conn.execute(LogEntry.__table__.insert(), {"index": i, "leaf": b"x", "leaf_hash": _leaf(i).hex(),
                                                       "original_sha256": digest, "sealed_sha256": digest})
    db.upgrade()
    leaves = [_leaf(i) for i in range(SIZE)]
    with db.read() as session:
        assert session.execute(select(func.count()).select_from(LogNode)).scalar_one() == SIZE - bin(SIZE).count("1")
        assert store.range_roots(session, [(0, SIZE)]) == [merkle.root(leaves)]
        assert store.inclusion_path(session, 20, SIZE) == merkle.inclusion_proof(leaves, 20, SIZE)
    db.dispose()
