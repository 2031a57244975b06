"""Who holds a signature claim, and whether that holder can still be alive.

Signing runs outside the database lock: the request is first marked "signing" (claimed), the
PDF is signed, then the result is applied. A process that dies in between leaves the claim
behind. A claim names its holder (host, process id and the process's start time, since ids are
reused), so a retry on the same host can tell at once that nobody holds it any more, and give
the link back without the signer waiting out the five-minute stale limit. Holders on other
hosts (several app servers on one PostgreSQL) cannot be checked; their claims wait for the limit.
"""

from __future__ import annotations

import functools
import os
import socket

#: After this long a claim is released whoever holds it: a signature takes well under a minute.
STALE_AFTER_SECONDS = 300


def _start_ticks(pid: int) -> str | None:
    """The process's start time in clock ticks since boot (/proc/PID/stat field 22), or None."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as fh:
            stat = fh.read()
    except OSError:
        return None
    # The command name (field 2) may hold spaces and parentheses: split after its last ')'.
    return stat.rsplit(b")", 1)[1].split()[19].decode()


@functools.lru_cache(maxsize=None)
def _identity(pid: int) -> str:
    return f"{socket.gethostname()}:{pid}:{_start_ticks(pid) or '?'}"


def this_process() -> str:
    """The holder name this process writes into a claim."""
    return _identity(os.getpid())


def holder_gone(holder: str | None) -> bool:
    """True only when it is certain that no process holds a claim by ``holder``."""
    if not holder:
        return False
    host, _, rest = holder.partition(":")
    pid_text, _, ticks = rest.partition(":")
    if host != socket.gethostname() or not pid_text.isdigit() or ticks == "?":
        return False
    current = _start_ticks(int(pid_text))
    return current is None or current != ticks
