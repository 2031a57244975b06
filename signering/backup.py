"""Backup and restore: every table as portable JSON lines, every blob, and a manifest of hashes.

Layout of a backup directory (mode 0700, every file 0600: it holds password hashes, webhook
secrets and e-mail addresses)::

    manifest.json          format version, dialect, Alembic revision, row counts, hashes, HMAC
    db/<table>.jsonl       one JSON object per row, dates ISO 8601, bytes base64
    blobs/<sha256>         the blob store's files, named by their own hash

The rows are read in one read transaction (REPEATABLE READ on PostgreSQL; SQLite's WAL gives a
transaction one snapshot), so the backup is one consistent moment even while the service runs.
Blobs are listed after that snapshot: a row is committed only after its blob exists, so every
blob the snapshot names is there. The manifest is written last, so a backup that stopped half
way has no manifest and cannot be restored by mistake.

The format names no dialect-specific types, so a backup from SQLite restores into PostgreSQL
and back. The manifest is authenticated with the backup key, which is not in the backup
(``signering/backup_key.py``); restore checks that first, then every hash, before it writes
anything. With ``encrypt`` the table files and blobs are stored AES-256-GCM encrypted; the
manifest's hashes are of the plaintext, and stay readable so a backup can be checked and listed.
Restoring is :mod:`signering.restore`; what both share is :mod:`signering.backup_format`.
"""


from __future__ import annotations

import datetime as dt
import hashlib
import json
import os

from sqlalchemy.engine import Connection

from .backup_format import (CHUNK, FORMAT, FORMAT_VERSION, MANIFEST, BackupError, encode_row, hash_stream, ordered,
                            revision, tables, utc)
from .backup_key import CIPHER, BackupKey
from .db import Database
from .files import atomic_write
from .storage import BlobStore

def read_all(db: Database) -> dict[str, list[dict]]:
    """Every row of every table in portable form (for comparing two databases)."""
    with _snapshot(db) as conn:
        return {t.name: [encode_row(t, r) for r in conn.execute(ordered(t))] for t in tables()}


class _snapshot:
    """A read-only transaction that sees one moment of the database."""

    def __init__(self, db: Database):
        self.db = db

    def __enter__(self) -> Connection:
        options = {} if self.db.is_sqlite else {"isolation_level": "REPEATABLE READ", "postgresql_readonly": True}
        self.conn = self.db.engine.connect().execution_options(**options)
        self.tx = self.conn.begin()
        return self.conn

    def __exit__(self, *exc) -> None:
        self.tx.rollback()
        self.conn.close()


# -- backup -----------------------------------------------------------------------------

def _hash_file(path: str) -> tuple[str, int]:
    with open(path, "rb") as fh:
        return hash_stream(fh)


def _private_dir(path: str) -> None:
    os.makedirs(path, mode=0o700, exist_ok=True)
    os.chmod(path, 0o700)  # an existing empty directory, or a umask that left more bits


def _new_file(path: str):
    """A new file only the service's user can read; never an existing one (O_EXCL)."""
    return os.fdopen(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600), "wb")


class _Sink:
    """Where one backup file's bytes go: plain, or through AES-GCM; hashes the plaintext."""

    def __init__(self, path: str, label: str, key: BackupKey, encrypt: bool):
        self.fh = _new_file(path)
        self.out = key.encryptor(self.fh, label) if encrypt else self.fh
        self.digest, self.size = hashlib.sha256(), 0

    def write(self, data: bytes) -> None:
        self.out.write(data)
        self.digest.update(data)
        self.size += len(data)

    def close(self) -> tuple[str, int]:
        if self.out is not self.fh:
            self.out.close()
        self.fh.flush()
        os.fsync(self.fh.fileno())
        self.fh.close()
        return self.digest.hexdigest(), self.size


def _copy_blob(source: str, dest: str, label: str, key: BackupKey, encrypt: bool) -> tuple[str, int]:
    """Copy one blob into the backup; return the SHA-256 and size of what was read."""
    if not encrypt and not os.stat(source).st_mode & 0o077:
        try:
            os.link(source, dest)  # same filesystem: no second copy of every protocol
            return _hash_file(dest)
        except OSError:
            pass
    sink = _Sink(dest, label, key, encrypt)
    try:
        with open(source, "rb") as fh:
            while chunk := fh.read(CHUNK):
                sink.write(chunk)
    finally:
        result = sink.close()
    return result


def backup(db: Database, blobs: BlobStore, directory: str, key: BackupKey, *, encrypt: bool = False,
           clock=None) -> dict:
    """Write a full backup into ``directory`` (new or empty); return the manifest."""
    directory = os.path.abspath(directory)
    if os.path.exists(directory) and (not os.path.isdir(directory) or os.listdir(directory)):
        raise BackupError("dir_not_empty", path=directory)
    for path in (directory, os.path.join(directory, "db"), os.path.join(directory, "blobs")):
        _private_dir(path)
    now = (clock or (lambda: dt.datetime.now(dt.timezone.utc)))()
    files, counts = {}, {}
    with _snapshot(db) as conn:
        schema_revision = revision(conn)
        for table in tables():
            name = f"db/{table.name}.jsonl"
            sink, count = _Sink(os.path.join(directory, name), name, key, encrypt), 0
            try:
                for row in conn.execute(ordered(table)):
                    sink.write((json.dumps(encode_row(table, row), ensure_ascii=False, sort_keys=True,
                                           separators=(",", ":")) + "\n").encode("utf-8"))
                    count += 1
            finally:
                digest, size = sink.close()
            files[name] = {"sha256": digest, "size": size}
            counts[table.name] = count
    blob_list = []
    for sha in blobs.iter_hashes():
        actual, size = _copy_blob(blobs.path(sha), os.path.join(directory, "blobs", sha), f"blobs/{sha}", key,
                                  encrypt)
        if actual != sha:
            # The store itself holds a damaged file; a backup must not quietly carry it on.
            raise BackupError("hash_mismatch", item=f"blob {sha} in the blob store")
        blob_list.append({"sha256": sha, "size": size})
    manifest = key.authenticate({
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "created_at": utc(now).isoformat(),
        "dialect": db.engine.dialect.name,
        "alembic_revision": schema_revision,
        "tables": counts,
        "files": files,
        "blobs": blob_list,
        "encryption": {"algorithm": CIPHER} if encrypt else None,
    })
    data = json.dumps(manifest, ensure_ascii=False, indent=2, sort_keys=True) + "\n"
    atomic_write(os.path.join(directory, MANIFEST), data.encode("utf-8"))
    return manifest
