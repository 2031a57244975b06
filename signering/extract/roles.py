"""The words for the three signing roles, and the name that goes with a role on a line."""

from __future__ import annotations

import re

from .labels import KNOWN_LABELS, label_pattern
from .lines import Line
from .model import ROLE_ORDER
from .names import person_name, strip_decorations

# Only the meeting's own functions: "vice ordförande", "förvaltningssekreterare" are someone else.
_ROLE_WORDS = {
    "sekreterare": r"(?:nämnd|kommun|utskotts|mötes|styrelse)?sekreterare|protokollförare|sekr\.|vid\s+protokollet",
    "ordforande": r"(?:tjänstgörande\s+)?ordförande|ordf\.?",
    "justerare": r"justerare|justerande|justeringsperson(?:er)?",
}
_GROUPS = "|".join(f"(?P<{role}>{_ROLE_WORDS[role]})" for role in ROLE_ORDER)
ROLE_AT_START = re.compile(
    r"(?i)^(?:" + _GROUPS.replace("(?P<justerare>", r"(?P<justerare>justeras\s+av|utses\s+att\s+justera|")
    + r")(?![\wåäö])\s*:?\s*(?P<rest>.*)$"
)
_ROLE_ONLY = re.compile(r"(?i)^(?:" + _GROUPS + r")$")
# Beside the roles, templates print the block's label and the paragraphs it covers.
_SIGNATURE_NOISE = re.compile(
    r"(?i)^underskrift(?:er)?\s*:?(?=\s|$)|\bparagraf(?:er)?\s*:?\s*(?:§§?\s*)?[\d\s,–-]*$"
)
INTRODUCES_BLOCK = re.compile(r"(?i)^(?:justeras\s+av|utses\s+att\s+justera)\b")
_ANY_KNOWN_LABEL = label_pattern(*KNOWN_LABELS)
_COLON_LABEL = re.compile(r"^[A-ZÅÄÖ(][\w/() ]{0,40}:\s*")


def role_of(match: re.Match) -> str:
    return next(role for role in ROLE_ORDER if match.group(role))


def signature_text(text: str) -> str:
    return _SIGNATURE_NOISE.sub(" ", text).strip()


def role_only(text: str) -> str | None:
    """The role when ``text`` is a role and nothing else but § references or signature dots."""
    match = _ROLE_ONLY.match(strip_decorations(signature_text(text)))
    return role_of(match) if match else None


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
    for text in (line.text, line.cells[-1] if len(line.cells) > 1 else None, without_label(line.text)):
        if text:
            name = person_name(text)
            if name:
                return name
    return None
