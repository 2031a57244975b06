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
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import json
import os
from collections.abc import Iterator
from typing import Any

from sqlalchemy import DateTime, Date, LargeBinary, Table, func, select, text
from sqlalchemy.engine import Connection

from .backup_key import CIPHER, BackupKey, InvalidTag
from .db import Database
from .errors import SigneringError
from .files import atomic_write
from .models import Base
from .storage import BlobStore, check_sha

FORMAT = "signering-backup"
#: 2: the manifest carries an HMAC (version 1 had none and is not restored)
FORMAT_VERSION = 2
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
        "not_authenticated": (
            "Säkerhetskopian i {path} går inte att styrka: manifestet saknar kontrollsumma med "
            "säkerhetskopieringsnyckeln (en kopia gjord före version 2 av formatet). Ingenting har lästs tillbaka.",
            "The backup in {path} cannot be authenticated: its manifest has no MAC made with the backup key "
            "(a copy made before format version 2). Nothing has been restored.",
        ),
        "wrong_key": (
            "Säkerhetskopian är gjord med en annan nyckel (nyckel-id {backup_key}) än den i {path} (nyckel-id "
            "{key}). Ange nyckeln som gjorde kopian i SIGNERING_BACKUP_KEY_FILE. Ingenting har lästs tillbaka.",
            "The backup was made with another key (key id {backup_key}) than the one in {path} (key id {key}). "
            "Give the key that made the backup in SIGNERING_BACKUP_KEY_FILE. Nothing has been restored.",
        ),
        "manifest_forged": (
            "Säkerhetskopians manifest är ändrat efter att kopian gjordes (kontrollsumman stämmer inte med "
            "nyckeln). Ingenting har lästs tillbaka. Använd en annan kopia.",
            "The backup's manifest was changed after the backup was made (its MAC does not match the key). "
            "Nothing has been restored. Use another copy.",
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

def _hash_stream(fh) -> tuple[str, int]:
    digest, size = hashlib.sha256(), 0
    while chunk := fh.read(_CHUNK):
        digest.update(chunk)
        size += len(chunk)
    return digest.hexdigest(), size


def _hash_file(path: str) -> tuple[str, int]:
    with open(path, "rb") as fh:
        return _hash_stream(fh)


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
            while chunk := fh.read(_CHUNK):
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
        revision = _revision(conn)
        for table in tables():
            name = f"db/{table.name}.jsonl"
            sink, count = _Sink(os.path.join(directory, name), name, key, encrypt), 0
            try:
                for row in conn.execute(_ordered(table)):
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
        "created_at": _utc(now).isoformat(),
        "dialect": db.engine.dialect.name,
        "alembic_revision": revision,
        "tables": counts,
        "files": files,
        "blobs": blob_list,
        "encryption": {"algorithm": CIPHER} if encrypt else None,
    })
    data = json.dumps(manifest, ensure_ascii=False, indent=2, sort_keys=True) + "\n"
    atomic_write(os.path.join(directory, MANIFEST), data.encode("utf-8"))
    return manifest


# -- restore ----------------------------------------------------------------------------

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
            actual, size = _hash_stream(fh)
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
        current = _revision(conn)
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
