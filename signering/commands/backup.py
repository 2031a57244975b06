"""``signering backup DIR`` and ``signering restore DIR``: the whole installation as files and back.

Both read the usual environment (SIGNERING_DATABASE_URL, SIGNERING_DATA_DIR, ...) and the backup
key (SIGNERING_BACKUP_KEY_FILE, by default <instance>/backup_key, made by the first backup).
Restore goes only into an empty database, so it never mixes two installations; see
``signering/backup.py``.
"""

from __future__ import annotations

import argparse

from ..cli import lang


def register(subparsers) -> None:
    backup = subparsers.add_parser(
        "backup", help="Säkerhetskopiera databas och filer till en ny katalog.",
        description="Skriver alla tabeller (JSON-rader), alla lagrade filer och ett manifest med hashvärden "
                    "till DIR, som ska vara ny eller tom. Manifestet signeras med nyckeln i "
                    "SIGNERING_BACKUP_KEY_FILE (standard <instans>/backup_key, skapas första gången); förvara "
                    "en kopia av nyckeln skild från säkerhetskopiorna. Kan köras medan tjänsten är i gång.")
    backup.add_argument("directory", metavar="DIR")
    backup.add_argument("--encrypt", action="store_true",
                        help="kryptera tabellfiler och filer (AES-256-GCM) med säkerhetskopieringsnyckeln")
    backup.set_defaults(func=run_backup)
    restore = subparsers.add_parser(
        "restore", help="Läs tillbaka en säkerhetskopia till en tom databas.",
        description="Kontrollerar först manifestets signatur med nyckeln i SIGNERING_BACKUP_KEY_FILE och varje "
                    "hashvärde i DIR, skapar sedan databasens tabeller och läser tillbaka alla rader och filer "
                    "(dekrypterade om kopian är krypterad). Databasen måste vara tom.")
    restore.add_argument("directory", metavar="DIR")
    restore.set_defaults(func=run_restore)


def _summary(manifest: dict) -> tuple[int, int]:
    return sum(manifest["tables"].values()), len(manifest["blobs"])


def run_backup(args: argparse.Namespace) -> int:
    # Imported here: building services reads the environment and opens the database.
    from ..backup import backup
    from ..backup_key import BackupKey
    from ..runtime import backup_key_file, services_from_env, settings_from_env

    key = BackupKey.load(backup_key_file(settings_from_env()), create=True)
    svc = services_from_env()
    try:
        manifest = backup(svc.db, svc.blobs, args.directory, key, encrypt=args.encrypt, clock=svc.clock)
    finally:
        svc.db.dispose()
    rows, files = _summary(manifest)
    print(f"Säkerhetskopian i {args.directory} har {rows} rader och {files} filer." if lang() == "sv"
          else f"The backup in {args.directory} has {rows} rows and {files} files.")
    return 0


def run_restore(args: argparse.Namespace) -> int:
    from ..restore import restore
    from ..backup_key import BackupKey
    from ..runtime import backup_key_file, services_from_env, settings_from_env

    # Never made here: a new key could not verify any existing backup.
    key_path = backup_key_file(settings_from_env())
    key = BackupKey.load(key_path, create=False)
    svc = services_from_env()
    try:
        manifest = restore(svc.db, svc.blobs, args.directory, key, key_path=key_path)
    finally:
        svc.db.dispose()
    rows, files = _summary(manifest)
    print(f"Återläst: {rows} rader och {files} filer från {args.directory}." if lang() == "sv"
          else f"Restored {rows} rows and {files} files from {args.directory}.")
    return 0
