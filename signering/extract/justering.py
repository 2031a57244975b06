"""Finder for the justering's date and place, when the protocol states them.

"Justeringens tid och plats: torsdag 2 oktober 2025, digitalt", the label wrapped in a table
("Justeringens tid" / "och plats"), "Justeringens plats och tid  Socialkontoret, 2019-12-10",
"Justering sker på kommunkansliet den 11 december 2019".
"""

from __future__ import annotations

import datetime as dt
import re

from .dates import find_date
from .labels import labelled_value, value_lines
from .lines import Line, sentences
from .meeting import clean_place

JUSTERING_LABELS = (
    r"justeringens (?:tid|plats|datum|dag)(?:\s+och\s+(?:tid|plats|datum))?",
    r"justeringens", r"justeringsdatum", r"justeringsdag", r"justeringstid",
    r"(?:tid|plats|datum|dag)(?:\s+och\s+(?:tid|plats|datum))?\s+för\s+justering(?:en)?",
    r"justering", r"(?:protokollet\s+)?(?:justeras|justerades|justerat)(?!\s+av\b)",
)
# These head many other things ("Justering av protokollet", "Justeras av"): only with a date.
_NEEDS_DATE = re.compile(r"(?i)^(?:justering|(?:protokollet\s+)?(?:justeras|justerades|justerat))(?:\s|:|$)")
_NOT_A_PLACE = {"av", "och", "för", "har", "sker", "ska", "skall", "kommer", "blir", "är"}
_JUSTERING_REST = re.compile(r"(?i)^(?:och\s+)?(?:tid|plats|datum)(?:\s+och\s+(?:tid|plats|datum))?\s*(?::\s*|$)")


def _read_window(window: str, needs_date: bool) -> tuple[dt.date | None, str | None] | None:
    found = find_date(window)
    if needs_date and not found:
        return None
    place = clean_place(window)
    if place and (place.split()[0].lower() in _NOT_A_PLACE or len(place.split()) > 8):
        place = None
    return ((found.value if found else None), place) if found or place else None


def find_justering(lines: tuple[Line, ...]) -> tuple[dt.date | None, str | None] | None:
    """(date, place) of the justering when the protocol states it."""
    found = locate_justering(lines)
    return found[0] if found else None


def locate_justering(lines: tuple[Line, ...]) -> tuple[tuple[dt.date | None, str | None], Line] | None:
    """((date, place), the line it was read from) of the justering when the protocol states it."""
    for i, line in enumerate(lines):
        value = labelled_value(line, JUSTERING_LABELS)
        if value is None:
            continue
        # The label may wrap: "Justeringens tid" above, "och plats" below, beside or before the value.
        parts = [_JUSTERING_REST.sub("", part) for part in value_lines(lines, i, value, limit=3)]
        found = _read_window(" ".join(p for p in parts if p), _NEEDS_DATE.match(line.text) is not None)
        if found:
            return found, line
    # In running text: "Ansökan beviljas. Protokollet justeras den 8 mars 2024 på biblioteket."
    for i, text in sentences(lines):
        match = _NEEDS_DATE.match(text)
        if match:
            found = _read_window(text[match.end():], needs_date=True)
            if found:
                return found, lines[i]
    return None
