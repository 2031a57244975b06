"""Taking an uploaded protocol PDF in: stream it to disk while hashing, then check it.

The web app streams each upload through ``ingest``. Nothing lands under the real name unless
it is a PDF we can sign: the bytes go to a temporary file in the destination directory, are
flushed to disk, checked, and only then renamed into place; on any failure the temporary file
is removed and the error re-raised.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from typing import BinaryIO

from ..hashing import DEFAULT_MAX_BYTES, sha256_file, stream_to_file
from .isolated import check_pdf_isolated
from .pdfcheck import check_pdf

__all__ = [
    "DEFAULT_MAX_BYTES",
    "IngestedPdf",
    "check_pdf",
    "check_pdf_isolated",
    "ingest",
    "sha256_file",
    "stream_to_file",
]


@dataclass(frozen=True)
class IngestedPdf:
    path: str          # the file the bytes were written to
    sha256: str        # hex
    size: int
    page_count: int


def ingest(source: BinaryIO, dest_path: str, *, max_bytes: int = DEFAULT_MAX_BYTES,
           checker: Callable[[str], int] = check_pdf_isolated) -> IngestedPdf:
    """Stream source into dest_path atomically (temp file in the same dir + os.replace, fsync), validate, and on any error remove what was written and re-raise.

    ``checker`` defaults to ``check_pdf_isolated`` (a child process with a 512 MB ceiling,
    ~0.2 s per upload), so a crafted upload cannot take the web worker's memory; ``check_pdf``
    runs the same checks in-process.
    """
    dest_path = os.fspath(dest_path)
    directory = os.path.dirname(os.path.abspath(dest_path))
    fd, temp_path = tempfile.mkstemp(dir=directory, prefix=".ingest-", suffix=".part")
    placed = False
    try:
        # Unbuffered: stream_to_file's own buffer goes straight to write(2), no second copy.
        with os.fdopen(fd, "wb", buffering=0) as out:
            sha256, size = stream_to_file(source, out, max_bytes=max_bytes)
            os.fsync(out.fileno())
        page_count = checker(temp_path)
        os.replace(temp_path, dest_path)
        placed = True
        _fsync_directory(directory)
    except BaseException:
        _remove(dest_path if placed else temp_path)
        raise
    return IngestedPdf(path=dest_path, sha256=sha256, size=size, page_count=page_count)


def _fsync_directory(directory: str) -> None:
    # The rename is durable only once the directory entry is on disk.
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _remove(path: str) -> None:
    try:
        os.unlink(path)
    except FileNotFoundError:
        pass
