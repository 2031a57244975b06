"""Run ``check_pdf`` in a child process with a hard memory ceiling and a wall-clock timeout.

``check_pdf`` bounds its own work, but a parser can still be made to allocate: pyHanko keeps
about 240 bytes per cross-reference entry, so a 100 MB upload that is one big table needs over
1 GB just to open. A web worker should not be the process that finds out.
The child (``child.py``) sets ``RLIMIT_AS`` before it opens the file, reports its page count or the
rejection's code as JSON, and how much its peak RSS grew while checking; the parent turns that
back into the same typed errors. A child that times out or dies is a file we cannot read.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from dataclasses import dataclass

from ..errors import DamagedPdf, PdfRejected

MiB = 1024 * 1024
#: Exit status of the child when even reporting failed for lack of memory.
OUT_OF_MEMORY_EXIT = 3
DEFAULT_MEMORY_LIMIT = 512 * MiB
DEFAULT_TIMEOUT_S = 30.0


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


def run_isolated(path: str, *, memory_limit: int = DEFAULT_MEMORY_LIMIT,
                 timeout: float = DEFAULT_TIMEOUT_S) -> IsolatedCheck:
    """Check ``path`` in a child process and report what happened, without raising."""
    package_parent = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (package_parent, env.get("PYTHONPATH")) if p)
    started = time.monotonic()
    try:
        proc = subprocess.run(
            [sys.executable, "-m", "signering.ingest.child", os.fspath(path), str(memory_limit)],
            capture_output=True, text=True, timeout=timeout, env=env,
        )
    except subprocess.TimeoutExpired:
        return IsolatedCheck(None, "damaged_pdf", {"reason": "too_slow"}, 0, time.monotonic() - started)
    elapsed = time.monotonic() - started
    if proc.returncode < 0:
        # Killed by a signal: the kernel's answer to memory or stack exhaustion.
        return IsolatedCheck(None, "damaged_pdf", {"reason": "checker_died"}, 0, elapsed)
    if proc.returncode == OUT_OF_MEMORY_EXIT:
        return IsolatedCheck(None, "damaged_pdf", {"reason": "too_much_memory"}, memory_limit, elapsed)
    if proc.returncode != 0:
        raise RuntimeError(f"PDF check process failed ({proc.returncode}): {proc.stderr[-2000:]}")
    lines = proc.stdout.strip().splitlines()
    if not lines:
        raise RuntimeError(f"PDF check process reported nothing: {proc.stderr[-2000:]}")
    report = json.loads(lines[-1])
    return IsolatedCheck(report.get("pages"), report.get("error"), report.get("details", {}),
                         report["peak_rss_growth"], elapsed)


def check_pdf_isolated(path: str, *, memory_limit: int = DEFAULT_MEMORY_LIMIT,
                       timeout: float = DEFAULT_TIMEOUT_S) -> int:
    """Like ``check_pdf`` (page count or a PdfRejected subclass), in a limited child process."""
    result = run_isolated(path, memory_limit=memory_limit, timeout=timeout)
    if result.error_code is None:
        return result.page_count
    cls = _rejections().get(result.error_code, DamagedPdf)
    try:
        error = cls(**result.error_details)
    except TypeError:  # a class with its own constructor arguments
        error = cls()
    raise error
