"""The words for the three signing roles, and the name that goes with a role on a line."""

from __future__ import annotations

import re

from .labels import KNOWN_LABELS, label_pattern
from .lines import Line
from .model import ROLE_ORDER
from .names import person_name, strip_decorations

# Only the meeting's own functions: "vice ordförande", "förvaltningssekreterare" are someone else;
# an acting one ("t.f. sekreterare", "tf. ordförande") signs as the role.
_ACTING = r"(?:t\.?\s?f\.?\s+|tillförordnad\s+)?"
_ROLE_WORDS = {
    "sekreterare": _ACTING + r"(?:(?:nämnd|kommun|utskotts|mötes|styrelse)?sekreterare|protokollförare|sekr\.)"
                   r"|vid\s+(?:protokollet|anteckningarna)|antecknat\s+av|antecknare|protokollet\s+fört\s+av",
    "ordforande": _ACTING + r"(?:(?:tjänstgörande\s+)?ordförande|ordf\.?)",
    # "Justerat" and "Justeras" head the justering's signatures, the chair's often among them.
    "justerare": r"justerare|justerande|justeringsperson(?:er)?|justerat|justeras",
}
_GROUPS = "|".join(f"(?P<{role}>{_ROLE_WORDS[role]})" for role in ROLE_ORDER)
ROLE_AT_START = re.compile(
    r"(?i)^(?:" + _GROUPS.replace("(?P<justerare>", r"(?P<justerare>justeras\s+av|utses\s+att\s+justera|")
    + r")(?![\wåäö])\s*:?\s*(?P<rest>.*)$"
)
# One person in two roles: "Sekreterare, tillika justerare", "sekreterare och justerare", "sekreterare/justerare".
_AND_ROLE = re.compile(r"(?i)^\s*(?:,\s*)?(?:tillika|och|samt|/|,|&)\s*")
# Beside the roles, templates print the block's label and the paragraphs it covers.
_SIGNATURE_NOISE = re.compile(
    r"(?i)^underskrift(?:er)?\s*:?(?=\s|$)|\bparagraf(?:er)?\s*:?\s*(?:§§?\s*)?[\d\s,–-]*$"
)
INTRODUCES_BLOCK = re.compile(r"(?i)^(?:justeras\s+av|utses\s+att\s+justera)\b")
_ANY_KNOWN_LABEL = label_pattern(*KNOWN_LABELS)
_COLON_LABEL = re.compile(r"^[A-ZÅÄÖ(][\w/() ]{0,40}:\s*")


def role_of(match: re.Match) -> str:
    return next(role for role in ROLE_ORDER if match.group(role))


def leading_roles(text: str) -> tuple[tuple[str, ...], str]:
    """(roles, what follows them) for text that starts with one role or several joined
    ("Sekreterare, tillika justerare: Lars Öberg"); ((), text) when it starts with none."""
    roles: list[str] = []
    rest = text
    match = ROLE_AT_START.match(rest)
    while match:
        roles.append(role_of(match))
        rest = match["rest"]
        joined = _AND_ROLE.match(rest)
        match = joined and ROLE_AT_START.match(rest[joined.end():])
    return tuple(dict.fromkeys(roles)), rest


def signature_text(text: str) -> str:
    return _SIGNATURE_NOISE.sub(" ", text).strip()


def role_only(text: str) -> tuple[str, ...]:
    """The roles when ``text`` names a role (or two) and nothing else but § references or
    signature dots; () otherwise."""
    roles, rest = leading_roles(strip_decorations(signature_text(text)))
    return roles if roles and not rest.strip(" :") else ()


def without_label(text: str) -> str:
    """``text`` after a leading "Label:" or a known heading label ("Övriga deltagande Erik Sedig")."""
    match = _COLON_LABEL.match(text)
    if match:
        return text[match.end():]
    match = _ANY_KNOWN_LABEL.match(text)
    if match and match["value"][:1].isupper():
        return match["value"]
    return text


def name_on_line(line: Line) -> str | None:
    """A name that fills ``line`` (or its last cell, or what follows its label)."""
    if len(line.cells) >= 2 and all(person_name(cell) for cell in line.cells):
        return None  # names side by side, each under its own role
    for text in (line.text, line.cells[-1] if len(line.cells) > 1 else None, without_label(line.text)):
        if text:
            name = person_name(text)
            if name:
                return name
    return None
