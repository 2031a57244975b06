"""Restore a backup (see :mod:`signering.backup`): the manifest's HMAC first, then every hash,
then the schema, the blobs and all rows in one transaction.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Iterator

from sqlalchemy import Table, func, select, text
from sqlalchemy.engine import Connection

from .backup_format import FORMAT, FORMAT_VERSION, MANIFEST, BackupError, decode_value, hash_stream, revision, tables
from .backup_key import CIPHER, BackupKey, InvalidTag
from .db import Database
from .errors import SigneringError
from .storage import BlobStore, check_sha

_INSERT_BATCH = 500


def _invalid(detail: str) -> BackupError:
    return BackupError("manifest_invalid", detail=detail)


def load_manifest(directory: str, key: BackupKey, *, key_path: str = "") -> dict:
    """The manifest, once its HMAC verifies with ``key``; nothing in it is trusted before that."""
    path = os.path.join(directory, MANIFEST)
    if not os.path.isfile(path):
        raise BackupError("manifest_missing", path=os.path.abspath(directory))
    try:
        with open(path, encoding="utf-8") as fh:
            manifest = json.load(fh)
    except (OSError, ValueError) as exc:
        raise _invalid(f"not JSON: {exc}") from None
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise _invalid("not a Signering backup")
    auth = manifest.get("authentication")
    if manifest.get("format_version") == 1 or not isinstance(auth, dict):
        raise BackupError("not_authenticated", path=os.path.abspath(directory))
    if not key.verifies(manifest):
        if auth.get("key_id") != key.key_id:
            raise BackupError("wrong_key", backup_key=str(auth.get("key_id"))[:32], key=key.key_id,
                              path=key_path or "SIGNERING_BACKUP_KEY_FILE")
        raise BackupError("manifest_forged")
    if manifest.get("format_version") != FORMAT_VERSION:
        raise _invalid(f"format version {manifest.get('format_version')!r}, expected {FORMAT_VERSION}")
    if not isinstance(manifest.get("tables"), dict):
        raise _invalid("no row counts")
    if manifest.get("encryption") not in (None, {"algorithm": CIPHER}):
        raise _invalid(f"unknown encryption {manifest.get('encryption')!r}")
    expected = {f"db/{t.name}.jsonl" for t in tables()}
    files = manifest.get("files")
    if not isinstance(files, dict) or set(files) != expected:
        raise _invalid("the list of table files does not match this version's tables")
    blob_list = manifest.get("blobs")
    if not isinstance(blob_list, list):
        raise _invalid("no blob list")
    for item in blob_list:
        # Checked before the name becomes part of a path.
        try:
            check_sha(item.get("sha256") if isinstance(item, dict) else None)
        except SigneringError:
            raise _invalid("a blob name is not a SHA-256") from None
    return manifest


class _Reader:
    """Opens the files of one backup as plaintext, decrypting when the manifest says so."""

    def __init__(self, directory: str, manifest: dict, key: BackupKey):
        self.directory, self.key = directory, key
        self.encrypted = manifest.get("encryption") is not None

    def open(self, label: str):
        path = os.path.join(self.directory, label)
        if not self.encrypted:
            return open(path, "rb")
        try:
            return self.key.open_decrypted(path, label)
        except InvalidTag:
            raise BackupError("hash_mismatch", item=label) from None


def verify_backup(directory: str, key: BackupKey, *, key_path: str = "") -> dict:
    """Check the manifest's HMAC, then every file and blob against it; return the manifest or raise BackupError."""
    manifest = load_manifest(directory, key, key_path=key_path)
    reader = _Reader(directory, manifest, key)
    for name, expected in sorted(manifest["files"].items()):
        _check(reader, name, expected)
    for item in manifest["blobs"]:
        _check(reader, f"blobs/{item['sha256']}", item)
    return manifest


def _check(reader: _Reader, label: str, expected: object) -> None:
    if not isinstance(expected, dict):
        raise _invalid(f"no hash for {label}")
    try:
        with reader.open(label) as fh:
            actual, size = hash_stream(fh)
    except OSError:
        raise BackupError("hash_mismatch", item=f"{label} (missing)") from None
    except InvalidTag:
        raise BackupError("hash_mismatch", item=label) from None
    if actual != expected.get("sha256") or size != expected.get("size"):
        raise BackupError("hash_mismatch", item=label)


def _rows(reader: _Reader, table: Table, label: str, expected_sha: str) -> Iterator[dict]:
    """Decoded rows; the hash is checked again as the file is read, so a file changed after
    ``verify_backup`` ends the transaction before it commits."""
    digest = hashlib.sha256()
    columns = {c.name: c for c in table.columns}
    try:
        with reader.open(label) as fh:
            for number, line in enumerate(fh, start=1):
                digest.update(line)
                try:
                    data = json.loads(line)
                    if not isinstance(data, dict) or set(data) != set(columns):
                        raise ValueError("columns do not match")
                    yield {name: decode_value(columns[name], value) for name, value in data.items()}
                except (ValueError, TypeError) as exc:
                    raise BackupError("bad_row", item=f"{label} line {number}", detail=str(exc)) from None
    except InvalidTag:
        raise BackupError("hash_mismatch", item=label) from None
    if digest.hexdigest() != expected_sha:
        raise BackupError("hash_mismatch", item=label)


def _tables_with_rows(conn: Connection) -> list[str]:
    return [t.name for t in tables() if conn.execute(select(func.count()).select_from(t)).scalar_one()]


def _reset_sequences(conn: Connection) -> None:
    """PostgreSQL hands out ids from sequences, which inserting explicit ids does not move."""
    quote = conn.dialect.identifier_preparer.quote
    for table in tables():
        pk = list(table.primary_key.columns)
        if len(pk) != 1 or not pk[0].autoincrement or pk[0].type.python_type is not int:
            continue
        name, column = quote(table.name), quote(pk[0].name)
        conn.execute(text(
            f"SELECT setval(pg_get_serial_sequence(:table, :column), COALESCE(MAX({column}), 1), "
            f"MAX({column}) IS NOT NULL) FROM {name}"), {"table": name, "column": pk[0].name})


def restore(db: Database, blobs: BlobStore, directory: str, key: BackupKey, *, key_path: str = "") -> dict:
    """Restore the backup in ``directory`` into an empty database and the blob store.

    Order: verify the manifest's HMAC and every hash; migrate the schema; refuse a database
    with rows; copy the blobs (a row must never name a missing blob); insert all rows in one
    transaction.
    """
    manifest = verify_backup(directory, key, key_path=key_path)
    reader = _Reader(directory, manifest, key)
    db.upgrade()
    with db.engine.connect() as conn:
        current = revision(conn)
        occupied = _tables_with_rows(conn)
    if manifest.get("alembic_revision") != current:
        raise BackupError("revision_mismatch", backup=manifest.get("alembic_revision"), current=current)
    if occupied:
        raise BackupError("database_not_empty", tables=", ".join(occupied))
    for item in manifest["blobs"]:
        label = f"blobs/{item['sha256']}"
        try:
            with reader.open(label) as fh:
                # A decrypting stream fails at its end if the file was changed; put_stream then
                # removes its temp file, so no unauthenticated blob is ever stored.
                sha, _size = blobs.put_stream(fh)
        except InvalidTag:
            raise BackupError("hash_mismatch", item=label) from None
        if sha != item["sha256"]:
            raise BackupError("hash_mismatch", item=label)
    with db.engine.begin() as conn:
        # Checked again inside the transaction: another process may have started in between.
        occupied = _tables_with_rows(conn)
        if occupied:
            raise BackupError("database_not_empty", tables=", ".join(occupied))
        for table in tables():
            name = f"db/{table.name}.jsonl"
            batch, count = [], 0
            for row in _rows(reader, table, name, manifest["files"][name]["sha256"]):
                batch.append(row)
                count += 1
                if len(batch) >= _INSERT_BATCH:
                    conn.execute(table.insert(), batch)
                    batch = []
            if batch:
                conn.execute(table.insert(), batch)
            if count != manifest.get("tables", {}).get(table.name):
                raise _invalid(f"{name} has {count} rows, the manifest says {manifest.get('tables', {}).get(table.name)}")
        if db.engine.dialect.name == "postgresql":
            _reset_sequences(conn)
    return manifest
