"""Stream bytes to a temporary file while hashing them: the one way a stream reaches disk.

Every file that comes in (a protocol upload, a file for public verification, a protocol read
into the upload form) is copied here first, in one pass: the SHA-256 and the size come out of
the copy, the size limit stops it after at most ``max_bytes + 1`` bytes, and the temporary file
is removed on the way out unless it was moved to its real name (``move_to``, by the blob
store). The bytes never sit in memory as a whole.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterator
from typing import BinaryIO

from .hashing import DEFAULT_CHUNK_SIZE, DEFAULT_MAX_BYTES, stream_to_file

#: a PDF's header may follow some junk, but within the first kilobyte (PDF 32000-1, annex H)
HEADER_WINDOW = 1024


class SpooledFile:
    """A temporary file with the hash and size of what was written to it."""

    def __init__(self, path: str, sha256: str, size: int):
        self.path, self.sha256, self.size = path, sha256, size
        self.moved = False

    def head(self, n: int = HEADER_WINDOW) -> bytes:
        with open(self.path, "rb") as fh:
            return fh.read(n)

    def move_to(self, dest: str) -> None:
        """Rename the file to ``dest`` (same filesystem, so atomic); ``spooled`` then leaves it be."""
        os.replace(self.path, dest)
        self.moved = True


@contextlib.contextmanager
def spooled(source: BinaryIO, *, max_bytes: int = DEFAULT_MAX_BYTES, directory: str | None = None,
            durable: bool = False, prefix: str = "signering-pdf-", suffix: str = ".pdf",
            chunk_size: int = DEFAULT_CHUNK_SIZE) -> Iterator[SpooledFile]:
    """Copy ``source`` into a new temporary file in ``directory`` (the system's by default) while
    hashing it; TooLarge past ``max_bytes``. ``durable`` flushes the bytes to disk before the
    file is handed out, for a file that is to be renamed into place and named by a database row.
    The file is removed afterwards, whatever happened, unless it was moved to its real name.
    """
    fd, path = tempfile.mkstemp(prefix=prefix, suffix=suffix, dir=directory)
    spool = None
    try:
        # Unbuffered: stream_to_file's own buffer goes straight to write(2), no second copy.
        with os.fdopen(fd, "wb", buffering=0) as out:
            sha256, size = stream_to_file(source, out, max_bytes=max_bytes, chunk_size=chunk_size)
            if durable:
                os.fsync(out.fileno())
        spool = SpooledFile(path, sha256, size)
        yield spool
    finally:
        if spool is None or not spool.moved:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(path)
