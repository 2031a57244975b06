"""Backup and restore: every table as portable JSON lines, every blob, and a manifest of hashes.

Layout of a backup directory::

    manifest.json          format version, dialect, Alembic revision, row counts, hashes
    db/<table>.jsonl       one JSON object per row, dates ISO 8601, bytes base64
    blobs/<sha256>         the blob store's files, named by their own hash

The rows are read in one read transaction (REPEATABLE READ on PostgreSQL; SQLite's WAL gives a
transaction one snapshot), so the backup is one consistent moment even while the service runs.
Blobs are listed after that snapshot: a row is committed only after its blob exists, so every
blob the snapshot names is there. The manifest is written last, so a backup that stopped half
way has no manifest and cannot be restored by mistake.

The format names no dialect-specific types, so a backup from SQLite restores into PostgreSQL
and back. Restore checks every hash before it writes anything.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import json
import os
import shutil
from collections.abc import Iterator
from typing import Any

from sqlalchemy import DateTime, Date, LargeBinary, Table, func, select, text
from sqlalchemy.engine import Connection

from .db import Database
from .errors import SigneringError
from .models import Base
from .storage import BlobStore, check_sha

FORMAT = "signering-backup"
FORMAT_VERSION = 1
MANIFEST = "manifest.json"
_CHUNK = 1024 * 1024
_INSERT_BATCH = 500


class BackupError(SigneringError):
    """A backup could not be made or restored; ``reason`` says which check stopped it."""

    code = "backup_failed"
    http_status = 409
    default_sv = "Säkerhetskopieringen misslyckades."
    default_en = "The backup failed."
    _reasons = {
        "dir_not_empty": (
            "Katalogen {path} är inte tom. Ange en ny eller tom katalog för säkerhetskopian.",
            "The directory {path} is not empty. Give a new or empty directory for the backup.",
        ),
        "manifest_missing": (
            "{path} saknar manifest.json och är ingen fullständig säkerhetskopia. Använd en annan kopia.",
            "{path} has no manifest.json and is not a complete backup. Use another copy.",
        ),
        "manifest_invalid": (
            "manifest.json i säkerhetskopian är ogiltig ({detail}). Kopian kan inte läsas tillbaka; använd en annan.",
            "manifest.json in the backup is invalid ({detail}). The copy cannot be restored; use another one.",
        ),
        "hash_mismatch": (
            "Säkerhetskopian är skadad eller ändrad: {item} stämmer inte med manifestets hashvärde. "
            "Ingenting har lästs tillbaka. Använd en annan kopia.",
            "The backup is damaged or changed: {item} does not match the manifest's hash. "
            "Nothing has been restored. Use another copy.",
        ),
        "database_not_empty": (
            "Databasen är inte tom (tabeller med rader: {tables}). Läs bara tillbaka till en ny, tom databas.",
            "The database is not empty (tables with rows: {tables}). Restore only into a new, empty database.",
        ),
        "revision_mismatch": (
            "Säkerhetskopian har databasversion {backup}, men den här installationen har {current}. Läs "
            "tillbaka med samma version av Signering som gjorde kopian och uppgradera sedan.",
            "The backup has database version {backup}, but this installation has {current}. Restore with the "
            "same version of Signering that made the copy, then upgrade.",
        ),
        "bad_row": (
            "En rad i {item} kan inte läsas ({detail}). Använd en annan kopia.",
            "A row in {item} cannot be read ({detail}). Use another copy.",
        ),
    }

    def __init__(self, reason: str, **details):
        sv, en = self._reasons.get(reason, (self.default_sv, self.default_en))
        self.reason = reason
        super().__init__(sv.format(**details), en.format(**details), reason=reason, **details)


# -- portable values --------------------------------------------------------------------

def _utc(value: dt.datetime) -> dt.datetime:
    # SQLite hands back naive datetimes; the service only ever stores UTC.
    return value.replace(tzinfo=dt.timezone.utc) if value.utcoffset() is None else value.astimezone(dt.timezone.utc)


def encode_value(column, value: Any) -> Any:
    if value is None:
        return None
    if isinstance(column.type, DateTime):
        return _utc(value).isoformat()
    if isinstance(column.type, Date):
        return value.isoformat()
    if isinstance(column.type, LargeBinary):
        return base64.b64encode(bytes(value)).decode("ascii")
    return value


def decode_value(column, value: Any) -> Any:
    if value is None:
        return None
    if isinstance(column.type, DateTime):
        return _utc(dt.datetime.fromisoformat(value))
    if isinstance(column.type, Date):
        return dt.date.fromisoformat(value)
    if isinstance(column.type, LargeBinary):
        return base64.b64decode(value, validate=True)
    return value


def encode_row(table: Table, row) -> dict:
    mapping = row._mapping
    return {c.name: encode_value(c, mapping[c]) for c in table.columns}


def _ordered(table: Table):
    return select(table).order_by(*table.primary_key.columns)


def tables() -> list[Table]:
    """Every table, parents before children."""
    return list(Base.metadata.sorted_tables)


def read_all(db: Database) -> dict[str, list[dict]]:
    """Every row of every table in portable form (for comparing two databases)."""
    with _snapshot(db) as conn:
        return {t.name: [encode_row(t, r) for r in conn.execute(_ordered(t))] for t in tables()}


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


def _revision(conn: Connection) -> str | None:
    return conn.execute(text("SELECT version_num FROM alembic_version")).scalar_one_or_none()


# -- backup -----------------------------------------------------------------------------

def _hash_file(path: str) -> tuple[str, int]:
    digest, size = hashlib.sha256(), 0
    with open(path, "rb") as fh:
        while chunk := fh.read(_CHUNK):
            digest.update(chunk)
            size += len(chunk)
    return digest.hexdigest(), size


def _copy_blob(source: str, dest: str) -> None:
    try:
        os.link(source, dest)  # same filesystem: no second copy of every protocol
    except OSError:
        shutil.copyfile(source, dest)


def _write_json(path: str, data: dict) -> None:
    tmp = path + ".part"
    with open(tmp, "w", encoding="utf-8") as fh:
        json.dump(data, fh, ensure_ascii=False, indent=2, sort_keys=True)
        fh.write("\n")
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)


def backup(db: Database, blobs: BlobStore, directory: str, *, clock=None) -> dict:
    """Write a full backup into ``directory`` (new or empty); return the manifest."""
    directory = os.path.abspath(directory)
    if os.path.exists(directory) and (not os.path.isdir(directory) or os.listdir(directory)):
        raise BackupError("dir_not_empty", path=directory)
    os.makedirs(os.path.join(directory, "db"), exist_ok=True)
    os.makedirs(os.path.join(directory, "blobs"), exist_ok=True)
    now = (clock or (lambda: dt.datetime.now(dt.timezone.utc)))()
    files, counts = {}, {}
    with _snapshot(db) as conn:
        revision = _revision(conn)
        for table in tables():
            name = f"db/{table.name}.jsonl"
            digest, size, count = hashlib.sha256(), 0, 0
            with open(os.path.join(directory, name), "wb") as fh:
                for row in conn.execute(_ordered(table)):
                    line = (json.dumps(encode_row(table, row), ensure_ascii=False, sort_keys=True,
                                       separators=(",", ":")) + "\n").encode("utf-8")
                    fh.write(line)
                    digest.update(line)
                    size += len(line)
                    count += 1
                fh.flush()
                os.fsync(fh.fileno())
            files[name] = {"sha256": digest.hexdigest(), "size": size}
            counts[table.name] = count
    blob_list = []
    for sha in blobs.iter_hashes():
        dest = os.path.join(directory, "blobs", sha)
        _copy_blob(blobs.path(sha), dest)
        actual, size = _hash_file(dest)
        if actual != sha:
            # The store itself holds a damaged file; a backup must not quietly carry it on.
            raise BackupError("hash_mismatch", item=f"blob {sha} in the blob store")
        blob_list.append({"sha256": sha, "size": size})
    manifest = {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "created_at": _utc(now).isoformat(),
        "dialect": db.engine.dialect.name,
        "alembic_revision": revision,
        "tables": counts,
        "files": files,
        "blobs": blob_list,
    }
    _write_json(os.path.join(directory, MANIFEST), manifest)
    return manifest


# -- restore ----------------------------------------------------------------------------

def _invalid(detail: str) -> BackupError:
    return BackupError("manifest_invalid", detail=detail)


def load_manifest(directory: str) -> dict:
    path = os.path.join(directory, MANIFEST)
    if not os.path.isfile(path):
        raise BackupError("manifest_missing", path=os.path.abspath(directory))
    try:
        with open(path, encoding="utf-8") as fh:
            manifest = json.load(fh)
    except (OSError, ValueError) as exc:
        raise _invalid(f"not JSON: {exc}") from None
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT or not isinstance(manifest.get("tables"), dict):
        raise _invalid("not a Signering backup")
    if manifest.get("format_version") != FORMAT_VERSION:
        raise _invalid(f"format version {manifest.get('format_version')!r}, expected {FORMAT_VERSION}")
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


def verify_backup(directory: str) -> dict:
    """Check every file and blob against the manifest; return the manifest or raise BackupError."""
    manifest = load_manifest(directory)
    for name, expected in sorted(manifest["files"].items()):
        _check(os.path.join(directory, name), expected, name)
    for item in manifest["blobs"]:
        _check(os.path.join(directory, "blobs", item["sha256"]), item, f"blobs/{item['sha256']}")
    return manifest


def _check(path: str, expected: object, label: str) -> None:
    if not isinstance(expected, dict):
        raise _invalid(f"no hash for {label}")
    try:
        actual, size = _hash_file(path)
    except OSError:
        raise BackupError("hash_mismatch", item=f"{label} (missing)") from None
    if actual != expected.get("sha256") or size != expected.get("size"):
        raise BackupError("hash_mismatch", item=label)


def _rows(path: str, table: Table, label: str, expected_sha: str) -> Iterator[dict]:
    """Decoded rows; the hash is checked again as the file is read, so a file changed after
    ``verify_backup`` ends the transaction before it commits."""
    digest = hashlib.sha256()
    columns = {c.name: c for c in table.columns}
    with open(path, "rb") as fh:
        for number, line in enumerate(fh, start=1):
            digest.update(line)
            try:
                data = json.loads(line)
                if not isinstance(data, dict) or set(data) != set(columns):
                    raise ValueError("columns do not match")
                yield {name: decode_value(columns[name], value) for name, value in data.items()}
            except (ValueError, TypeError) as exc:
                raise BackupError("bad_row", item=f"{label} line {number}", detail=str(exc)) from None
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


def restore(db: Database, blobs: BlobStore, directory: str) -> dict:
    """Restore the backup in ``directory`` into an empty database and the blob store.

    Order: verify every hash; migrate the schema; refuse a database with rows; copy the blobs
    (a row must never name a missing blob); insert all rows in one transaction.
    """
    manifest = verify_backup(directory)
    db.upgrade()
    with db.engine.connect() as conn:
        current = _revision(conn)
        occupied = _tables_with_rows(conn)
    if manifest.get("alembic_revision") != current:
        raise BackupError("revision_mismatch", backup=manifest.get("alembic_revision"), current=current)
    if occupied:
        raise BackupError("database_not_empty", tables=", ".join(occupied))
    for item in manifest["blobs"]:
        with open(os.path.join(directory, "blobs", item["sha256"]), "rb") as fh:
            sha, _size = blobs.put_stream(fh)
        if sha != item["sha256"]:
            raise BackupError("hash_mismatch", item=f"blobs/{item['sha256']}")
    with db.engine.begin() as conn:
        # Checked again inside the transaction: another process may have started in between.
        occupied = _tables_with_rows(conn)
        if occupied:
            raise BackupError("database_not_empty", tables=", ".join(occupied))
        for table in tables():
            name = f"db/{table.name}.jsonl"
            batch, count = [], 0
            for row in _rows(os.path.join(directory, name), table, name, manifest["files"][name]["sha256"]):
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
