"""Normalised lines: the common ground every finder reads.

Whatever produced the text (our PDF extraction, a copy from a word processor, Markdown-ish
seeds), a line here is plain text split into table cells, with markup, odd spaces and
repeated page headers and footers gone. Blank lines are kept: they separate blocks.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass

from .text import PAGE_BREAK

_SPACES = re.compile(r"[ \u00a0\u2000-\u200a\u202f\u205f\u3000]+")
_MARKUP = re.compile(r"</?(?:b|i|u|strong|em|span|p|br)\s*/?>", re.I)
_MD_LINK = re.compile(r"\[([^\]]+)\]\((?:https?|mailto):[^)]*\)")
_MD_HEADING = re.compile(r"^#{1,6}\s+")
_MD_EMPHASIS = re.compile(r"\*{1,3}")
_RULE = re.compile(r"^[-_=*~.]{3,}$")
_PAGE_NUMBER = re.compile(
    r"(?i)^(?:sida|sid\.?|page|s\.)?\s*\d{1,4}\s*(?:(?:\(|av|/|of)\s*\d{1,4}\s*\)?)?$"
)
# Page numbering inside a repeated header, e.g. "Sida 3 (15)", so the rest can be compared.
_PAGE_REF = re.compile(r"(?i)\b(?:sida|sid\.?|page)\s*\d{1,4}(?:\s*(?:\(|av|/|of)\s*\d{1,4}\s*\)?)?|\b\d{1,4}\s*\(\d{1,4}\)")

_LIST_ITEM = re.compile(r"^(?:[-–•*]\s|[a-z]\)\s|\d{1,2}[.)]\s)")
_SENTENCE_END = re.compile(r"[.!?]\s+(?=[A-ZÅÄÖ])")
# A full stop after these ends no sentence ("kl. 18.00", "t.f. kommundirektör").
_ABBREVIATIONS = re.compile(r"(?i)(?:^|[\s(])(?:kl|t\.ex|bl\.a|t\.f|ca|dvs|resp|fr\.o\.m|t\.o\.m|nr|jfr|s|st|ang|enl|ev|inkl|exkl)$")

#: How many non-blank lines at the top and at the bottom of a page may be header or footer.
TOP_ZONE, BOTTOM_ZONE = 4, 3


@dataclass(frozen=True)
class Line:
    text: str               #: the cells joined by single spaces; "" for a blank line
    cells: tuple[str, ...]  #: table cells (tab-separated in the source), without empty ones
    indented: bool = False  #: starts in a value column, i.e. continues the line above
    page: int = 0           #: the page it is on, from 0
    number: int = 0         #: its line on that page in the extracted text, from 1

    @property
    def blank(self) -> bool:
        return not self.text


@dataclass(frozen=True)
class Document:
    lines: tuple[Line, ...]
    #: Lines repeated at the top of the pages (page headers), first occurrence, in order.
    header: tuple[Line, ...] = ()


def clean_cell(text: str) -> str:
    text = text.replace("\u00ad", "").replace("\ufeff", "")
    text = _MARKUP.sub("", text)
    text = _MD_LINK.sub(r"\1", text)
    text = _MD_HEADING.sub("", text.strip())
    text = _MD_EMPHASIS.sub("", text)
    return _SPACES.sub(" ", text).strip()


def make_line(raw: str, page: int = 0, number: int = 0) -> Line:
    indented = raw[:1] == "\t" or raw.startswith("    ")
    cells = tuple(c for c in (clean_cell(part) for part in raw.split("\t")) if c)
    if len(cells) == 1 and _RULE.match(cells[0]):
        cells = ()
    return Line(" ".join(cells), cells, indented and bool(cells), page, number)


def _zones(lines: list[Line]) -> dict[int, str]:
    """Line index -> "top" or "bottom" for the lines where headers and footers sit."""
    filled = [i for i, line in enumerate(lines) if not line.blank]
    zones = {i: "bottom" for i in filled[-BOTTOM_ZONE:]}
    zones.update({i: "top" for i in filled[:TOP_ZONE]})
    return zones


def _header_key(line: Line) -> str:
    return _PAGE_REF.sub("#", line.text).lower()


def normalise(text: str) -> Document:
    """Split ``text`` into lines, dropping headers and footers repeated on most pages."""
    pages = [[make_line(raw, number, row) for row, raw in enumerate(page.split("\n"), start=1)]
             for number, page in enumerate(text.replace("\r\n", "\n").replace("\r", "\n").split(PAGE_BREAK))]
    repeated: set[tuple[str, str]] = set()
    if len(pages) >= 2:
        counts: Counter[tuple[str, str]] = Counter()
        for page in pages:
            counts.update({(zone, _header_key(page[i])) for i, zone in _zones(page).items()
                           if not page[i].text.startswith("§")})
        needed = max(2, (len(pages) + 1) // 2)
        repeated = {key for key, n in counts.items() if n >= needed}
    header: list[Line] = []
    lines: list[Line] = []
    for page in pages:
        zones = _zones(page) if len(pages) >= 2 else {}
        kept = []
        for i, line in enumerate(page):
            key = (zones.get(i, ""), _header_key(line))
            if key in repeated:
                if key[0] == "top" and key[1] not in {_header_key(h) for h in header}:
                    header.append(line)
                continue
            if i in zones and _PAGE_NUMBER.match(line.text):
                continue
            kept.append(line)
        while kept and kept[0].blank:
            kept.pop(0)
        # A page break is a block break, unless the text runs on ("... för november" / "och december").
        if lines and kept and not kept[0].text[:1].islower():
            lines.append(Line("", ()))
        while lines and lines[-1].blank and kept and kept[0].text[:1].islower():
            lines.pop()
        lines.extend(kept)
    return Document(tuple(_collapse_blanks(lines)), tuple(header))


def _collapse_blanks(lines: list[Line]) -> list[Line]:
    """Blank runs become one blank line, so "the next block" is always one step away."""
    out: list[Line] = []
    for line in lines:
        if line.blank and (not out or out[-1].blank):
            continue
        out.append(line)
    while out and out[-1].blank:
        out.pop()
    return out


def _ends_sentence(text: str) -> bool:
    return text.endswith((".", ":", "!", "?")) and not _ABBREVIATIONS.search(text[:-1])


def split_sentences(text: str) -> list[str]:
    parts, start = [], 0
    for match in _SENTENCE_END.finditer(text):
        if _ends_sentence(text[start:match.start() + 1]):
            parts.append(text[start:match.start() + 1])
            start = match.end()
    return parts + [text[start:]]


def sentences(lines: tuple[Line, ...]) -> list[tuple[int, str]]:
    """(first line index, text) of each sentence or list item, joined across wrapped lines."""
    out: list[tuple[int, str]] = []
    current: list[str] = []
    start = 0
    for i, line in enumerate(list(lines) + [Line("", ())]):
        new_item = line.blank or _LIST_ITEM.match(line.text) \
            or (current and _ends_sentence(current[-1]) and line.text[:1].isupper())
        if new_item and current:
            out.extend((start, s) for s in split_sentences(" ".join(current)))
            current = []
        if not line.blank:
            if not current:
                start = i
            current.append(line.text)
    return out
