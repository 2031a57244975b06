"""Moments as people read them: Swedish local time with its zone, "2026-12-01 18:41 CET".

Stored times are UTC (SQLite hands them back naive). Web pages, notices and mails show them
here; machine formats (JSON, logs, feeds) keep UTC.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

STOCKHOLM = ZoneInfo("Europe/Stockholm")


def in_stockholm(when: dt.datetime) -> dt.datetime:
    return (when if when.tzinfo else when.replace(tzinfo=dt.timezone.utc)).astimezone(STOCKHOLM)


def local_time(when: dt.datetime | str | None, *, seconds: bool = False) -> str:
    """'2026-12-01 18:41 CET' (or 'CEST' in summer); empty for none. Accepts ISO text ('…Z' too)."""
    if not when:
        return ""
    if isinstance(when, str):
        when = dt.datetime.fromisoformat(when.replace("Z", "+00:00"))
    local = in_stockholm(when)
    return local.strftime("%Y-%m-%d %H:%M:%S %Z" if seconds else "%Y-%m-%d %H:%M %Z")
