"""Who signs: the sekreterare, the ordförande and the justerare, with their names.

Three kinds of evidence, in falling order of trust; for each role the most trusted kind that
names anyone wins:

1. the signature block: "Sekreterare Siv Sjödin", "Ordförande: ...", a role alone on its line
   with the name above it (typed under a signature line) or below it (paper forms), "Justeras
   av: ...";
2. lists of participants with the role after the name: "Martin Söderström, ordförande",
   or a participants table whose last column says "Ordförande";
3. for justerare, the minutes of the election: "John Åberg (S) väljs till justerare".

A name is taken only when a whole line part is a name (see :mod:`.names`).
"""

from __future__ import annotations

import re
from .labels import KNOWN_LABELS, label_pattern
from .lines import Line, sentences
from .model import ROLE_ORDER, Signer
from .names import person_name, split_names, strip_decorations

_ROLE_WORDS = (
    ("sekreterare", r"(?:nämnd|kommun|utskotts|mötes|styrelse)?sekreterare|protokollförare|vid\s+protokollet"),
    ("ordforande", r"(?:tjänstgörande\s+)?ordförande"),
    ("justerare", r"justerare|justerande|justeringsperson(?:er)?"),
)
_ROLE_AT_START = re.compile(
    r"(?i)^(?:(?P<sekreterare>" + _ROLE_WORDS[0][1] + r")|(?P<ordforande>" + _ROLE_WORDS[1][1]
    + r")|(?P<justerare>" + _ROLE_WORDS[2][1] + r"|justeras\s+av|utses\s+att\s+justera))(?![\wåäö])\s*:?\s*(?P<rest>.*)$"
)
_ROLE_ONLY = re.compile(
    r"(?i)^(?:(?P<sekreterare>" + _ROLE_WORDS[0][1] + r")|(?P<ordforande>" + _ROLE_WORDS[1][1]
    + r")|(?P<justerare>" + _ROLE_WORDS[2][1] + r"))$"
)
_SIGNATURE_NOISE = re.compile(
    r"(?i)^underskrift(?:er)?\s*:?(?=\s|$)|\bparagraf(?:er)?\s*:?\s*(?:§§?\s*)?[\d\s,–-]*$"
)
_INTRODUCES_BLOCK = re.compile(r"(?i)^(?:justeras\s+av|utses\s+att\s+justera)\b")
_ANY_KNOWN_LABEL = label_pattern(*KNOWN_LABELS)
_COLON_LABEL = re.compile(r"^[A-ZÅÄÖ(][\w/() ]{0,40}:\s*")
_ELECTED_AFTER = re.compile(
    r"(?i)^(?P<names>.+?)\s+(?:väljs|valdes|utses|utsågs|är\s+utsedd[a]?)\s+(?:till\s+justerare\b|att\b.*\bjustera\b)"
)
_ELECTED_OBJECT = re.compile(
    r"(?i)\b(?:utse[sr]?|välja|väljer|valde|utsåg)\s+(?P<names>.+?)\s+(?:till\s+justerare\b|att\s+(?:jämte\s+ordföranden?\s+)?justera\b)"
)
_ELECTED_BEFORE = re.compile(
    r"(?i)^(?:till\s+justerare|att\s+(?:jämte\s+ordföranden?\s+)?justera(?:\s+(?:dagens\s+)?protokollet)?)"
    r"\s+(?:väljs|valdes|utses|utsågs)\s*:?\s*(?P<names>.+?)\.?$"
)


def _role_of(match: re.Match) -> str:
    return next(role for role in ROLE_ORDER if match.group(role))


def _signature_text(text: str) -> str:
    """``text`` without the block's label and the paragraph count that templates put beside roles."""
    return _SIGNATURE_NOISE.sub(" ", text).strip()


def role_only(text: str) -> str | None:
    """The role when ``text`` is a role and nothing else but § references or signature dots."""
    match = _ROLE_ONLY.match(strip_decorations(_signature_text(text)))
    return _role_of(match) if match else None


def _without_label(text: str) -> str:
    match = _COLON_LABEL.match(text)
    if match:
        return text[match.end():]
    match = _ANY_KNOWN_LABEL.match(text)
    if match and match["value"][:1].isupper():
        return match["value"]
    return text


def name_on_line(line: Line) -> str | None:
    """A name that fills ``line`` (or its last cell, or what follows its label)."""
    for text in (line.text, line.cells[-1] if len(line.cells) > 1 else None, _without_label(line.text)):
        if text:
            name = person_name(text)
            if name:
                return name
    return None


def _near_name(lines: tuple[Line, ...], index: int, step: int) -> tuple[int, int, str] | None:
    """(distance in blank lines, line index, name) of the nearest name above (-1) or below (+1)."""
    blanks, i = 0, index + step
    while 0 <= i < len(lines) and blanks <= 1:
        if lines[i].blank:
            blanks += 1
        else:
            # Another role's line is its own signer; "Justeras av: <name>" only introduces the block.
            if role_only(lines[i].text) or _ROLE_AT_START.match(lines[i].text) \
                    and not _INTRODUCES_BLOCK.match(lines[i].text):
                return None
            name = name_on_line(lines[i])
            return (blanks, i, name) if name else None
        i += step
    return None


def _signature_block(lines: tuple[Line, ...]) -> list[tuple[int, Signer]]:
    found: list[tuple[int, Signer]] = []
    claimed: set[int] = set()
    alone = [(i, role_only(l.text)) for i, l in enumerate(lines) if not l.blank and role_only(l.text)]
    near = {i: (_near_name(lines, i, -1), _near_name(lines, i, +1)) for i, _ in alone}
    # One template types names above the roles, another below: let the block as a whole decide.
    above = sum(1 for a, b in near.values() if a and (not b or a[0] < b[0]))
    below = sum(1 for a, b in near.values() if b and (not a or b[0] < a[0]))
    order = (0, 1) if above >= below else (1, 0)
    for i, role in alone:
        for side in order:
            hit = near[i][side]
            if hit and hit[1] not in claimed:
                claimed.add(hit[1])
                found.append((hit[1], Signer(hit[2], role)))
                break
    for i, line in enumerate(lines):
        match = _ROLE_AT_START.match(_signature_text(line.text))
        if not match or i in claimed or role_only(line.text):
            continue
        role = _role_of(match)
        name = person_name(match["rest"])
        if name:
            found.append((i, Signer(name, role)))
        elif role == "justerare" and match["rest"]:
            found.extend((i, Signer(n, role)) for n in split_names(strip_decorations(match["rest"])))
    return found


def _participants(lines: tuple[Line, ...]) -> list[tuple[int, Signer]]:
    found = []
    for i, line in enumerate(lines):
        if line.blank:
            continue
        if len(line.cells) >= 2 and role_only(line.cells[-1]):
            name = person_name(line.cells[0]) or person_name(_without_label(" ".join(line.cells[:-1])))
            if name:
                found.append((i, Signer(name, role_only(line.cells[-1]))))
                continue
        text = _without_label(line.text)
        segments = text.split(",")
        if len(segments) >= 2 and role_only(segments[-1]):
            name = person_name(segments[0])
            if name:
                found.append((i, Signer(name, role_only(segments[-1]))))
    return found


def _elected(lines: tuple[Line, ...]) -> list[tuple[int, Signer]]:
    found = []
    # Sentences wrap over lines, but a heading right above ("Val av justerare") may join the
    # sentence it stands over: try both the joined sentences and the single lines.
    single = [(i, line.text) for i, line in enumerate(lines) if not line.blank]
    for i, text in sentences(lines) + single:
        text = re.sub(r"^(?:[-–•*]\s*)?(?:[a-z]\)|\d{1,2}[.)])?\s*", "", text)
        match = _ELECTED_AFTER.match(text) or _ELECTED_BEFORE.match(text) or _ELECTED_OBJECT.search(text)
        if match:
            names = re.split(r"(?i)\s+med\s+|\s+som\s+", match["names"])[0]
            found.extend((i, Signer(n, "justerare")) for n in split_names(strip_decorations(names)))
    return found


def find_signers(lines: tuple[Line, ...]) -> list[Signer]:
    sources = (_signature_block(lines), _participants(lines), _elected(lines))
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
