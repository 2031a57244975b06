"""``signering backup DIR`` and ``signering restore DIR``: the whole installation as files and back.

Both read the usual environment (SIGNERING_DATABASE_URL, SIGNERING_DATA_DIR, ...). Restore goes
only into an empty database, so it never mixes two installations; see ``signering/backup.py``.
"""

from __future__ import annotations

import argparse

from ..cli import lang


def register(subparsers) -> None:
    backup = subparsers.add_parser(
        "backup", help="Säkerhetskopiera databas och filer till en ny katalog.",
        description="Skriver alla tabeller (JSON-rader), alla lagrade filer och ett manifest med hashvärden "
                    "till DIR, som ska vara ny eller tom. Kan köras medan tjänsten är i gång.")
    backup.add_argument("directory", metavar="DIR")
    backup.set_defaults(func=run_backup)
    restore = subparsers.add_parser(
        "restore", help="Läs tillbaka en säkerhetskopia till en tom databas.",
        description="Kontrollerar först varje hashvärde i DIR mot manifestet, skapar sedan databasens tabeller "
                    "och läser tillbaka alla rader och filer. Databasen måste vara tom.")
    restore.add_argument("directory", metavar="DIR")
    restore.set_defaults(func=run_restore)


def _summary(manifest: dict) -> tuple[int, int]:
    return sum(manifest["tables"].values()), len(manifest["blobs"])


def run_backup(args: argparse.Namespace) -> int:
    # Imported here: building services reads the environment and opens the database.
    from ..backup import backup
    from ..runtime import services_from_env

    svc = services_from_env()
    try:
        manifest = backup(svc.db, svc.blobs, args.directory, clock=svc.clock)
    finally:
        svc.db.dispose()
    rows, files = _summary(manifest)
    print(f"Säkerhetskopian i {args.directory} har {rows} rader och {files} filer." if lang() == "sv"
          else f"The backup in {args.directory} has {rows} rows and {files} files.")
    return 0


def run_restore(args: argparse.Namespace) -> int:
    from ..backup import restore
    from ..runtime import services_from_env

    svc = services_from_env()
    try:
        manifest = restore(svc.db, svc.blobs, args.directory)
    finally:
        svc.db.dispose()
    rows, files = _summary(manifest)
    print(f"Återläst: {rows} rader och {files} filer från {args.directory}." if lang() == "sv"
          else f"Restored {rows} rows and {files} files from {args.directory}.")
    return 0
