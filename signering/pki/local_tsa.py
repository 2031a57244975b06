"""The organisations' own TSAs, each served in this process on a loopback port.

A signature reaches its TSA over HTTP like any external one. The organisation's own was once
reached through the public /tsa/<org> URL of this same server, but then a signature waited in
line behind public traffic while holding the database lock. One pool per process; a TSA is
started the first time an organisation needs a timestamp (organisations are created while the
server runs) and stopped with :meth:`LocalTsaPool.stop_all`.
"""

from __future__ import annotations

import threading
from typing import Callable

from .embedded_tsa import authority_for
from .orgkeys import OrgKeys
from .tsa import serve_in_thread


class LocalTsaPool:
    def __init__(self) -> None:
        self._urls: dict[str, str] = {}
        self._stops: list[Callable[[], None]] = []
        self._lock = threading.Lock()

    def ensure_running(self, slug: str, keys: OrgKeys) -> str:
        """The URL of ``slug``'s TSA, starting it on loopback if it is not running yet."""
        with self._lock:
            url = self._urls.get(slug)
            if url is None:
                url, stop = serve_in_thread(authority_for(keys).wsgi_app)
                self._urls[slug] = url
                self._stops.append(stop)
            return url

    def stop_all(self) -> None:
        with self._lock:
            while self._stops:
                self._stops.pop()()
            self._urls.clear()
