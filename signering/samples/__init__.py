"""The project's own sample protocols: fictional municipalities, boards and people, written for
Signering in the house styles the reader knows, rendered to PDF by :mod:`signering.textpdf`.

They are what the demo (``make run``), the benchmarks and the tests use as "a real protocol",
so a fresh clone needs nothing beside it. Each sample's text is a package data file
``signering/samples/<name>.txt``; :class:`Sample` says how it is laid out on the page.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from importlib import resources


@dataclass(frozen=True)
class Sample:
    name: str
    style: str           # the house style it shows: plain, table, header or minnesanteckningar
    layout: str          # textpdf layout: "plain" (running text) or "table" (label | value cells)
    header: str | None   # page header repeated on every page, if the style has one

    def text(self) -> str:
        return resources.files(__package__).joinpath(f"{self.name}.txt").read_text(encoding="utf-8")

    def pdf(self, *, min_pages: int = 1, text: str | None = None) -> bytes:
        from ..textpdf import render_text_pdf

        return render_text_pdf(self.text() if text is None else text, layout=self.layout,
                               header=self.header, min_pages=min_pages)


SAMPLES = (
    Sample("ekasa-ks-2025-03-11", "plain", "plain", None),
    Sample("ekasa-mbn-2025-04-08", "table", "table", None),
    Sample("fjallbygden-direktionen-2025-05-20", "header", "plain",
           "Fjällbygdens räddningstjänstförbund  Direktionen  Protokoll  2025-05-20"),
    Sample("fjallbygden-socialchefer-2025-10-06", "minnesanteckningar", "table", None),
)


def sample(name: str) -> Sample:
    for found in SAMPLES:
        if found.name == name:
            return found
    raise KeyError(f"no sample protocol named {name!r}; there are {', '.join(s.name for s in SAMPLES)}")


_MONTHS = ("januari", "februari", "mars", "april", "maj", "juni", "juli", "augusti", "september", "oktober",
           "november", "december")
_ISO = re.compile(r"\b(\d{4})-(\d{2})-(\d{2})\b")
_LONG = re.compile(r"\b(\d{1,2}) (" + "|".join(_MONTHS) + r") (\d{4})\b")


def shift_dates(text: str, weeks: int) -> str:
    """``text`` with every full date ("2025-03-11", "11 mars 2025") moved by whole weeks, so the
    weekday names beside them ("tisdag 11 mars 2025") stay right."""
    delta = dt.timedelta(weeks=weeks)

    def iso(match: re.Match) -> str:
        try:
            day = dt.date(int(match[1]), int(match[2]), int(match[3]))
        except ValueError:
            return match[0]
        return (day + delta).isoformat()

    def long(match: re.Match) -> str:
        try:
            day = dt.date(int(match[3]), _MONTHS.index(match[2]) + 1, int(match[1]))
        except ValueError:
            return match[0]
        moved = day + delta
        return f"{moved.day} {_MONTHS[moved.month - 1]} {moved.year}"

    return _LONG.sub(long, _ISO.sub(iso, text))
