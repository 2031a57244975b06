"""Diarienummer as protocols write them: "Dnr KS 9/2024", "KS 147/2024", "Dnr 2024-000123".

With a label ("Dnr", "Diarienummer", "Ärendenr") any number shape counts; without one only
the usual letters-and-number shape on a line of its own ("KS 9/2024", "SN 2019.45").
"""

from __future__ import annotations

import re

from .lines import Line

_DNR_LABELLED = re.compile(
    r"(?:^|(?<=\s)|(?<=\())(?i:dnr|diarienr|diarienummer|ärendenr|ärendenummer)\.?\s*:?\s*"
    r"(?P<dnr>(?:[A-ZÅÄÖ]{1,8}[ ./-]?)?\d[\d./:-]*\d|\d)"
)
DNR_BARE = re.compile(r"^\(?(?P<dnr>[A-ZÅÄÖ]{1,8}[ ./-]?\d{1,6}[/.:-]\d{1,6}(?:[/.:-]\d{1,6})*)\)?$")


def dnr_in(text: str) -> tuple[str | None, str]:
    """(diarienummer, the text without it) for a labelled "Dnr KS 9/2024" anywhere in ``text``."""
    match = _DNR_LABELLED.search(text)
    if not match:
        return None, text
    return re.sub(r"\s+", " ", match["dnr"]), (text[:match.start()] + " " + text[match.end():]).strip()


def dnr_line(line: Line) -> str | None:
    """The diarienummer when ``line`` holds nothing else ("KS 9/2024", "Dnr 103/2023")."""
    dnr, rest = dnr_in(line.text)
    if dnr and not rest.strip(" ,;:()"):
        return dnr
    match = DNR_BARE.match(line.text)
    return re.sub(r"\s+", " ", match["dnr"]) if match else None
