"""The child process of ``run_job``: limit memory and CPU time, run one job on one file, report as JSON.

    python -m signering.ingest.child JOB PATH MEMORY_LIMIT_BYTES TIMEOUT_S  < payload.json

Jobs: ``check`` (is it a protocol we can sign: page count), ``verify`` (the public verification
report; the payload holds the trust roots as base64 DER) and ``read`` (what the protocol says:
board, date, signers, for the upload form).
"""

from __future__ import annotations

import base64
import json
import logging
import os
import sys

# Not imported by the package (runpy warns when the module it runs is already loaded).
from .isolated import OUT_OF_MEMORY_EXIT

#: CPU seconds beyond the parent's wall-clock timeout: the parent's timeout should fire first,
#: this one only stops a child whose parent is gone.
CPU_MARGIN_S = 5


def _peak_rss() -> int:
    # VmHWM is per address space; ru_maxrss would include the parent's peak (kept across exec).
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0


def _check(path: str, payload: dict):
    from .pdfcheck import check_pdf

    return check_pdf(path)


def _verify(path: str, payload: dict):
    from asn1crypto import x509

    from ..verification.usecase import verify_file

    roots = [x509.Certificate.load(base64.b64decode(der)) for der in payload.get("roots", ())]
    with open(path, "rb") as fh:
        data = fh.read()
    return verify_file(data, roots).to_dict()


def _read(path: str, payload: dict):
    from ..extract import read_protocol_pdf

    return read_protocol_pdf(path).to_dict(sources=True)


JOBS = {"check": _check, "verify": _verify, "read": _read}


def _imports(job: str) -> None:
    # Imports first: the limit is for the parse, and loading pyHanko maps ~70 MB of address space.
    if job == "verify":
        import asn1crypto.x509  # noqa: F401

        from ..verification import usecase  # noqa: F401
    elif job == "read":
        from .. import extract  # noqa: F401
    else:
        from . import pdfcheck  # noqa: F401


def main(job: str, path: str, memory_limit: int, timeout_s: int) -> None:
    import resource

    from ..errors import DamagedPdf, PdfRejected

    run = JOBS[job]
    payload = json.loads(sys.stdin.read() or "{}")
    _imports(job)
    resource.setrlimit(resource.RLIMIT_AS, (memory_limit, memory_limit))
    cpu = timeout_s + CPU_MARGIN_S
    resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu + 1))
    before = _peak_rss()
    try:
        try:
            report = {"value": run(path, payload)}
        except PdfRejected as exc:
            report = {"error": exc.code, "details": exc.details}
        except RecursionError:
            report = {"error": DamagedPdf.code, "details": {"reason": "nesting_too_deep"}}
        except MemoryError:
            raise
        except Exception as exc:  # noqa: BLE001 - a parser failing in a way nobody foresaw: an unreadable file
            logging.getLogger(__name__).warning("%s job failed: %s: %s", job, type(exc).__name__, exc)
            report = {"error": DamagedPdf.code, "details": {"reason": "unreadable_structure"}}
    except MemoryError:
        # Out here the parser's frames are gone and their memory with them.
        report = {"error": "damaged_pdf", "details": {"reason": "too_much_memory"}}
    report["peak_rss_growth"] = _peak_rss() - before
    print(json.dumps(report))


if __name__ == "__main__":
    try:
        main(sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4]))
    except MemoryError:
        os._exit(OUT_OF_MEMORY_EXIT)
