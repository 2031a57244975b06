"""Resident memory of processes, read from /proc (Linux)."""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator

MiB = 1024 * 1024


def _status_field(pid: int | str, name: str) -> int:
    with open(f"/proc/{pid}/status") as fh:
        for line in fh:
            if line.startswith(name + ":"):
                return int(line.split()[1]) * 1024
    raise AssertionError(f"no {name} for process {pid}")


def rss(pid: int | str = "self") -> int:
    return _status_field(pid, "VmRSS")


def parent_of(pid: int) -> int | None:
    try:
        with open(f"/proc/{pid}/stat") as fh:
            # the command name may hold spaces and parentheses; the fields after its last ")" do not
            return int(fh.read().rsplit(")", 1)[1].split()[1])
    except (OSError, IndexError, ValueError):
        return None


def children(pid: int) -> list[int]:
    return sorted(int(p) for p in os.listdir("/proc") if p.isdigit() and parent_of(int(p)) == pid)


def cmdline(pid: int) -> str:
    with open(f"/proc/{pid}/cmdline", "rb") as fh:
        return fh.read().replace(b"\0", b" ").decode(errors="replace")


class PeakGrowth:
    bytes: int = 0


@contextlib.contextmanager
def peak_growth() -> Iterator[PeakGrowth]:
    """How far this process's peak RSS rose above its RSS at the start of the block."""
    # Writing 5 to clear_refs resets the peak (VmHWM) to the current RSS (Linux >= 4.0).
    with open("/proc/self/clear_refs", "w") as fh:
        fh.write("5")
    start = rss()
    found = PeakGrowth()
    yield found
    found.bytes = _status_field("self", "VmHWM") - start
