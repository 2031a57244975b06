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
from .names import name_before_affiliation, person_name, split_names, strip_decorations
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


def _participant(line: Line, context: tuple[Line, ...]) -> list[Signer]:
    """The signers a participant line names with their roles; ``context`` is the list around it."""
    if len(line.cells) >= 2 and role_only(line.cells[-1]):
        name = person_name(line.cells[0]) or person_name(without_label(" ".join(line.cells[:-1])))
        if name:
            return [Signer(name, role) for role in role_only(line.cells[-1])]
    text = without_label(line.text)
    segments = text.split(",")
    for cut in range(len(segments) - 1, 0, -1):
        # "Name, sekreterare", "Name, Organisation, sekreterare", "Name Organisation, tillika justerare"
        roles = role_only(",".join(segments[cut:]))
        if roles:
            neighbours = tuple(l.text.split(",")[0] for l in context)
            name = name_before_affiliation(segments[0], neighbours) or person_name(segments[0])
            return [Signer(name, role) for role in roles] if name else []
    match = _PARTY_THEN_ROLE.match(text)
    if match and role_only(match["role"]) and person_name(match["name"]):
        return [Signer(person_name(match["name"]), role) for role in role_only(match["role"])]
    return []


def _participants(lines: tuple[Line, ...]) -> list[tuple[int, Signer]]:
    found = []
    for i, line in enumerate(lines):
        if not line.blank:
            # The list a participant stands in shows which words are affiliations.
            found.extend((i, signer) for signer in _participant(line, _block(lines, i)))
    return found


def _block(lines: tuple[Line, ...], index: int) -> tuple[Line, ...]:
    start = end = index
    while start > 0 and not lines[start - 1].blank:
        start -= 1
    while end + 1 < len(lines) and not lines[end + 1].blank:
        end += 1
    return lines[start:end + 1]


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
    return [signer for signer, _ in locate_signers(lines)]


def locate_signers(lines: tuple[Line, ...]) -> list[tuple[Signer, Line]]:
    """Signers in signing order, each with the line its name was read from."""
    sources = (signature_block(lines), _participants(lines), _elected(lines))
    result: list[Signer] = []
    where: dict[Signer, Line] = {}
    for role in ROLE_ORDER:
        # "Justeras" heads the chair's signature as well as the justerares'; the chair is no justerare.
        chair = {s.name for s in result if s.role == "ordforande"} if role == "justerare" else set()
        for source in sources:
            names = []
            for i, signer in sorted(source, key=lambda item: item[0]):
                if signer.role == role and signer.name not in names and signer.name not in chair:
                    names.append(signer.name)
                    where[signer] = lines[i]
            if names:
                result.extend(Signer(n, role) for n in names)
                break
    return [(signer, where[signer]) for signer in result]
