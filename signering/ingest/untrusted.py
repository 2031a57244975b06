"""Reading PDFs that come from outside, other than the upload check: public verification and
"read the protocol into the form". Each parse runs in the capped child process (``isolated``);
the bytes go to a temporary file on the way in, hashed as they are copied, so the web worker
never holds the file in memory either.
"""

from __future__ import annotations

import base64
import contextlib
import os
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from typing import BinaryIO

from ..extract.model import ProtocolInfo
from ..hashing import DEFAULT_MAX_BYTES, stream_to_file
from ..verification.report import VerificationReport
from .isolated import DEFAULT_MEMORY_LIMIT, DEFAULT_TIMEOUT_S, rejection, run_job

#: a PDF's header may follow some junk, but within the first kilobyte (PDF 32000-1, annex H)
HEADER_WINDOW = 1024


@dataclass(frozen=True)
class SpooledFile:
    path: str
    sha256: str
    size: int

    def head(self, n: int = HEADER_WINDOW) -> bytes:
        with open(self.path, "rb") as fh:
            return fh.read(n)


@contextlib.contextmanager
def spooled(source: BinaryIO, *, max_bytes: int = DEFAULT_MAX_BYTES) -> Iterator[SpooledFile]:
    """Copy ``source`` to a temporary file while hashing it (TooLarge past ``max_bytes``); removed afterwards."""
    fd, path = tempfile.mkstemp(prefix="signering-pdf-", suffix=".pdf")
    try:
        with os.fdopen(fd, "wb", buffering=0) as out:
            sha256, size = stream_to_file(source, out, max_bytes=max_bytes)
        yield SpooledFile(path, sha256, size)
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(path)


def _raise(result) -> object:
    if result.error_code is None:
        return result.value
    raise rejection(result.error_code, result.error_details)


def verify_isolated(path: str, trust_roots_der: list[bytes], *, slot_fd: int | None = None,
                    memory_limit: int = DEFAULT_MEMORY_LIMIT, timeout: float = DEFAULT_TIMEOUT_S
                    ) -> VerificationReport:
    """``verification.usecase.verify_file`` of the file, computed in the capped child.

    ``slot_fd`` (a ``ParseSlots`` lock) goes to the child too, so the slot stays taken as long as
    the child runs, even if this process dies first.
    """
    payload = {"roots": [base64.b64encode(der).decode("ascii") for der in trust_roots_der]}
    return VerificationReport.from_dict(_raise(run_job(
        "verify", path, payload=payload, memory_limit=memory_limit, timeout=timeout,
        pass_fds=() if slot_fd is None else (slot_fd,))))


def read_protocol_isolated(path: str, *, memory_limit: int = DEFAULT_MEMORY_LIMIT,
                           timeout: float = DEFAULT_TIMEOUT_S) -> ProtocolInfo:
    """``extract.read_protocol_pdf`` of the file, read in the capped child."""
    return ProtocolInfo.from_dict(_raise(run_job("read", path, memory_limit=memory_limit, timeout=timeout)))


def read_protocol_upload(source: BinaryIO, *, max_bytes: int = DEFAULT_MAX_BYTES) -> ProtocolInfo:
    """What a protocol upload says (board, date, signers), read in the capped child."""
    with spooled(source, max_bytes=max_bytes) as spool:
        return read_protocol_isolated(spool.path)
