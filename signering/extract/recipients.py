"""Who a decision goes to: the list under "Beslutet skickas till" (or "Expedieras till") in one
paragraph of a protocol.

Protocols write the list in many ways, and each must give the same names:

    Beslutet skickas till          Beslutet skickas till: Ekonomichef, Kommundirektör
    Ekonomichef                    Expedieras till
                                   - Ekonomichef
    Kommundirektör                 • Länsstyrelsen (för kännedom)
                                   För kännedom: Revisorerna

Blank lines between names do not end the list (a page's own blank lines would drop the second
name); the list ends at the next paragraph or section, a page header, the signature page, or
a sentence.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

from .lines import Line
from .paragraphs import opens_section

_HEADING = re.compile(
    r"(?i)^(?:beslutet\s+(?:ska\s+)?(?:skickas|sänds|expedieras)\s+till|beslut(?:et)?\s+expedieras(?:\s+till)?|"
    r"expedieras(?:\s+till)?|expediering|sändlista|(?:protokolls)?utdrag\s+(?:skickas\s+)?till)\s*:?\s*(?P<rest>.*)$")
#: "för kännedom" as a label of its own, before names, or in brackets after one
_FOR_INFORMATION = re.compile(r"(?i)\(?\s*för\s+kännedom\s*\)?\s*:?")
_BULLET = re.compile(r"^\s*(?:[-–—•·*▪○◦‣⁃]+|\d{1,2}[.)])\s*")
#: lines that end the list: what follows a paragraph in protocols (page furniture, signatures)
_STOP = re.compile(
    r"(?i)^(?:nämnd/styrelse|signering|underskrifter|justerandes?\s+sign|utdragsbestyrkande|sida\s+\d|"
    r"sammanträdesdatum|reservation|protokollsanteckning|jäv|paragraf|ordförande|sekreterare|justerare)\b")
#: not a recipient but where the extract is filed
_NOT_RECIPIENTS = {"akten", "akt", "diariet", "ärendet"}
#: a recipient is a name, a role or an authority, not a sentence
_MAX_WORDS = 6


def is_heading(text: str) -> bool:
    return bool(_HEADING.match(text.strip()))


def _names(text: str) -> list[str]:
    found = []
    for part in re.split(r"[,;]", _FOR_INFORMATION.sub(",", text)):
        name = _BULLET.sub("", part).strip(" .:")
        if name and name.casefold() not in _NOT_RECIPIENTS:
            found.append(" ".join(name.split()))
    return found


def read(lines: Sequence[Line], header: Iterable[str] = ()) -> list[str]:
    """The recipients listed in ``lines`` (one paragraph), in order, each once."""
    page_header = {h.casefold() for h in header}
    found: list[str] = []
    for i, line in enumerate(lines):
        match = _HEADING.match(line.text.strip())
        if not match:
            continue
        found.extend(_names(match["rest"]))
        for following in lines[i + 1:]:
            text = following.text.strip()
            if not text:
                continue
            if text.casefold() in page_header or opens_section(text) or _STOP.match(text) or is_heading(text):
                break
            if len(text.split()) > _MAX_WORDS or (text.endswith(".") and len(text.split()) > 2):
                break
            found.extend(_names(" , ".join(following.cells) if following.cells else text))
    seen, unique = set(), []
    for name in found:
        if name.casefold() not in seen:
            seen.add(name.casefold())
            unique.append(name)
    return unique
