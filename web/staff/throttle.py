"""Failed staff logins, counted per e-mail address and client address, in memory.

Per process is enough to stop password guessing through one app server: with several
servers each counts on its own, which multiplies the allowance by their number but still
bounds it. A successful login clears the count for that pair.
"""

from __future__ import annotations

import datetime as dt
import threading
from collections import deque


class LoginThrottle:
    def __init__(self, clock, limit: int = 10, window: dt.timedelta = dt.timedelta(minutes=15),
                 max_keys: int = 100_000):
        self.clock, self.limit, self.window, self.max_keys = clock, limit, window, max_keys
        self._failures: dict[tuple[str, str], deque] = {}
        self._lock = threading.Lock()

    def _recent(self, key) -> deque:
        cutoff = self.clock() - self.window
        times = self._failures.get(key)
        if times is None:
            return deque()
        while times and times[0] <= cutoff:
            times.popleft()
        if not times:
            del self._failures[key]
        return times

    def blocked(self, email: str, ip: str) -> bool:
        with self._lock:
            return len(self._recent(_key(email, ip))) >= self.limit

    def failed(self, email: str, ip: str) -> None:
        with self._lock:
            key = _key(email, ip)
            self._recent(key)
            if key not in self._failures and len(self._failures) >= self.max_keys:
                # Bound memory under a flood of made-up addresses: forget the oldest pair.
                self._failures.pop(next(iter(self._failures)))
            self._failures.setdefault(key, deque()).append(self.clock())

    def succeeded(self, email: str, ip: str) -> None:
        with self._lock:
            self._failures.pop(_key(email, ip), None)


def _key(email: str, ip: str) -> tuple[str, str]:
    return (email or "").strip().lower()[:254], ip or ""
