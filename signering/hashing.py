"""Streaming SHA-256 of a protocol's exact bytes.

The hash of the uploaded bytes is the protocol's identity (it is printed on the signature page
and checked by anyone with ``head -c N | sha256sum``), so it is computed while the upload is
copied, in one pass, with one reusable buffer: memory stays flat whatever the file size, and an
upload over the limit is refused after at most ``max_bytes + 1`` bytes have been read.
"""

from __future__ import annotations

import hashlib
import io
import os
from typing import BinaryIO

from .errors import TooLarge

DEFAULT_MAX_BYTES = 100 * 1024 * 1024
DEFAULT_CHUNK_SIZE = 1 << 20


def _reader(source: BinaryIO):
    """Return ``fill(view) -> int`` that reads into ``view``; 0 means end of input.

    ``readinto`` lets the bytes land in our buffer without an intermediate copy; streams that
    only offer ``read`` still work.
    """
    readinto = getattr(source, "readinto", None)

    def fill_read(view: memoryview) -> int:
        data = source.read(len(view))
        if not data:
            return 0
        view[: len(data)] = data
        return len(data)

    if readinto is None:
        return fill_read

    def fill(view: memoryview) -> int:
        nonlocal readinto
        try:
            n = readinto(view)
        except io.UnsupportedOperation:
            readinto = None
            return fill_read(view)
        if n is None:
            # A non-blocking stream with nothing ready: we cannot tell this from a short read.
            raise BlockingIOError("the upload stream would block; pass a blocking stream")
        return n

    return fill


def _write_all(dest: BinaryIO, view: memoryview) -> None:
    # Raw (unbuffered) files may write less than asked; buffered ones write everything.
    while len(view):
        written = dest.write(view)
        if written is None:
            raise BlockingIOError("the destination would block; pass a blocking file")
        if written >= len(view):
            return
        view = view[written:]


def stream_to_file(source: BinaryIO, dest: BinaryIO, *, max_bytes: int = DEFAULT_MAX_BYTES,
                   chunk_size: int = DEFAULT_CHUNK_SIZE) -> tuple[str, int]:
    """Copy source to dest in chunks while hashing; raise TooLarge as soon as max_bytes is exceeded; return (sha256 hex, size)."""
    if chunk_size <= 0:
        raise ValueError("chunk_size must be positive")
    if max_bytes < 0:
        raise ValueError("max_bytes must not be negative")
    digest = hashlib.sha256()
    buffer = memoryview(bytearray(chunk_size))
    fill = _reader(source)
    size = 0
    while True:
        # Ask for at most one byte past the limit: that byte proves the upload is too large
        # without reading (or storing) the rest of it.
        want = min(chunk_size, max_bytes - size + 1)
        n = fill(buffer[:want])
        if not n:
            return digest.hexdigest(), size
        size += n
        if size > max_bytes:
            raise TooLarge(max_bytes)
        chunk = buffer[:n]
        digest.update(chunk)
        _write_all(dest, chunk)


def _hash_stream(stream: BinaryIO, chunk_size: int) -> str:
    digest = hashlib.sha256()
    buffer = memoryview(bytearray(chunk_size))
    fill = _reader(stream)
    while n := fill(buffer):
        digest.update(buffer[:n])
    return digest.hexdigest()


def sha256_file(path_or_stream, chunk_size: int = DEFAULT_CHUNK_SIZE) -> str:
    """SHA-256 hex of a file (path) or of a binary stream from its current position to its end."""
    if chunk_size <= 0:
        raise ValueError("chunk_size must be positive")
    if isinstance(path_or_stream, (str, bytes, os.PathLike)):
        # Unbuffered: each read goes straight into our buffer, no second copy in a BufferedReader.
        with open(path_or_stream, "rb", buffering=0) as f:
            return _hash_stream(f, chunk_size)
    return _hash_stream(path_or_stream, chunk_size)
