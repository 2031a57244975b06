"""``signering notices sweep``: take down the notices whose period on the anslagstavla is over.

Meant for cron (or a systemd timer) once a day shortly after midnight; running it more often
or twice is harmless, since a notice comes down only once.
"""

from __future__ import annotations

import argparse

from ..cli import lang


def register(subparsers) -> None:
    parser = subparsers.add_parser("notices", help="Anslagstavlan: ta ned anslag vars tid gått ut.",
                                   description="Hanterar anslagen på anslagstavlan.")
    sub = parser.add_subparsers(dest="notices_command", metavar="KOMMANDO")
    sub.required = True
    sweep = sub.add_parser("sweep", help="Ta ned anslag vars nedtagningsdatum har kommit (och ta bort namnen).",
                           description="Arkiverar varje anslag vars nedtagningsdatum är i dag eller tidigare. "
                                       "Undertecknarnas namn tas bort från anslaget.")
    sweep.set_defaults(func=run_sweep)


def run_sweep(args: argparse.Namespace) -> int:
    # Imported here: building services reads the environment and opens the database.
    from ..notices import sweep
    from ..runtime import services_from_env

    svc = services_from_env()
    try:
        count = sweep(svc)
    finally:
        svc.db.dispose()
    print(f"{count} anslag togs ned." if lang() == "sv" else f"{count} notices taken down.")
    return 0
