"""Who signs: the sekreterare, the ordförande and the justerare, with their names.

Three kinds of evidence, in falling order of trust; for each role the most trusted kind that
names anyone wins:

1. the signature block (see :mod:`.signature_block`);
2. lists of participants with the role after the name: "Martin Söderström, ordförande",
   "Johan Andersson (C) ordförande", or a participants table whose last column says "Ordförande";
3. for justerare, the minutes of the election: "John Åberg (S) väljs till justerare".

A name is taken only when a whole line part is a name (see :mod:`.names`).
"""

from __future__ import annotations

import re

from .lines import Line, sentences
from .model import ROLE_ORDER, Signer
from .names import person_name, split_names, strip_decorations
from .roles import role_only, without_label
from .signature_block import signature_block

_PARTY_THEN_ROLE = re.compile(r"^(?P<name>.+?\([A-ZÅÄÖ][A-Za-zÅÄÖåäö]{0,5}\))\s*,?\s*(?P<role>.+)$")
_ELECTED_AFTER = re.compile(
    r"(?i)^(?P<names>.+?)\s+(?:väljs|valdes|utses|utsågs|är\s+utsedd[a]?)\s+(?:till\s+justerare\b|att\b.*\bjustera\b)"
)
_ELECTED_OBJECT = re.compile(
    r"(?i)\b(?:utse[sr]?|välja|väljer|valde|utsåg)\s+(?P<names>.+?)\s+"
    r"(?:till\s+justerare\b|att\s+(?:jämte\s+ordföranden?\s+)?justera\b)"
)
_ELECTED_BEFORE = re.compile(
    r"(?i)^(?:till\s+justerare|att\s+(?:jämte\s+ordföranden?\s+)?justera(?:\s+(?:dagens\s+)?protokollet)?)"
    r"\s+(?:väljs|valdes|utses|utsågs)\s*:?\s*(?P<names>.+?)\.?$"
)
_LIST_MARKER = re.compile(r"^(?:[-–•*]\s*)?(?:[a-z]\)|\d{1,2}[.)])?\s*")


def _participant(line: Line) -> Signer | None:
    if len(line.cells) >= 2 and role_only(line.cells[-1]):
        name = person_name(line.cells[0]) or person_name(without_label(" ".join(line.cells[:-1])))
        if name:
            return Signer(name, role_only(line.cells[-1]))
    text = without_label(line.text)
    segments = text.split(",")
    if len(segments) >= 2 and role_only(segments[-1]):
        name = person_name(segments[0])
        if name:
            return Signer(name, role_only(segments[-1]))
    match = _PARTY_THEN_ROLE.match(text)
    if match and role_only(match["role"]) and person_name(match["name"]):
        return Signer(person_name(match["name"]), role_only(match["role"]))
    return None


def _participants(lines: tuple[Line, ...]) -> list[tuple[int, Signer]]:
    found = []
    for i, line in enumerate(lines):
        signer = None if line.blank else _participant(line)
        if signer:
            found.append((i, signer))
    return found


def _elected(lines: tuple[Line, ...]) -> list[tuple[int, Signer]]:
    found = []
    # Sentences wrap over lines, but a heading right above ("Val av justerare") may join the
    # sentence it stands over: try both the joined sentences and the single lines.
    single = [(i, line.text) for i, line in enumerate(lines) if not line.blank]
    for i, text in sentences(lines) + single:
        text = _LIST_MARKER.sub("", text)
        match = _ELECTED_AFTER.match(text) or _ELECTED_BEFORE.match(text) or _ELECTED_OBJECT.search(text)
        if match:
            names = re.split(r"(?i)\s+med\s+|\s+som\s+", match["names"])[0]
            found.extend((i, Signer(n, "justerare")) for n in split_names(strip_decorations(names)))
    return found


def find_signers(lines: tuple[Line, ...]) -> list[Signer]:
    """Signers in signing order: sekreterare, ordförande, justerare."""
    sources = (signature_block(lines), _participants(lines), _elected(lines))
    result: list[Signer] = []
    for role in ROLE_ORDER:
        for source in sources:
            names = []
            for _, signer in sorted(source, key=lambda item: item[0]):
                if signer.role == role and signer.name not in names:
                    names.append(signer.name)
            if names:
                result.extend(Signer(n, role) for n in names)
                break
    return result
