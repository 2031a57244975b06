"""A machine-wide bound on how many untrusted PDFs are parsed at once.

Each parse runs in a capped child process (``isolated``), but a child may take its whole
memory ceiling, so the number of children is what bounds the machine's memory. gunicorn runs
several worker processes, so a per-process semaphore would multiply the bound by their number;
instead each slot is a lock file that one parse holds with ``flock``. The kernel drops a lock
when its holder dies, so a crashed worker never leaks a slot, and the lock's file descriptor
is handed to the child, so a child outliving its worker keeps its slot until it exits.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import time
from collections.abc import Iterator

from ..errors import ParserBusy

#: How often a waiting request looks for a free slot.
POLL_S = 0.05


class ParseSlots:
    def __init__(self, directory: str, count: int, wait_s: float):
        self.directory = directory
        self.count = max(1, int(count))
        self.wait_s = max(0.0, float(wait_s))

    def _path(self, index: int) -> str:
        return os.path.join(self.directory, f"parse-slot-{index}.lock")

    def _try_all(self) -> int | None:
        for index in range(self.count):
            fd = os.open(self._path(index), os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                os.close(fd)
                continue
            return fd
        return None

    @contextlib.contextmanager
    def hold(self) -> Iterator[int]:
        """Hold a free slot (its lock's file descriptor) or raise ParserBusy after ``wait_s``."""
        os.makedirs(self.directory, exist_ok=True)
        deadline = time.monotonic() + self.wait_s
        while (fd := self._try_all()) is None:
            if time.monotonic() >= deadline:
                raise ParserBusy()
            time.sleep(POLL_S)
        try:
            yield fd
        finally:
            os.close(fd)
