"""Failed staff logins, counted in memory per (e-mail address, client address) and per client address.

Neither count is per account alone: then anyone could lock any staff member out by failing
logins for their address. A client that fails too often for one account is stopped for that
account; a client that fails too often across accounts (guessing many accounts at once) is
stopped for all of them. Either way only that client is stopped; the account stays open to
everyone else. The client address is the one :mod:`web.proxy` takes from a trusted proxy.
An IPv6 client is counted by its /64, the block one subscriber normally holds, so cycling
through its own addresses gains nothing.

Per process is enough to stop password guessing through one app server: with several
servers each counts on its own, which multiplies the allowance by their number but still
bounds it. A successful login clears the count for that pair (not the client's total, which
an attacker could otherwise reset by logging in to an account of their own).
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import threading
from collections import deque


class _Window:
    """Times of failures per key within a sliding window, with a bound on the number of keys."""

    def __init__(self, clock, window: dt.timedelta, max_keys: int):
        self.clock, self.window, self.max_keys = clock, window, max_keys
        self._failures: dict = {}

    def count(self, key) -> int:
        cutoff = self.clock() - self.window
        times = self._failures.get(key)
        if times is None:
            return 0
        while times and times[0] <= cutoff:
            times.popleft()
        if not times:
            del self._failures[key]
        return len(times)

    def add(self, key) -> None:
        self.count(key)
        if key not in self._failures and len(self._failures) >= self.max_keys:
            # Bound memory under a flood of made-up keys: forget the oldest.
            self._failures.pop(next(iter(self._failures)))
        self._failures.setdefault(key, deque()).append(self.clock())

    def clear(self, key) -> None:
        self._failures.pop(key, None)


class LoginThrottle:
    def __init__(self, clock, limit: int = 10, address_limit: int = 30,
                 window: dt.timedelta = dt.timedelta(minutes=15), max_keys: int = 100_000):
        self.limit, self.address_limit = limit, address_limit
        self._pairs = _Window(clock, window, max_keys)
        self._clients = _Window(clock, window, max_keys)
        self._lock = threading.Lock()

    def blocked(self, email: str, ip: str) -> bool:
        client = _client(ip)
        with self._lock:
            return (self._pairs.count((_account(email), client)) >= self.limit
                    or self._clients.count(client) >= self.address_limit)

    def failed(self, email: str, ip: str) -> None:
        client = _client(ip)
        with self._lock:
            self._pairs.add((_account(email), client))
            self._clients.add(client)

    def succeeded(self, email: str, ip: str) -> None:
        with self._lock:
            self._pairs.clear((_account(email), _client(ip)))


def _account(email: str) -> str:
    return (email or "").strip().lower()[:254]


def _client(ip: str) -> str:
    try:
        address = ipaddress.ip_address(ip or "")
    except ValueError:
        return ip or ""
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped is not None:
            return str(address.ipv4_mapped)
        return str(ipaddress.ip_network(f"{address}/64", strict=False))
    return str(address)
