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


def swedish_time(when: dt.datetime) -> str:
    """A moment as people in Sweden read it: local time with its zone, to the second
    ("2026-12-01 18:41:06 CET"); naive values are UTC."""
    return stockholm(when).strftime("%Y-%m-%d %H:%M:%S %Z")
