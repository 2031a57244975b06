"""The one place the core reads the wall clock, so tests can pass a fixed one instead."""

import datetime as dt


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc)
