"""The ``signering`` command. Each subcommand lives in ``signering/commands/<name>.py``.

Errors become exit codes only here: a :class:`SigneringError` prints its message (Swedish, or
English with ``SIGNERING_LANG=en``) and exits 2; anything else is a bug and keeps its traceback.
"""

from __future__ import annotations

import argparse
import importlib
import logging
import os
import sys

from .errors import SigneringError
from .library_logs import route_library_logs

#: Modules in ``signering.commands`` that each define ``register(subparsers)``.
COMMAND_MODULES = [
    "verify",
    "check_sealed",
    "demo_seal",
    "frister",
    "admin",
    "serve",
    "inspect",
    "api_token",
    "notices",
    "backup",
    "renew",
    "log",
]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="signering", description="Justering och signering av protokoll.")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sub.required = True
    for name in COMMAND_MODULES:
        importlib.import_module(f"signering.commands.{name}").register(sub)
    return parser


def lang() -> str:
    return os.environ.get("SIGNERING_LANG", "sv")


def main(argv: list[str] | None = None) -> int:
    logging.basicConfig(level=os.environ.get("SIGNERING_LOG_LEVEL", "WARNING"), format="%(levelname)s %(name)s: %(message)s")
    route_library_logs()
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.func(args) or 0)
    except SigneringError as exc:
        print(f"signering: {exc.message(lang())}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
