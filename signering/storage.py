"""Content-addressed blob store: every file is stored under the SHA-256 of its bytes.

Layout under ``root``: ``ab/cd/<sha256>`` for blobs, ``tmp/`` for writes in progress. A blob is
written to ``tmp/`` (same filesystem), hashed while it is written, flushed to disk and only then
renamed to its real name, so a crash never leaves a half file under a real name; ``staged``
and ``place`` let an upload be checked in between (``ingest``), so a refused file never gets
one. The row that names a blob is committed after the blob exists; ``sweep`` (run at start-up)
removes blobs no row names and temp files a crash left behind.

Ids are checked strictly (64 lowercase hex digits) before they touch a path, so no id can
reach outside the store.
"""

from __future__ import annotations

import io
import os
import re
import sys
import time
from collections.abc import Iterable, Iterator
from contextlib import AbstractContextManager
from typing import BinaryIO

from .errors import BlobNotFound, InvalidBlobId
from .hashing import DEFAULT_CHUNK_SIZE, sha256_file
from .spool import SpooledFile, spooled

_SHA256_HEX = re.compile(r"[0-9a-f]{64}")
_TEMP_SUFFIX = ".part"


def check_sha(sha: object) -> str:
    """Return ``sha`` if it is a SHA-256 hex digest in lowercase; raise InvalidBlobId otherwise."""
    # fullmatch, not match with "$": "$" also matches before a trailing newline.
    if not isinstance(sha, str) or not _SHA256_HEX.fullmatch(sha):
        raise InvalidBlobId(value=repr(sha)[:80])
    return sha


def _fsync_dir(path: str) -> None:
    # The rename is only durable once the directory entry is on disk; the database row that
    # names the blob is committed right after, so this must not be left to chance.
    if sys.platform.startswith("win"):
        return
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


class BlobStore:
    def __init__(self, root_dir: str | os.PathLike, chunk_size: int = DEFAULT_CHUNK_SIZE):
        self.root = os.path.abspath(os.fspath(root_dir))
        self.tmp_dir = os.path.join(self.root, "tmp")
        self.chunk_size = chunk_size
        os.makedirs(self.tmp_dir, exist_ok=True)

    # -- names ---------------------------------------------------------------------------

    def path(self, sha: str) -> str:
        """Where the blob ``sha`` lives (whether or not it exists)."""
        check_sha(sha)
        return os.path.join(self.root, sha[:2], sha[2:4], sha)

    def exists(self, sha: str) -> bool:
        return os.path.isfile(self.path(sha))

    def iter_hashes(self) -> Iterator[str]:
        """Every blob in the store; files that are not blobs in their right place are skipped."""
        for first in sorted(os.listdir(self.root)):
            if len(first) != 2 or first == "tmp":
                continue
            first_dir = os.path.join(self.root, first)
            if not os.path.isdir(first_dir):
                continue
            for second in sorted(os.listdir(first_dir)):
                second_dir = os.path.join(first_dir, second)
                if not os.path.isdir(second_dir):
                    continue
                for name in sorted(os.listdir(second_dir)):
                    if (_SHA256_HEX.fullmatch(name) and name[:2] == first and name[2:4] == second
                            and os.path.isfile(os.path.join(second_dir, name))):
                        yield name

    # -- writing -------------------------------------------------------------------------

    def put_bytes(self, data: bytes) -> str:
        sha, _ = self.put_stream(io.BytesIO(data))
        return sha

    def put_stream(self, stream: BinaryIO, max_bytes: int | None = None) -> tuple[str, int]:
        """Store everything ``stream`` yields; return (sha256 hex, size).

        Raises TooLarge (after reading at most ``max_bytes + 1`` bytes) when the stream is longer
        than ``max_bytes``; on that or any other error no file is left behind.
        """
        with self.staged(stream, max_bytes) as staged:
            self.place(staged)
            return staged.sha256, staged.size

    def staged(self, stream: BinaryIO, max_bytes: int | None = None) -> AbstractContextManager[SpooledFile]:
        """Stream into a temporary file in ``tmp/`` (hashed, flushed to disk), not yet a blob.

        Whatever is to be checked before it gets its real name is checked on ``.path``; then
        ``place`` makes it a blob. Left unplaced, the file is removed when the block ends.
        """
        return spooled(stream, max_bytes=sys.maxsize if max_bytes is None else max_bytes, directory=self.tmp_dir,
                       durable=True, prefix="tmp", suffix=_TEMP_SUFFIX, chunk_size=self.chunk_size)

    def place(self, staged: SpooledFile) -> str:
        """Give a staged file its real name (its hash); return the blob's path."""
        final = self.path(staged.sha256)
        if self._same_blob_present(final, staged.size):
            # The staged copy is dropped when its block ends. A fresh mtime tells a concurrent
            # sweep (older_than_seconds > 0) that someone is about to name this blob again, even
            # if it was an orphan until now.
            os.utime(final)
        else:
            directory = os.path.dirname(final)
            os.makedirs(directory, exist_ok=True)
            staged.move_to(final)
            _fsync_dir(directory)
        return final

    @staticmethod
    def _same_blob_present(final: str, size: int) -> bool:
        # Equal names mean equal bytes; a size mismatch means the stored copy was damaged
        # (e.g. truncated on a failing disk), and the fresh copy replaces it.
        try:
            return os.stat(final).st_size == size
        except FileNotFoundError:
            return False

    # -- reading -------------------------------------------------------------------------

    def open(self, sha: str) -> BinaryIO:
        try:
            return open(self.path(sha), "rb")
        except FileNotFoundError:
            raise BlobNotFound(sha256=sha) from None

    def read(self, sha: str) -> bytes:
        with self.open(sha) as fh:
            return fh.read()

    def verify(self, sha: str) -> bool:
        """True if the blob exists and its bytes still hash to its name."""
        try:
            return sha256_file(self.path(sha), self.chunk_size) == sha
        except FileNotFoundError:
            return False

    # -- removing ------------------------------------------------------------------------

    def delete(self, sha: str) -> bool:
        """Remove the blob; False if it was not there."""
        try:
            os.unlink(self.path(sha))
            return True
        except FileNotFoundError:
            return False

    def sweep(self, keep: Iterable[str], older_than_seconds: float = 0) -> list[str]:
        """Remove blobs not in ``keep`` and temp files, both older than ``older_than_seconds``.

        Returns the hashes of the removed blobs. Every id in ``keep`` is checked first: a
        mistyped id (say, in uppercase) would otherwise not match its blob and delete it.
        With several app servers sharing the store, pass an age larger than the longest upload
        so blobs and temp files being written right now are left alone.
        """
        keep = {check_sha(sha) for sha in keep}
        # Zero means "everything": no comparison with a clock the filesystem may round.
        cutoff = None if older_than_seconds <= 0 else time.time() - older_than_seconds
        removed = []
        for sha in list(self.iter_hashes()):
            if sha in keep:
                continue
            if self._remove_if_older(self.path(sha), cutoff):
                removed.append(sha)
        for entry in os.scandir(self.tmp_dir):
            if entry.is_file(follow_symlinks=False):
                self._remove_if_older(entry.path, cutoff)
        return removed

    @staticmethod
    def _remove_if_older(path: str, cutoff: float | None) -> bool:
        try:
            if cutoff is not None and os.stat(path).st_mtime > cutoff:
                return False
            os.unlink(path)
            return True
        except FileNotFoundError:
            return False
