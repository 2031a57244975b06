"""The protocol's paragraphs: number, title and diarienummer.

A paragraph heading is a line starting with "§ 17" (or "KS § 17"); "§§ 11 - 17" is a range,
never a heading. The same number often appears several times: in a table of contents (dotted
leaders, page numbers), in a list of items a speaker presented, and at the paragraph itself.
The paragraph's own heading wins (its title and diarienummer are what was decided under); the
table of contents fills in what the heading lacks. Protocols without any § (minnesanteckningar)
number their items "1. Mötets öppnande"; those count when they run 1, 2, 3, ...
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .dnr import DNR_BARE, dnr_in, dnr_line
from .lines import Line
from .model import Paragraph

_HEADING = re.compile(r"^(?:[A-ZÅÄÖ]{1,6}\s+)?§\s*(?P<n>\d{1,4})(?!\d)(?P<rest>.*)$")
_NOT_HEADING_REST = re.compile(r"^\s*(?:[-–]\s*\d|,\s*\d|och\s+\d|st\b|\d)")
_LEADERS_PAGE = re.compile(r"\s*(?:(?:\.\s?){2,}|…+)\s*\d{0,3}$")
_TRAILING_PAGE = re.compile(r"\s+\d{1,3}$")
_TOC_HEADINGS = re.compile(
    r"(?i)^(?:innehållsförteckning|innehåll|dagordning|föredragningslista|ärendelista|ärendeförteckning"
    r"|ärenden|paragrafer|förteckning över ärenden)\s*:?$"
)
_SECTION = re.compile(
    r"(?i)^(?:beslut(?:et)?|beslutsunderlag|ärendebeskrivning|ärendet|bakgrund|sammanfattning(?: av ärendet)?"
    r"|förslag till beslut|yrkande(?:n)?|propositionsordning|beslutsgång|handlingar|bilag(?:a|or)"
    r"|reservation(?:er)?|protokollsanteckning(?:ar)?|expedieras|beslutet skickas till|information"
    r"|föredragande|jäv|ajournering|omedelbar justering)\s*:?$"
)
_LABELLED = re.compile(r"^[\wÅÄÖåäö][\wÅÄÖåäö ]{0,30}:(?:\s|$)")
_CONNECTIVE_END = re.compile(r"(?i)(?:[,–-]|\b(?:och|samt|av|för|per|i|med|till|om|på|vid|från|mellan|inom))$")
_NUMBERED_ITEM = re.compile(r"^(?P<n>\d{1,3})\.\s+(?P<title>[A-ZÅÄÖ][^.:;]{1,90})$")


@dataclass(frozen=True)
class _Candidate:
    index: int
    number: int
    rest: str


def _clean_title(text: str, toc: bool) -> str | None:
    text = _LEADERS_PAGE.sub("", text)
    if toc:
        text = _TRAILING_PAGE.sub("", text)
    text = re.sub(r"\s+", " ", text).strip(" ,:.;–-\t")
    return text or None


def _is_title_line(line: Line) -> bool:
    text = line.text
    return bool(text) and (text[0].isupper() or text[0].isdigit()) and not _SECTION.match(text) \
        and not _LABELLED.match(text) and len(text.split()) <= 25 and not _HEADING.match(text)


def _continues_title(previous: str, line: Line) -> bool:
    text = line.text
    if not text or _HEADING.match(text) or _SECTION.match(text) or dnr_line(line):
        return False
    return text[0].islower() or text[0].isdigit() or bool(_CONNECTIVE_END.search(previous))


def _candidates(lines: tuple[Line, ...]) -> list[_Candidate]:
    found = []
    for i, line in enumerate(lines):
        if line.text.startswith("§§"):
            continue
        match = _HEADING.match(line.text)
        if not match or _NOT_HEADING_REST.match(match["rest"]):
            continue
        # A heading's title starts with a capital; "§ 37 medel för ..." is a wrapped mention.
        rest = match["rest"].lstrip(" :.–-\t")
        if not rest or rest[0].isupper() or rest[0].isdigit():
            found.append(_Candidate(i, int(match["n"]), match["rest"]))
    return found


def _tail(lines: tuple[Line, ...], index: int, limit: int = 3) -> list[Line]:
    """The non-blank lines right under ``index``, up to a blank line or the next §."""
    tail = []
    for line in lines[index + 1:index + 1 + limit]:
        if line.blank or _HEADING.match(line.text):
            break
        tail.append(line)
    return tail


def _toc_entry(lines: tuple[Line, ...], cand: _Candidate) -> tuple[bool, bool, list[Line]]:
    """(strong sign of a table of contents, weak sign, lines of the entry)."""
    entry = [lines[cand.index]]
    for line in [lines[cand.index]] + _tail(lines, cand.index):
        if line is not entry[0]:
            entry.append(line)
        strong = bool(_LEADERS_PAGE.search(line.text)) and bool(re.search(r"(?:\.\.|…)", line.text)) \
            or (len(line.cells) >= 2 and re.fullmatch(r"\d{1,3}", line.cells[-1]) is not None)
        if strong:
            return True, True, entry
    last = entry[-1].text
    weak = bool(_TRAILING_PAGE.search(last)) and not re.search(r"(?:19|20)\d\d$", last)
    return False, weak, entry[:1]


def _split_toc(lines: tuple[Line, ...], cands: list[_Candidate]):
    """Sort candidates into table-of-contents entries and body headings."""
    runs: list[list[_Candidate]] = []
    for cand in cands:
        if runs and not any(l.blank for l in lines[runs[-1][-1].index:cand.index]):
            runs[-1].append(cand)
        else:
            runs.append([cand])
    toc, body = [], []
    for run in runs:
        signs = [_toc_entry(lines, c) for c in run]
        before = [l for l in lines[max(0, run[0].index - 3):run[0].index] if not l.blank]
        after_toc_heading = bool(before) and bool(_TOC_HEADINGS.match(before[-1].text))
        votes = sum(1 for strong, weak, _ in signs if strong or weak)
        whole_run = len(run) >= 2 and (votes * 2 >= len(run) or after_toc_heading)
        for cand, (strong, _, entry) in zip(run, signs):
            (toc if whole_run or strong else body).append((cand, entry))
    return toc, body


def body_starts(lines: tuple[Line, ...]) -> dict[int, int]:
    """Where each paragraph's heading in the body is: line index by § number.

    As :func:`find_paragraphs` chooses: of several headings with one number, the one followed
    by the most text. Extracts cut a protocol's text at these lines.
    """
    cands = _candidates(lines)
    if not cands:
        return {}
    _toc, body = _split_toc(lines, cands)
    starts = sorted(c.index for c in cands) + [len(lines)]
    best: dict[int, tuple[int, int]] = {}
    for cand, _entry in body:
        span = min(s for s in starts if s > cand.index) - cand.index
        if cand.number not in best or span > best[cand.number][0]:
            best[cand.number] = (span, cand.index)
    return {number: index for number, (_span, index) in best.items()}


def opens_section(text: str) -> bool:
    """Whether a line opens a paragraph or a section, i.e. ends the text of the one before."""
    return bool(_HEADING.match(text) or _SECTION.match(text))


def _toc_paragraph(cand: _Candidate, entry: list[Line]) -> Paragraph:
    text = " ".join([cand.rest] + [l.text for l in entry[1:]])
    dnr, text = dnr_in(text)
    return Paragraph(cand.number, _clean_title(text, toc=True), dnr)


def _body_paragraph(lines: tuple[Line, ...], cand: _Candidate) -> Paragraph:
    dnr, rest = dnr_in(cand.rest)
    if not dnr and len(lines[cand.index].cells) >= 2:
        bare = DNR_BARE.match(lines[cand.index].cells[-1])
        if bare:
            dnr, rest = bare["dnr"], rest.replace(lines[cand.index].cells[-1], "")
    title = _clean_title(rest, toc=False)
    i, looked = cand.index + 1, 0
    if title:
        while i < len(lines) and _continues_title(title, lines[i]):
            title = f"{title} {lines[i].text}"
            i += 1
    while i < len(lines) and looked < 4:
        line = lines[i]
        i += 1
        if line.blank:
            continue
        looked += 1
        if _HEADING.match(line.text):
            break
        found = dnr_line(line)
        if found:
            dnr = dnr or found
            continue
        if title or not _is_title_line(line):
            break
        title = _clean_title(line.text, toc=False)
        while i < len(lines) and title and _continues_title(title, lines[i]):
            title = f"{title} {lines[i].text}"
            i += 1
    return Paragraph(cand.number, title, dnr)


def _main_cluster(numbers: set[int]) -> set[int]:
    """Drop stray numbers far from the protocol's run of paragraphs (a "§ 6" quoting a law)."""
    clusters: list[list[int]] = []
    for n in sorted(numbers):
        if clusters and n - clusters[-1][-1] <= 5:
            clusters[-1].append(n)
        else:
            clusters.append([n])
    return set(max(clusters, key=len)) if clusters else set()


def _numbered_items(lines: tuple[Line, ...]) -> list[Paragraph]:
    items, expected = [], 1
    for line in lines:
        match = _NUMBERED_ITEM.match(line.text)
        if match and int(match["n"]) == expected and len(match["title"].split()) <= 12:
            items.append(Paragraph(expected, match["title"].strip(), None))
            expected += 1
    return items if len(items) >= 3 else []


def find_paragraphs(lines: tuple[Line, ...]) -> list[Paragraph]:
    cands = _candidates(lines)
    if not cands:
        return _numbered_items(lines)
    toc, body = _split_toc(lines, cands)
    toc_by_number = {}
    for cand, entry in toc:
        toc_by_number.setdefault(cand.number, _toc_paragraph(cand, entry))
    # Of several headings with one number, the real one is followed by the paragraph's text;
    # a mention in a list of items has only a line or two before the next §.
    starts = sorted(c.index for c in cands) + [len(lines)]
    best: dict[int, tuple[int, _Candidate]] = {}
    for cand, _ in body:
        span = min(s for s in starts if s > cand.index) - cand.index
        if cand.number not in best or span > best[cand.number][0]:
            best[cand.number] = (span, cand)
    keep = _main_cluster(set(best) | set(toc_by_number))
    result = []
    for number in sorted(keep):
        from_body = _body_paragraph(lines, best[number][1]) if number in best else None
        from_toc = toc_by_number.get(number)
        result.append(Paragraph(
            number,
            (from_body and from_body.title) or (from_toc and from_toc.title) or None,
            (from_body and from_body.dnr) or (from_toc and from_toc.dnr) or None,
        ))
    return result
