"""Reading PDFs that come from outside, other than the upload check: public verification and
"read the protocol into the form". Each parse runs in the capped child process (``isolated``);
the bytes go to a temporary file on the way in (``spool.spooled``), hashed as they are copied,
so the web worker never holds the file in memory either.
"""

from __future__ import annotations

import base64
from typing import BinaryIO

from ..extract.model import ProtocolInfo
from ..hashing import DEFAULT_MAX_BYTES
from ..spool import spooled
from ..verification.report import VerificationReport
from .isolated import DEFAULT_MEMORY_LIMIT, DEFAULT_TIMEOUT_S, rejection, run_job


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
