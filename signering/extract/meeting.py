"""Finders for when and where the meeting was held.

The date, time and place sit under labels in the protocol's heading block ("Datum", "Tid och
plats", "Plats", "Sammanträdesdatum"), or, in older protocols, in the opening sentence
("Protokoll fört vid sammanträde ... den 6 december 2019 kl. 18.00 i Kommunhuset").
"""

from __future__ import annotations

import datetime as dt
import re

from .dates import find_date, find_dates, find_time, only_date, remove_span
from .labels import field_at, head_region, labelled_value
from .lines import Line, sentences

DATE_LABELS = (
    r"sammanträdesdatum", r"mötesdatum", r"datum", r"dag", r"tid", r"sammanträdets tid",
    r"datum och tid", r"tid och datum",
)
COMBINED_LABELS = (r"tid och plats", r"plats och tid", r"datum och plats", r"plats och datum",
                   r"tid, plats", r"plats, tid")
PLACE_LABELS = (r"plats", r"lokal", r"mötesplats", r"sammanträdesplats", r"plats för sammanträdet")
TIME_LABELS = (r"tid", r"klockan", r"mötestid", r"sammanträdestid")
_PLACE_NOISE = re.compile(r"(?i)^(?:(?:den|kl\.?|klockan|i|på|via|sker|äger rum|plats|tid)\b\s*)+")


def _meeting_value(lines: tuple[Line, ...]) -> tuple[Line, str, bool] | None:
    """(line of the value, value block, combined with place?) of the labelled meeting date."""
    for i in range(len(lines)):
        for labels, combined in ((COMBINED_LABELS, True), (DATE_LABELS, False)):
            field = field_at(lines, i, labels, limit=4)
            if field is None:
                continue
            block, line = field
            found = find_date(block)
            # Under "Datum" or "Tid" the date comes first; anywhere else it belongs to something else.
            if found and (combined or found.start == 0):
                return line, block, combined
            break
    return None


def locate_meeting_date(lines: tuple[Line, ...], header: tuple[Line, ...] = ()) -> tuple[dt.date, Line] | None:
    """The meeting's date and the line it was read from."""
    head = head_region(lines)
    labelled = _meeting_value(head)
    if labelled:
        return find_date(labelled[1]).value, labelled[0]
    sentence = _title_sentence(head)
    if sentence:
        return find_date(sentence[1]).value, head[sentence[0]]
    line = date_line(head)
    if line is not None:
        return only_date(head[line].text).value, head[line]
    for i, line in enumerate(header):
        # In a page header the date may sit under its column label: "Sammanträdesdatum" / "2019-12-06".
        if re.search(r"(?i)protokoll|sammanträde|möte|anteckningar|datum", line.text):
            for near in header[i:i + 2]:
                found = find_date(near.text)
                if found:
                    return found.value, near
    return None


def find_meeting_date(lines: tuple[Line, ...], header: tuple[Line, ...] = ()) -> dt.date | None:
    found = locate_meeting_date(lines, header)
    return found[0] if found else None


def date_line(head: tuple[Line, ...]) -> int | None:
    """The first line of the heading that gives the date and nothing else (a time aside), as under a
    title: "Fredag 6 december 2019, kl. 09.00–11.30", "2018-11-14 13:15 - 16:15"."""
    for i, line in enumerate(head[:40]):
        if only_date(line.text):
            return i
    return None


def _title_sentence(head: tuple[Line, ...]) -> tuple[int, str] | None:
    """A heading written as a sentence: "Protokoll fört vid sammanträde med ... den 6 december 2019 ..."."""
    for i, text in sentences(head)[:25]:
        if re.search(r"(?i)protokoll|sammanträde|möte|anteckningar", text) and find_date(text):
            return i, text
    return None


Clock = tuple[dt.time, dt.time | None]


def locate_meeting_time(lines: tuple[Line, ...]) -> tuple[Clock, Line] | None:
    """When the meeting began and ended, and the line it was read from."""
    head = head_region(lines)
    labelled = _meeting_value(head)
    if labelled:
        found = find_time(labelled[1])
        if found:
            return found.value, labelled[0]
    for i in range(len(head)):
        for labels, bare in ((COMBINED_LABELS, False), (TIME_LABELS, True)):
            field = field_at(head, i, labels, limit=3)
            found = find_time(field[0], bare=bare) if field else None
            if found:
                return found.value, field[1]
    sentence = _title_sentence(head)
    if sentence and not labelled:
        found = find_time(sentence[1])
        return (found.value, head[sentence[0]]) if found else None
    line = date_line(head) if not labelled else None
    found = find_time(head[line].text, bare=True) if line is not None else None
    return (found.value, head[line]) if found else None


def find_meeting_time(lines: tuple[Line, ...]) -> Clock | None:
    found = locate_meeting_time(lines)
    return found[0] if found else None


def clean_place(text: str) -> str | None:
    for found in reversed(find_dates(text)):
        text = remove_span(text, found)
    text = remove_span(text, find_time(text, bare=True))
    text = re.sub(r"\s*,\s*(?:,\s*)+", ", ", text)
    text = re.sub(r"\s+", " ", text).strip(" ,;:–-")
    text = _PLACE_NOISE.sub("", text).strip(" ,;:–-.")
    if not text or len(text) > 120 or len(text.split()) > 14 or not re.search(r"[A-Za-zÅÄÖåäö]", text):
        return None
    return text


def locate_place(lines: tuple[Line, ...]) -> tuple[str, Line] | None:
    """Where the meeting was held, and the line it was read from."""
    head = head_region(lines)
    for i in range(len(head)):
        for labels in (COMBINED_LABELS, PLACE_LABELS):
            field = field_at(head, i, labels, limit=4)
            if field is None:
                continue
            place = clean_place(field[0])
            if place:
                return place, field[1]
            break
    sentence = _title_sentence(head)
    if sentence and not _meeting_value(head):
        # "... den 6 december 2019 kl. 18.00–21.15 i Kommunhuset, Sessionssalen."
        date = find_date(sentence[1])
        rest = sentence[1][date.end:]
        time = find_time(rest)
        rest = rest[time.end:] if time else rest
        match = re.match(r"^\s*,?\s*(?:i|på)\s+(?P<place>[A-ZÅÄÖ][^.]*)\.?\s*$", rest)
        place = match and clean_place(match["place"])
        if place:
            return place, head[sentence[0]]
    return None


def find_place(lines: tuple[Line, ...]) -> str | None:
    found = locate_place(lines)
    return found[0] if found else None


def first_field(lines: tuple[Line, ...]) -> int | None:
    for i, line in enumerate(lines):
        if any(labelled_value(line, labels) is not None for labels in (DATE_LABELS, COMBINED_LABELS, PLACE_LABELS)):
            return i
    return None
