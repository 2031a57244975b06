"""pyHanko's own log records are debugging detail, not messages for the person verifying.

pyHanko logs what it finds wrong in a file (a broken signature, an expired certificate on the
way to a verdict) as warnings, often with a Python traceback. Verification turns the same facts
into findings with words a reader can act on (``verification.findings``), so the library's
records go to the log only when the configured level is DEBUG (``SIGNERING_LOG_LEVEL``), and
never to the terminal otherwise.
"""

from __future__ import annotations

import logging

LIBRARY_LOGGERS = ("pyhanko", "pyhanko_certvalidator")


def route_library_logs() -> None:
    """Let the libraries' records through only at the configured level DEBUG (the root logger's)."""
    debugging = logging.getLogger().getEffectiveLevel() <= logging.DEBUG
    for name in LIBRARY_LOGGERS:
        logging.getLogger(name).setLevel(logging.DEBUG if debugging else logging.CRITICAL + 1)
