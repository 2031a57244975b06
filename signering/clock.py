"""The one place the core reads the wall clock, so tests can pass a fixed one instead."""

import datetime as dt


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc)


def aware(when: dt.datetime) -> dt.datetime:
    # SQLite hands back naive datetimes; everything we store is UTC.
    return when if when.tzinfo else when.replace(tzinfo=dt.timezone.utc)


def stockholm(when: dt.datetime) -> dt.datetime:
    """``when`` in Swedish local time, the time people read (``%Z`` gives CET or CEST)."""
    from zoneinfo import ZoneInfo

    return aware(when).astimezone(ZoneInfo("Europe/Stockholm"))
