"""Key files the service makes for itself on first use: readable by the service's user only.

Several processes may start at once (gunicorn workers, the worker, a command); they must end up
with one key. The new key is written whole to a temp file (mode 0600) and hard-linked to its
name, which fails if another process got there first; nobody ever reads a half-written key.
"""

from __future__ import annotations

import os
import tempfile
from typing import Callable


def read_or_create(path: str, make: Callable[[], bytes]) -> bytes:
    """The bytes of ``path``; if it does not exist, ``make()`` is written there first (0600)."""
    try:
        with open(path, "rb") as fh:
            return fh.read()
    except FileNotFoundError:
        pass
    directory = os.path.dirname(os.path.abspath(path))
    os.makedirs(directory, mode=0o700, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".tmp-key-", dir=directory)  # mkstemp: mode 0600
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(make())
            fh.flush()
            os.fsync(fh.fileno())
        try:
            os.link(tmp, path)
        except FileExistsError:
            pass  # another process made it first; everyone uses that one
    finally:
        os.unlink(tmp)
    with open(path, "rb") as fh:
        return fh.read()
