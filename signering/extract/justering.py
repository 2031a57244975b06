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
from .lines import Line
from .meeting import clean_place

JUSTERING_LABELS = (
    r"justeringens (?:tid|plats|datum|dag)(?:\s+och\s+(?:tid|plats|datum))?",
    r"justeringens", r"justeringsdatum", r"justeringsdag", r"justeringstid",
    r"(?:tid|plats|datum|dag)(?:\s+och\s+(?:tid|plats|datum))?\s+för\s+justering(?:en)?",
    r"justering",
)
_JUSTERING_REST = re.compile(r"(?i)^(?:och\s+)?(?:tid|plats|datum)(?:\s+och\s+(?:tid|plats|datum))?\s*(?::\s*|$)")


def find_justering(lines: tuple[Line, ...]) -> tuple[dt.date | None, str | None] | None:
    """(date, place) of the justering when the protocol states it."""
    for i, line in enumerate(lines):
        value = labelled_value(line, JUSTERING_LABELS)
        if value is None:
            continue
        # A bare "Justering" heads many other things ("Justering av protokollet"): only with a date.
        bare_label = re.match(r"(?i)^justering(?:\s|:|$)", line.text) is not None
        # The label may wrap: "Justeringens tid" above, "och plats" below, beside or before the value.
        parts = [_JUSTERING_REST.sub("", part) for part in value_lines(lines, i, value, limit=3)]
        window = " ".join(p for p in parts if p)
        found = find_date(window)
        if bare_label and not found:
            continue
        place = clean_place(window)
        if place and (place[:1].islower() and place.split()[0] in ("av", "och", "för", "har", "sker")):
            place = None
        if found or place:
            return (found.value if found else None), place
    return None
