"""Finder for the board that met: "Kommunstyrelsens allmänna utskott", "Socialnämnden".

Under a label ("Nämnd/styrelse", "Organ"), else the title right above the date and place
block, else the opening sentence ("sammanträde med kommunfullmäktige"), else the top lines
and the repeated page header. Only a name with a board's word in it (nämnd, styrelse,
utskott, fullmäktige, gruppen, nätverket, ...) is taken from unlabelled lines.
"""

from __future__ import annotations

import re

from .dates import find_dates, remove_span
from .labels import head_region, labelled_value, value_lines
from .lines import Line, sentences
from .meeting import first_field

BOARD_LABELS = (
    r"nämnd\s*/\s*styrelse", r"styrelse\s*/\s*nämnd", r"nämnd\s*/\s*utskott", r"nämnd", r"organ",
    r"beslutande organ", r"instans", r"mötesforum", r"sammanträde med",
)
_BOARD_WORD = re.compile(
    r"(?i)(?:nämnd(?:en)?|styrelse(?:n)?|utskott(?:et)?|fullmäktige|beredning(?:en)?|rå(?:d|det)"
    r"|direktion(?:en)?|grupp(?:en)?|nätverk(?:et)?|presidi(?:um|et)|kommitt[eé]n?|delegation(?:en)?"
    r"|förbund(?:et)?|församling(?:en)?|stämma(?:n)?|kollegi(?:um|et)|forum|samråd(?:et)?"
    r"|konferens(?:en)?|revisorer(?:na)?|revision(?:en)?)s?$"
)
_PROTOCOL_WORDS = re.compile(
    r"(?i)\b(?:justerat\s+)?(?:sammanträdes|möt(?:es)?)?(?:protokoll(?:sutdrag)?|anteckningar)\b"
    r"|\bminnesanteckningar\b|\bkallelse\b|\bföredragningslista\b"
)
_MUNICIPALITY = re.compile(r"(?i)^(?:[\wåäö-]+\s+)?(?:kommun|stad|region|landsting)$|^region\s+\w+$")
# "Ådalens kommun Socialnämnden" in a page header: the board is the part after the municipality.
_MUNICIPALITY_PREFIX = re.compile(
    r"^(?:[\wÅÄÖåäö-]+\s+(?i:kommun|stad)|(?i:region)\s+[\wÅÄÖåäö-]+)\s+(?=[A-ZÅÄÖ])"
)
_MEETING_WITH = re.compile(r"(?i)\b(?:sammanträde|möte)\s+(?:med|i)\s+(?P<board>.+?)(?:\s+den\b|\s+\d|,|$)")
_TITLE = re.compile(r"^[A-ZÅÄÖ][\wåäöÅÄÖéÉ&/ ,–-]*$")
# "Minnesanteckningar från Folkhälsorådet ...", "Protokoll fört vid sammanträde med ...": the lead-in
# left once the protocol words are gone.
_LEAD_IN = re.compile(
    r"(?i)^(?:fört\s+)?(?:från|för|vid|över)\s+(?:(?:sammanträde|möte|mötet|sammanträdet)\s+(?:med|i|för)\s+)?")
# "... möte 2/2022", "..., sammanträde nr 4", "... #3", "(3/2024)": the meeting's number, not the board's name.
_MEETING_NUMBER = re.compile(
    r"(?i)[\s,]*\(?(?:(?:möte|mötet|sammanträde|protokoll)\s*)?(?:nr\.?\s*|#\s*)?\d{1,3}(?:\s*/\s*(?:19|20)?\d\d)?\)?$")


def _title_like(text: str, max_words: int = 8) -> bool:
    return bool(text) and len(text.split()) <= max_words and bool(_TITLE.match(text)) \
        and not any(ch.isdigit() for ch in text) and not text.endswith(".")


def _has_board_word(text: str) -> bool:
    return any(_BOARD_WORD.search(word.strip(",")) for word in text.split())


def board_candidate(text: str) -> str | None:
    """``text`` without protocol words and dates, if what is left reads as a board's name."""
    for found in reversed(find_dates(text)):
        text = remove_span(text, found)
    text = _PROTOCOL_WORDS.sub(" ", text)
    # Column labels of a heading table ("Socialnämnden | Sammanträdesdatum | Sida") and page numbers.
    text = re.sub(r"(?i)\b(?:sammanträdesdatum|mötesdatum|datum|sida)\b(?:\s*\d+(?:\s*\(\d+\))?)?|\d+\s*\(\d+\)",
                  " ", text)
    text = re.sub(r"\s+", " ", text).strip(" ,.;:–-/")
    text = _MEETING_NUMBER.sub("", _LEAD_IN.sub("", text)).strip(" ,.;:–-/")
    text = _MUNICIPALITY_PREFIX.sub("", text)
    if "," in text:
        # "Samverkansgruppen barn och unga, Region Västerdal": the region or organisation after the
        # comma is whose group it is, not part of its name.
        name, tail = (part.strip() for part in text.split(",", 1))
        if _has_board_word(name) and not _has_board_word(tail) and len(tail.split()) <= 4:
            text = name
    if _title_like(text) and _has_board_word(text) and not _MUNICIPALITY.match(text):
        return text
    return None


def _blocks_upwards(lines: tuple[Line, ...], end: int, limit: int = 12):
    """(text, first line) of the blocks above ``end``, nearest first; a line starting in lower case
    continues the one above, and each cell of a one-line table row is tried on its own first."""
    i, seen = end - 1, 0
    while i >= 0 and seen < limit:
        if lines[i].blank:
            i -= 1
            continue
        start = i
        while start > 0 and not lines[start - 1].blank and lines[start].text[:1].islower():
            start -= 1
        if start == i and len(lines[i].cells) > 1:
            yield from ((cell, lines[i]) for cell in lines[i].cells)
        yield " ".join(l.text for l in lines[start:i + 1]), lines[start]
        seen += 1
        i = start - 1


def locate_board(lines: tuple[Line, ...], header: tuple[Line, ...] = ()) -> tuple[str, Line] | None:
    """The board and the line it was read from."""
    head = head_region(lines)
    for i, line in enumerate(head):
        value = labelled_value(line, BOARD_LABELS)
        if value is not None:
            joined = " ".join(value_lines(head, i, value, limit=3))
            if _title_like(joined) and not _MUNICIPALITY.match(joined):
                return joined, line
    first = first_field(head)
    if first is not None:
        for block, line in _blocks_upwards(head, first):
            candidate = board_candidate(block)
            if candidate:
                return candidate, line
    for i, text in sentences(head)[:25]:
        match = _MEETING_WITH.search(text)
        candidate = match and board_candidate(match["board"][:1].upper() + match["board"][1:])
        if candidate:
            return candidate, head[i]
    for source in (head[:8], header):
        for line in source:
            for part in list(line.cells) + [line.text]:
                candidate = board_candidate(part)
                if candidate:
                    return candidate, line
    return None


def find_board(lines: tuple[Line, ...], header: tuple[Line, ...] = ()) -> str | None:
    found = locate_board(lines, header)
    return found[0] if found else None
