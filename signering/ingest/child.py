"""The child process of ``check_pdf_isolated``: limit memory, check one file, report as JSON.

    python -m signering.ingest.child PATH MEMORY_LIMIT_BYTES
"""

from __future__ import annotations

import json
import os
import sys

# Not imported by the package (runpy warns when the module it runs is already loaded).
from .isolated import OUT_OF_MEMORY_EXIT


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


def main(path: str, memory_limit: int) -> None:
    import resource

    from ..errors import PdfRejected
    from .pdfcheck import check_pdf

    # Imports first: the limit is for the check, and loading pyHanko maps ~70 MB of address space.
    resource.setrlimit(resource.RLIMIT_AS, (memory_limit, memory_limit))
    before = _peak_rss()
    try:
        try:
            report = {"pages": check_pdf(path)}
        except PdfRejected as exc:
            report = {"error": exc.code, "details": exc.details}
    except MemoryError:
        # Out here the parser's frames are gone and their memory with them.
        report = {"error": "damaged_pdf", "details": {"reason": "too_much_memory"}}
    report["peak_rss_growth"] = _peak_rss() - before
    print(json.dumps(report))


if __name__ == "__main__":
    try:
        main(sys.argv[1], int(sys.argv[2]))
    except MemoryError:
        os._exit(OUT_OF_MEMORY_EXIT)
