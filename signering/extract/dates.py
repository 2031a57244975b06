"""Dates and times as Swedish protocols write them.

"2024-04-16", "16 april 2024", "den 6 december 2019", "Fredag 6 december 2019",
"måndag 22 september 2025", "6 dec. 2019", "den 6/12 2019" (day/month, then the year); times "kl. 10.10 – 11.50", "Kl. 08.30 – 11.00", "13:00-15:30", "kl 13".
Every match is checked against the calendar, so "2024-02-30" is no date.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

MONTHS = {
    "januari": 1, "jan": 1, "februari": 2, "feb": 2, "mars": 3, "mar": 3, "april": 4, "apr": 4,
    "maj": 5, "juni": 6, "jun": 6, "juli": 7, "jul": 7, "augusti": 8, "aug": 8,
    "september": 9, "sept": 9, "sep": 9, "oktober": 10, "okt": 10, "november": 11, "nov": 11,
    "december": 12, "dec": 12,
}
WEEKDAYS = ("måndag", "tisdag", "onsdag", "torsdag", "fredag", "lördag", "söndag")

_DASH = "-\u2010\u2011\u2012\u2013\u2014\u2212"
_WEEKDAY = r"(?:(?:" + "|".join(WEEKDAYS) + r")(?:en)?\s+(?:den\s+)?)?"
_ISO = re.compile(r"(?<![\d/])(?P<y>(?:19|20)\d\d)(?P<sep>[-.])(?P<m>[01]?\d)(?P=sep)(?P<d>[0-3]?\d)(?![\d])")
_WORDS = re.compile(
    r"(?i)(?<![\w])" + _WEEKDAY + r"(?:den\s+)?(?P<d>[0-3]?\d)(?::e|:a)?\s+(?P<mon>"
    + "|".join(sorted(MONTHS, key=len, reverse=True)) + r")\.?,?\s+(?P<y>(?:19|20)\d\d)(?!\d)"
)
# "den 6/12 2019", "6/12-2019": day before month, as in Swedish; "4/2018" (a number) is no date.
_SLASHED = re.compile(r"(?<![\d/.])(?P<d>[0-3]?\d)/(?P<m>[01]?\d)(?:\s+|\s*-\s*)(?P<y>(?:19|20)\d\d)(?![\d/])")
_LEAD = re.compile(r"(?i)(?:\b(?:" + "|".join(WEEKDAYS) + r")(?:en)?\s*,?\s*)?(?:\bden\s+)?$")

_CLOCK = r"(?P<{h}>[0-2]?\d)(?:[.:](?P<{m}>[0-5]\d))?"
_TIME_KL = re.compile(
    r"(?i)\b(?:kl\.?|klockan)\s*" + _CLOCK.format(h="h1", m="m1")
    + r"(?:\s*[" + _DASH + r"]\s*(?:kl\.?\s*)?" + _CLOCK.format(h="h2", m="m2") + r")?(?![\d:]|\.\d)"
)
# Without "kl" only a clock with minutes counts ("08.30-11.00"), so "2024" is never a time.
_TIME_BARE = re.compile(
    r"(?<![\d.:/-])(?P<h1>[0-2]?\d)[.:](?P<m1>[0-5]\d)"
    r"(?:\s*[" + _DASH + r"]\s*(?P<h2>[0-2]?\d)[.:](?P<m2>[0-5]\d))?(?![\d:/-]|\.\d)"
)


@dataclass(frozen=True)
class Found:
    """A value found in a string, with where it was."""

    value: object
    start: int
    end: int


def _make_date(y: str, m: int, d: str) -> dt.date | None:
    try:
        return dt.date(int(y), int(m), int(d))
    except ValueError:
        return None


def find_dates(text: str) -> list[Found]:
    """Every real calendar date in ``text``, in order; the span covers a weekday and "den" too."""
    found = []
    for match in _ISO.finditer(text):
        date = _make_date(match["y"], int(match["m"]), match["d"])
        if date:
            found.append(Found(date, match.start(), match.end()))
    for match in _WORDS.finditer(text):
        date = _make_date(match["y"], MONTHS[match["mon"].lower()], match["d"])
        if date:
            found.append(Found(date, match.start(), match.end()))
    for match in _SLASHED.finditer(text):
        date = _make_date(match["y"], int(match["m"]), match["d"])
        if date:
            found.append(Found(date, match.start(), match.end()))
    found.sort(key=lambda f: f.start)
    widened = []
    for f in found:
        lead = _LEAD.search(text[:f.start])
        widened.append(Found(f.value, lead.start() if lead else f.start, f.end))
    return widened


def find_date(text: str) -> Found | None:
    dates = find_dates(text)
    return dates[0] if dates else None


def _clock(h: str | None, m: str | None) -> dt.time | None:
    if h is None:
        return None
    hour, minute = int(h), int(m or 0)
    return dt.time(hour, minute) if hour < 24 else None


def find_time(text: str, *, bare: bool = False) -> Found | None:
    """A time or a span of time: ``Found((start, end_or_None), ...)``.

    ``bare`` also accepts "08.30-11.00" without "kl", for values labelled "Tid".
    """
    patterns = (_TIME_KL, _TIME_BARE) if bare else (_TIME_KL,)
    for pattern in patterns:
        for match in pattern.finditer(text):
            start = _clock(match["h1"], match["m1"])
            end = _clock(match["h2"], match["m2"])
            if start is None or (match["h2"] is not None and end is None):
                continue
            return Found((start, end), match.start(), match.end())
    return None


def remove_span(text: str, found: Found | None) -> str:
    if found is None:
        return text
    return text[:found.start] + " " + text[found.end:]


def only_date(text: str) -> Found | None:
    """The date when ``text`` says nothing but when: "Fredag 6 december 2019, kl. 09.00–11.30",
    "2018-11-14 13:15 - 16:15" (a date line under a heading, without a label)."""
    found = find_date(text)
    if not found:
        return None
    rest = remove_span(text, found)
    rest = remove_span(rest, find_time(rest, bare=True))
    return found if not re.sub(r"(?i)\b(?:kl\.?|klockan)(?=\s|$)|[\s,.;:()–-]", "", rest) else None
