"""The backup format shared by writing and restoring: names, portable values, row order, errors.

See :mod:`signering.backup` for the layout of a backup directory.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
from typing import Any

from sqlalchemy import DateTime, Date, LargeBinary, Table, select, text
from sqlalchemy.engine import Connection

from .errors import SigneringError
from .models import Base

FORMAT = "signering-backup"
#: 2: the manifest carries an HMAC (version 1 had none and is not restored)
FORMAT_VERSION = 2
MANIFEST = "manifest.json"
CHUNK = 1024 * 1024


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

def utc(value: dt.datetime) -> dt.datetime:
    # SQLite hands back naive datetimes; the service only ever stores UTC.
    return value.replace(tzinfo=dt.timezone.utc) if value.utcoffset() is None else value.astimezone(dt.timezone.utc)


def encode_value(column, value: Any) -> Any:
    if value is None:
        return None
    if isinstance(column.type, DateTime):
        return utc(value).isoformat()
    if isinstance(column.type, Date):
        return value.isoformat()
    if isinstance(column.type, LargeBinary):
        return base64.b64encode(bytes(value)).decode("ascii")
    return value


def decode_value(column, value: Any) -> Any:
    if value is None:
        return None
    if isinstance(column.type, DateTime):
        return utc(dt.datetime.fromisoformat(value))
    if isinstance(column.type, Date):
        return dt.date.fromisoformat(value)
    if isinstance(column.type, LargeBinary):
        return base64.b64decode(value, validate=True)
    return value


def encode_row(table: Table, row) -> dict:
    mapping = row._mapping
    return {c.name: encode_value(c, mapping[c]) for c in table.columns}


def ordered(table: Table):
    return select(table).order_by(*table.primary_key.columns)


def tables() -> list[Table]:
    """Every table, parents before children."""
    return list(Base.metadata.sorted_tables)


def revision(conn: Connection) -> str | None:
    return conn.execute(text("SELECT version_num FROM alembic_version")).scalar_one_or_none()


def hash_stream(fh) -> tuple[str, int]:
    digest, size = hashlib.sha256(), 0
    while chunk := fh.read(CHUNK):
        digest.update(chunk)
        size += len(chunk)
    return digest.hexdigest(), size
