"""Parse an untrusted PDF in a child process with a hard memory ceiling and a wall-clock timeout.

``check_pdf`` bounds its own work, but a parser can still be made to allocate: pyHanko keeps
about 240 bytes per cross-reference entry, so a 100 MB upload that is one big table needs over
1 GB just to open. A web worker should not be the process that finds out, nor keep that memory
afterwards (CPython rarely gives it back). So every parse of a file from outside runs here: the
upload check, public verification and reading a protocol's text (the jobs are in ``child.py``).
The child sets ``RLIMIT_AS`` (and ``RLIMIT_CPU``, so an orphan stops too) before it opens the
file, reports its result or the rejection's code as JSON, and how much its peak RSS grew; the
parent turns that back into the same typed errors. A child that times out or dies is a file we
cannot read.
"""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass

from ..errors import DamagedPdf, PdfRejected

MiB = 1024 * 1024
#: Exit status of the child when even reporting failed for lack of memory.
OUT_OF_MEMORY_EXIT = 3
DEFAULT_MEMORY_LIMIT = 512 * MiB
DEFAULT_TIMEOUT_S = 30.0
#: A result is a page count, a verification report or what the reader found: never this large.
MAX_RESULT_BYTES = 4 * MiB


@dataclass(frozen=True)
class IsolatedResult:
    value: object
    error_code: str | None
    error_details: dict
    #: Growth of the child's peak RSS during the job (after imports), in bytes.
    peak_rss_growth: int
    seconds: float


@dataclass(frozen=True)
class IsolatedCheck:
    page_count: int | None
    error_code: str | None
    error_details: dict
    #: Growth of the child's peak RSS during the check (after imports), in bytes.
    peak_rss_growth: int
    seconds: float


def _rejections() -> dict[str, type[PdfRejected]]:
    found, pending = {}, [PdfRejected]
    while pending:
        cls = pending.pop()
        found[cls.code] = cls
        pending.extend(cls.__subclasses__())
    return found


def _tail(f, limit: int) -> str:
    f.seek(0, os.SEEK_END)
    f.seek(max(0, f.tell() - limit))
    return f.read().decode("utf-8", "replace")


def run_job(job: str, path: str, *, payload: dict | None = None, memory_limit: int = DEFAULT_MEMORY_LIMIT,
            timeout: float = DEFAULT_TIMEOUT_S, pass_fds: tuple[int, ...] = ()) -> IsolatedResult:
    """Run ``job`` (see ``child.JOBS``) on ``path`` in a child process; report what happened, without raising
    for anything the file can cause."""
    package_parent = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (package_parent, env.get("PYTHONPATH")) if p)
    started = time.monotonic()
    # Files, not pipes: a hostile file can make a parser log without end, and a pipe read whole
    # would bring that into this process.
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        try:
            proc = subprocess.run(
                [sys.executable, "-m", "signering.ingest.child", job, os.fspath(path), str(memory_limit),
                 str(math.ceil(timeout))],
                input=json.dumps(payload or {}).encode(), stdout=out, stderr=err, timeout=timeout, env=env,
                pass_fds=pass_fds,
            )
        except subprocess.TimeoutExpired:
            return IsolatedResult(None, "damaged_pdf", {"reason": "too_slow"}, 0, time.monotonic() - started)
        elapsed = time.monotonic() - started
        if proc.returncode < 0:
            # Killed by a signal: the kernel's answer to memory, stack or CPU-time exhaustion.
            return IsolatedResult(None, "damaged_pdf", {"reason": "checker_died"}, 0, elapsed)
        if proc.returncode == OUT_OF_MEMORY_EXIT:
            return IsolatedResult(None, "damaged_pdf", {"reason": "too_much_memory"}, memory_limit, elapsed)
        if proc.returncode != 0:
            raise RuntimeError(f"PDF {job} process failed ({proc.returncode}): {_tail(err, 2000)}")
        if out.seek(0, os.SEEK_END) > MAX_RESULT_BYTES:
            return IsolatedResult(None, "damaged_pdf", {"reason": "result_too_large"}, 0, elapsed)
        out.seek(0)
        lines = out.read().decode("utf-8").strip().splitlines()
        if not lines:
            raise RuntimeError(f"PDF {job} process reported nothing: {_tail(err, 2000)}")
    report = json.loads(lines[-1])
    return IsolatedResult(report.get("value"), report.get("error"), report.get("details", {}),
                          report["peak_rss_growth"], elapsed)


def rejection(code: str, details: dict) -> PdfRejected:
    """The typed error a child reported by its code."""
    cls = _rejections().get(code, DamagedPdf)
    try:
        return cls(**details)
    except TypeError:  # a class with its own constructor arguments
        return cls()


def run_isolated(path: str, *, memory_limit: int = DEFAULT_MEMORY_LIMIT,
                 timeout: float = DEFAULT_TIMEOUT_S) -> IsolatedCheck:
    """Check ``path`` in a child process and report what happened, without raising."""
    result = run_job("check", path, memory_limit=memory_limit, timeout=timeout)
    return IsolatedCheck(result.value, result.error_code, result.error_details, result.peak_rss_growth,
                         result.seconds)


def check_pdf_isolated(path: str, *, memory_limit: int = DEFAULT_MEMORY_LIMIT,
                       timeout: float = DEFAULT_TIMEOUT_S) -> int:
    """Like ``check_pdf`` (page count or a PdfRejected subclass), in a limited child process."""
    result = run_job("check", path, memory_limit=memory_limit, timeout=timeout)
    if result.error_code is None:
        return result.value
    raise rejection(result.error_code, result.error_details)
