"""Labelled values, in all the shapes templates give them.

"Plats: Digitalt möte", "Plats<TAB>Digitalt möte", "Plats Digitalt möte", or the label alone
with the value on the following lines; values may continue on the next lines, indented into a
value column or simply running on until a blank line or the next label.
"""

from __future__ import annotations

import re
from functools import lru_cache

from .lines import Line

#: Labels of protocol heading blocks; a line starting with one begins a new field.
KNOWN_LABELS = (
    r"datum", r"dag", r"tid", r"plats", r"lokal", r"tid och plats", r"plats och tid",
    r"sammanträdesdatum", r"mötesdatum", r"beslutande(?: ledamöter)?", r"närvarande(?: ledamöter)?",
    r"övriga (?:närvarande|deltagare|deltagande)", r"deltagare", r"ledamöter", r"ersättare",
    r"tjänstgörande ersättare", r"icke tjänstgörande ersättare", r"tjänstemän", r"frånvarande",
    r"justerare", r"justerande", r"justeras av", r"justeringens (?:tid|plats|datum)(?: och (?:tid|plats|datum))?",
    r"sekreterare", r"ordförande", r"underskrifter", r"underskrift", r"paragrafer", r"nästa (?:möte|sammanträde)",
    r"utses att justera", r"organ", r"nämnd/styrelse", r"nämnd", r"förvaringsplats(?: för protokollet)?",
    r"anslag(?:et)?", r"bilagor", r"föredragande", r"insynsplats", r"protokollförare",
)


@lru_cache(maxsize=None)
def label_pattern(*labels: str) -> re.Pattern:
    alternation = "|".join(sorted(labels, key=len, reverse=True))
    return re.compile(r"(?i)^(?:" + alternation + r")(?:\s*:\s*|\s+|$)(?P<value>.*)$")


@lru_cache(maxsize=None)
def cell_label_pattern(*labels: str) -> re.Pattern:
    alternation = "|".join(sorted(labels, key=len, reverse=True))
    return re.compile(r"(?i)^(?:" + alternation + r")\s*:?$")


_ANY_LABEL = label_pattern(*KNOWN_LABELS)
_ANY_LABEL_CELL = cell_label_pattern(*KNOWN_LABELS)
_PARAGRAPH_START = re.compile(r"^(?:[A-ZÅÄÖ]{1,6}\s+)?§(?!§)\s*\d+(?!\d)(?!\s*[-–]\s*\d)")
_COLON_LABEL = re.compile(r"^[A-ZÅÄÖ][\w/() ]{0,40}:(?:\s|$)")


def labelled_value(line: Line, labels: tuple[str, ...]) -> str | None:
    """The value after one of ``labels`` at the start of ``line``; "" for a bare label; else None."""
    if len(line.cells) >= 2 and cell_label_pattern(*labels).match(line.cells[0]):
        return " ".join(line.cells[1:])
    match = label_pattern(*labels).match(line.text)
    return match["value"].strip() if match else None


def column_value(lines: tuple[Line, ...], index: int, labels: tuple[str, ...]) -> str | None:
    """The value under one of ``labels`` in a row of column headings ("Dag | Tid | Plats") whose
    values stand in the row below, cell for cell."""
    line = lines[index]
    # Without cells (text that lost its table) the headings are single words: "Dag Tid Plats".
    headings = line.cells if len(line.cells) >= 2 else tuple(line.text.split())
    if len(headings) < 2 or not all(_ANY_LABEL_CELL.match(c) for c in headings):
        return None
    pattern = cell_label_pattern(*labels)
    column = next((k for k, cell in enumerate(headings) if pattern.match(cell)), None)
    below = next((l for l in lines[index + 1:index + 3] if not l.blank), None)
    if column is None or below is None:
        return None
    if len(below.cells) == len(headings):
        return below.cells[column]
    # The row's cells ran together: only the first column's value is known to start the row.
    return below.text if column == 0 else None


def field_at(lines: tuple[Line, ...], index: int, labels: tuple[str, ...], *, limit: int) -> tuple[str, Line] | None:
    """(value, the line it starts on) of the field ``lines[index]`` labels, if it is one of
    ``labels``: beside the label and on the lines continuing it, or under it in a row of column
    headings."""
    column = column_value(lines, index, labels)
    if column is not None:
        return column, next(l for l in lines[index + 1:] if not l.blank)
    value = labelled_value(lines[index], labels)
    return None if value is None else (" ".join(value_lines(lines, index, value, limit=limit)), lines[index])



def starts_field(line: Line) -> bool:
    """Does ``line`` begin another labelled field (so it cannot continue the one above)?"""
    if line.cells and _ANY_LABEL_CELL.match(line.cells[0]):
        return True
    match = _ANY_LABEL.match(line.text)
    if match and (":" in line.text[:40] or len(line.cells) >= 2 or not match["value"]
                  or match["value"][:1].isupper() or match["value"][:1].isdigit() or match["value"][:1] == "§"):
        return True
    return bool(_COLON_LABEL.match(line.text))


def is_paragraph_line(line: Line) -> bool:
    """Does ``line`` start like a paragraph heading ("§ 17 ...", "KS § 45")? "§§ 11 - 17" does not."""
    return bool(_PARAGRAPH_START.match(line.text))


def value_lines(lines: tuple[Line, ...], index: int, first: str, *, limit: int = 12) -> list[str]:
    """``first`` (the value on the label's line) and the lines that continue it."""
    values = [first] if first else []
    i = index + 1
    if not first and i < len(lines) and lines[i].blank:
        i += 1  # a label alone on its line, its value a block below
    while i < len(lines) and len(values) < limit:
        line = lines[i]
        if line.blank or is_paragraph_line(line):
            break
        if starts_field(line) and not (line.indented and len(line.cells) == 1 and ":" not in line.text):
            break
        values.append(line.text)
        i += 1
    return values


def head_region(lines: tuple[Line, ...]) -> tuple[Line, ...]:
    """The heading part of the protocol: everything before the first block that starts with §."""
    for i, line in enumerate(lines):
        # A "§ 11" that a wrapped line happens to start with is no block start.
        if is_paragraph_line(line) and (i == 0 or lines[i - 1].blank):
            return lines[:i]
    return lines
