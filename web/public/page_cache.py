"""A small per-process cache for public pages and answers that many visitors ask for at once.

Entries are keyed by what makes them differ (organisation, language, a fingerprint of the
data) so a change shows at once; ``ttl`` bounds how stale an answer without a fingerprint
(the registry's) may be. Each gunicorn worker has its own cache: nothing is shared, nothing
needs invalidating across processes.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict


class TtlCache:
    def __init__(self, max_entries: int = 2048, ttl: float = 5.0):
        self.max_entries, self.ttl = max_entries, ttl
        self._data: OrderedDict = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key):
        with self._lock:
            item = self._data.get(key)
            if item is None:
                return None
            value, expires = item
            if expires < time.monotonic():
                del self._data[key]
                return None
            self._data.move_to_end(key)
            return value

    def put(self, key, value) -> None:
        with self._lock:
            self._data[key] = (value, time.monotonic() + self.ttl)
            self._data.move_to_end(key)
            while len(self._data) > self.max_entries:
                self._data.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._data.clear()


def app_cache(name: str, **kwargs) -> TtlCache:
    """The cache ``name`` of the current app (one per app, so two apps never share entries)."""
    from flask import current_app

    caches = current_app.extensions.setdefault("signering_caches", {})
    cache = caches.get(name)
    if cache is None:
        cache = caches.setdefault(name, TtlCache(**kwargs))
    return cache
