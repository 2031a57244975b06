"""The one fixed clock of the tests: ``svc.clock`` that answers what the test set.

``FixedClock(when)`` starts at ``when``: a datetime as given, or a date at 10:00 UTC (midday in
Sweden, so the Swedish day is that date). ``set`` moves it the same way, ``advance(**timedelta)``
moves it on; ``now`` may also be assigned directly.
"""

from __future__ import annotations

import datetime as dt


def _instant(when: dt.date | dt.datetime) -> dt.datetime:
    if isinstance(when, dt.datetime):
        return when
    return dt.datetime(when.year, when.month, when.day, 10, 0, tzinfo=dt.timezone.utc)


class FixedClock:
    def __init__(self, when: dt.date | dt.datetime):
        self.set(when)

    def set(self, when: dt.date | dt.datetime) -> None:
        self.now = _instant(when)

    def __call__(self) -> dt.datetime:
        return self.now

    def advance(self, **kw) -> None:
        self.now += dt.timedelta(**kw)
