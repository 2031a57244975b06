"""A protocol read into the upload form, kept on the server for the send step.

"Läs in från PDF" reads the file; the secretary then checks the form and sends it. Without
this, the same file had to be chosen twice. The file is kept under a random reference that only
works together with the staff session that read it in (the file's name is a hash of both), and
only for ``KEEP_FOR``; the expiry is part of the name, so a later read-in sweeps old ones without
a table. Nothing about the file goes into the page but the reference.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import glob
import hashlib
import os
import secrets

from .spool import SpooledFile

KEEP_FOR = dt.timedelta(hours=1)


def _stem(owner: str, ref: str) -> str:
    return hashlib.sha256(f"{owner}\0{ref}".encode()).hexdigest()


def _expiry(path: str) -> int:
    try:
        return int(os.path.basename(path).split(".")[1])
    except (IndexError, ValueError):
        return 0


def sweep(directory: str, now: dt.datetime) -> None:
    """Remove every kept file whose time is up."""
    for path in glob.glob(os.path.join(directory, "*.*.pdf")):
        if _expiry(path) <= now.timestamp():
            with contextlib.suppress(FileNotFoundError):
                os.unlink(path)


def keep(directory: str, owner: str, spool: SpooledFile, now: dt.datetime) -> str:
    """Move the spooled file here for ``owner`` (the staff session's token); return its reference.
    ``spool`` must have been written in ``directory`` (same filesystem, so the move is a rename)."""
    if not owner:
        raise ValueError("a kept upload needs the staff session it belongs to")
    sweep(directory, now)
    ref = secrets.token_urlsafe(24)
    spool.move_to(os.path.join(directory, f"{_stem(owner, ref)}.{int((now + KEEP_FOR).timestamp())}.pdf"))
    return ref


def find(directory: str, owner: str, ref: str, now: dt.datetime) -> str | None:
    """The kept file's path, or None when the reference is unknown, another session's, or expired."""
    if not owner or not ref or len(ref) > 100:
        return None
    for path in glob.glob(os.path.join(directory, f"{_stem(owner, ref)}.*.pdf")):
        if _expiry(path) > now.timestamp():
            return path
    return None


def drop(directory: str, owner: str, ref: str) -> None:
    if owner and ref and len(ref) <= 100:
        for path in glob.glob(os.path.join(directory, f"{_stem(owner, ref)}.*.pdf")):
            with contextlib.suppress(FileNotFoundError):
                os.unlink(path)


def directory_for(blob_root: str) -> str:
    """Beside the blob store (same filesystem as the instance), created on first use."""
    path = os.path.join(os.path.dirname(blob_root.rstrip("/")), "kept-uploads")
    os.makedirs(path, mode=0o700, exist_ok=True)
    return path
