"""Taking an uploaded protocol PDF in: the one upload path, for the web form, the API and
``demo-seal`` alike.

Nothing gets its real name in the blob store unless it is a PDF we can sign. The order is:
stream the bytes to a temporary file in the store's ``tmp/`` (hashed on the way, refused past
the size limit, flushed to disk) → check that file in the capped child process → only then
rename it to its hash. A refused or broken upload leaves no file behind: the temporary file is
removed on the way out. The database row that names the blob is the caller's next step.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import BinaryIO

from ..hashing import DEFAULT_MAX_BYTES, sha256_file, stream_to_file
from ..storage import BlobStore
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
    path: str          # the blob's path in the store
    sha256: str        # hex, also the blob's name
    size: int
    page_count: int


def ingest(source: BinaryIO, blobs: BlobStore, *, max_bytes: int = DEFAULT_MAX_BYTES,
           checker: Callable[[str], int] = check_pdf_isolated) -> IngestedPdf:
    """Stream ``source`` into ``blobs``, checking it before it gets its real name; on any error
    nothing is left behind and the error (a PdfRejected subclass, TooLarge, …) is re-raised.

    ``checker`` defaults to ``check_pdf_isolated`` (a child process with a 512 MB ceiling,
    ~0.2 s per upload), so a crafted upload cannot take the web worker's memory; ``check_pdf``
    runs the same checks in-process.
    """
    with blobs.staged(source, max_bytes) as staged:
        page_count = checker(staged.path)
        path = blobs.place(staged)
    return IngestedPdf(path=path, sha256=staged.sha256, size=staged.size, page_count=page_count)
